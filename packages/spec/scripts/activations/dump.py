"""Dumps every module's output of a network in PyTorch, for `resblocks trace --against`.

The network is torchvision's own model (resnet18/34/50/101/152, resnext*, wide_resnet*) or, for the
spec's other networks (CIFAR, pre-activation, ResNet-D, Keras v1), the fixtures' PyTorch definition
(../fixtures/torch_reference.py). It runs in float64, eval mode, with a forward hook on every module;
the file is safetensors, each value under the name resblocks gives it (moduleNames in
packages/spec/src/ir/module-names.ts):

- a module's output under its name (`conv1`, `layer3.0.bn2`, `layer3.0.downsample.0`, `fc`);
  containers (nn.Sequential) and nn.Identity are left out: their output is a child's;
- a module called more than once (a block's `relu`): the k-th call as `name#k`;
- a residual block's output as the block (`layer3.0`); when the block returns its ReLU's output,
  that call is the block's and its input, the sum `out += identity`, is `layer3.0.add`;
- the input of `fc` as `flatten`;
- the input, float32 as the model saw it, as `input`.

usage:
  /usr/bin/python3 dump.py --model resnet18 --weights resnet18.pth --input cat.jpg --output acts.safetensors
  /usr/bin/python3 dump.py --model resnet8_cifar --weights w.safetensors --input x.npy --output acts.safetensors

--weights takes a state_dict saved by torch.save (.pth/.pt, also under 'state_dict' or 'model', and
with DataParallel's 'module.' prefix) or a .safetensors file. --input takes a float32 .npy
[N, C, H, W], or a picture preprocessed the torchvision way: Resize(256), CenterCrop(224), ToTensor,
Normalize(ImageNet mean and std). Needs Debian's python3-torch, python3-torchvision, python3-numpy.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from torch_reference import OWN_NETWORKS, TORCHVISION, Block, Net  # noqa: E402

FORMAT = "resblocks-activations/1"
ST_READ = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def read_safetensors(path):
    """Tensors of a safetensors file (BF16 widened through its 16 high bits)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(data[begin:end], dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(data[begin:end], dtype=ST_READ[e["dtype"]])
        out[name] = torch.from_numpy(arr.copy().reshape(e["shape"]))
    return out


def write_safetensors(path, tensors, metadata):
    """safetensors with numpy alone: float64 values, the float32 input, string metadata."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype, a = ("F32", a.astype("<f4")) if a.dtype == np.float32 else ("F64", a.astype("<f8"))
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_state_dict(path):
    if path.endswith(".safetensors"):
        sd = read_safetensors(path)
    else:
        sd = torch.load(path, map_location="cpu", weights_only=True)
        for key in ("state_dict", "model"):
            if isinstance(sd, dict) and key in sd and isinstance(sd[key], dict):
                sd = sd[key]
    if sd and all(k.startswith("module.") for k in sd):
        sd = {k[len("module.") :]: v for k, v in sd.items()}
    return {k: v for k, v in sd.items()}


def build(name, classes):
    if name in TORCHVISION:
        import torchvision

        return getattr(torchvision.models, name)(weights=None, num_classes=classes)
    if name in OWN_NETWORKS:
        return Net(dict(OWN_NETWORKS[name], numClasses=classes))
    known = ", ".join(sorted(TORCHVISION | set(OWN_NETWORKS)))
    raise SystemExit(f"dump.py: unknown model '{name}'; known: {known}")


def load_input(path):
    if path.endswith(".npy"):
        x = np.load(path)
        if x.ndim != 4:
            raise SystemExit(f"dump.py: {path} holds shape {list(x.shape)}; expected [N, C, H, W]")
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    from PIL import Image
    from torchvision import transforms

    t = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        ]
    )
    return t(Image.open(path).convert("RGB")).unsqueeze(0)


def is_block(m):
    import torchvision.models.resnet as tv

    return isinstance(m, (tv.BasicBlock, tv.Bottleneck, Block))


def activations(model, x):
    """Every module's output (and the two sums no module makes) in call order, float64."""
    values, calls = {}, {}
    relu_calls = {}  # block name -> [(key, raw output, input clone)] of its relu
    hooks = []

    def key_of(name):
        calls[name] = calls.get(name, 0) + 1
        return name if calls[name] == 1 else f"{name}#{calls[name]}"

    for name, m in model.named_modules():
        if not name or isinstance(m, (nn.Sequential, nn.Identity)):
            continue
        block = name.rsplit(".", 1)[0] if name.endswith(".relu") else None

        def pre(mod, args, name=name, block=block):
            if block is not None:
                relu_calls.setdefault(block, []).append([None, None, args[0].detach().clone()])
            if name == "fc":
                values["flatten"] = args[0].detach().clone()

        def post(mod, args, out, name=name, block=block):
            key = key_of(name)
            # Cloned now: the next in-place ReLU would change the tensor.
            values[key] = out.detach().clone()
            if block is not None:
                relu_calls[block][-1][:2] = [key, out]
            if is_block(mod):
                last = relu_calls.get(name, [])[-1:] or [[None, None, None]]
                relu_key, relu_out, relu_in = last[0]
                if relu_out is out:
                    # The block returns its last ReLU call: that value is the block's, its input the sum.
                    del values[relu_key]
                    values[f"{name}.add"] = relu_in
                    values[name] = values.pop(key)

        hooks.append(m.register_forward_pre_hook(pre))
        hooks.append(m.register_forward_hook(post))
    try:
        with torch.no_grad():
            model(x.double())
    finally:
        for h in hooks:
            h.remove()
    return values


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--classes", type=int, help="class count (default: the rows of fc.weight)")
    a = p.parse_args()
    sd = load_state_dict(a.weights)
    classes = a.classes or (sd["fc.weight"].shape[0] if "fc.weight" in sd else 1000)
    model = build(a.model, classes)
    # BN counters are not needed at inference; every other key must match by name and shape.
    for k, v in model.state_dict().items():
        if k.endswith(".num_batches_tracked") and k not in sd:
            sd[k] = v
    model.load_state_dict({k: v.to(model.state_dict()[k].dtype) if k in model.state_dict() else v for k, v in sd.items()}, strict=True)
    model = model.double().eval()
    x = load_input(a.input)
    values = activations(model, x)
    tensors = {"input": x.float(), **values}
    metadata = {
        "format": FORMAT,
        "model": a.model,
        "classes": str(classes),
        "weights": os.path.basename(a.weights),
        "input": os.path.basename(a.input),
        "dtype": "float64",
        "torch": torch.__version__,
    }
    write_safetensors(a.output, tensors, metadata)
    print(f"wrote {len(values)} activations of {a.model} on input {list(x.shape)} to {a.output}")


if __name__ == "__main__":
    main()
