"""Writes the activations fixtures (packages/spec/fixtures/activations) with dump.py.

The network is the fine-tuned resnet8_cifar of the checkpoint fixtures (resnet8_cifar-3class.pth,
BN statistics that are not the identity) on a seeded 8x8 input. Its state_dict is also edited in
PyTorch in one layer (one output channel of layer2.0.conv2 scaled by 1.01) and saved with
torch.save; both models' activations are dumped. Tracing one model against the other's activations
must name that layer and nothing before it. manifest.json holds every file's SHA-256 and the edit.

usage: /usr/bin/python3 packages/spec/scripts/activations/generate.py   (apt-get install python3-torch python3-torchvision)
"""

import hashlib
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dump  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "..", "fixtures")
OUT = os.path.join(FIXTURES, "activations")
SOURCE = os.path.join(FIXTURES, "checkpoints", "resnet8_cifar-3class.pth")
MODEL = "resnet8_cifar"
EDIT = {"key": "layer2.0.conv2.weight", "channel": 5, "factor": 1.01, "node": "layer2.0.conv2"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def dump_to(weights, x, path):
    sd = dump.load_state_dict(weights)
    model = dump.build(MODEL, sd["fc.weight"].shape[0])
    model.load_state_dict(sd, strict=True)
    model = model.double().eval()
    values = dump.activations(model, x)
    dump.write_safetensors(
        path,
        {"input": x, **values},
        {
            "format": dump.FORMAT,
            "model": MODEL,
            "classes": str(sd["fc.weight"].shape[0]),
            "weights": os.path.basename(weights),
            "input": "input.npy",
            "dtype": "float64",
            "torch": torch.__version__,
        },
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(False)
    x = np.random.default_rng(8).standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.save(os.path.join(OUT, "input.npy"), x)
    x = torch.from_numpy(x)

    sd = torch.load(SOURCE, map_location="cpu", weights_only=True)
    edited = {k: v.clone() for k, v in sd.items()}
    edited[EDIT["key"]][EDIT["channel"]] *= EDIT["factor"]
    perturbed = os.path.join(OUT, "resnet8_cifar-3class-perturbed.pth")
    torch.save(edited, perturbed)

    dump_to(SOURCE, x, os.path.join(OUT, "resnet8_cifar-3class.safetensors"))
    dump_to(perturbed, x, os.path.join(OUT, "resnet8_cifar-3class-perturbed.safetensors"))

    names = ["input.npy", "resnet8_cifar-3class.safetensors", "resnet8_cifar-3class-perturbed.pth",
             "resnet8_cifar-3class-perturbed.safetensors"]
    manifest = {
        "generator": "packages/spec/scripts/activations/generate.py",
        "torch": torch.__version__,
        "model": MODEL,
        "weights": {"file": "../checkpoints/resnet8_cifar-3class.pth", "sha256": sha256(SOURCE)},
        "edit": EDIT,
        "files": [
            {"file": n, "bytes": os.path.getsize(os.path.join(OUT, n)), "sha256": sha256(os.path.join(OUT, n))}
            for n in names
        ],
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(f["bytes"] for f in manifest["files"])
    print(f"wrote {len(names)} files, {total} bytes, to {os.path.relpath(OUT)} with PyTorch {torch.__version__}")


if __name__ == "__main__":
    main()
