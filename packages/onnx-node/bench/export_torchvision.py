"""Exports torchvision networks with random weights to ONNX with torch.onnx.export (no download),
for the bench's side-by-side rows: the same network as a model from PyTorch's own exporter.

usage: /usr/bin/python3 bench/export_torchvision.py OUT_DIR [resnet50 resnext50_32x4d ...]
Writes OUT_DIR/<name>.onnx: input 'input' [batch, 3, 224, 224] (batch symbolic), output 'logits'.
"""

import os
import sys

import torch
import torchvision

out = sys.argv[1]
names = sys.argv[2:] or ["resnet50", "resnext50_32x4d"]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
for name in names:
    model = getattr(torchvision.models, name)(weights=None).eval()
    path = os.path.join(out, f"{name}.onnx")
    with torch.no_grad():
        torch.onnx.export(
            model,
            torch.randn(1, 3, 224, 224),
            path,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17,
            do_constant_folding=True,
        )
    print(f"{path}: torch {torch.__version__}, torchvision {torchvision.__version__}")
