"""Writes the PyTorch checkpoint fixtures (packages/spec/fixtures/checkpoints) with real torch.save.

Each checkpoint has a twin written here without torch.save, as safetensors, holding the float32
values PyTorch itself gives for the same tensors; the tests check that the TypeScript reader
returns exactly those. manifest.json says what each file is and what reading it must give.

usage: /usr/bin/python3 packages/spec/scripts/checkpoints/generate.py   (apt-get install python3-torch)
"""

import collections
import hashlib
import io
import json
import os
import struct
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fixtures", "checkpoints")
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from torch_reference import OWN_NETWORKS, Net  # noqa: E402  (the fixtures' own network definitions)

ST_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
}
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "float64": torch.float64}


def safetensors_bytes(tensors):
    """safetensors of the given tensors, in their own dtype (bf16 stored as its raw 16 bits)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def torch_save(obj, **kwargs):
    b = io.BytesIO()
    torch.save(obj, b, **kwargs)
    return b.getvalue()


def resnet8(classes):
    """resnet8_cifar fine-tuned to `classes` outputs, with BN statistics that are not the identity."""
    torch.manual_seed(8)
    model = Net(dict(OWN_NETWORKS["resnet8_cifar"], numClasses=classes)).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    return model.state_dict()


def tiny(dtype):
    """A few resnet-named tensors, one non-contiguous and two views sharing one storage."""
    g = torch.Generator().manual_seed(1)
    fc = torch.randn(4, 2, generator=g, dtype=torch.float64).to(dtype)
    shared = torch.randn(10, generator=g, dtype=torch.float64).to(dtype)
    sd = collections.OrderedDict()
    sd["conv1.weight"] = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64).to(dtype)
    sd["bn1.weight"] = (1 + 0.1 * torch.randn(4, generator=g, dtype=torch.float64)).to(dtype)
    sd["bn1.bias"] = torch.randn(4, generator=g, dtype=torch.float64).to(dtype)
    sd["bn1.running_mean"] = torch.randn(4, generator=g, dtype=torch.float64).to(dtype)
    sd["bn1.running_var"] = torch.rand(4, generator=g, dtype=torch.float64).add(0.5).to(dtype)
    sd["bn1.num_batches_tracked"] = torch.tensor(3)
    sd["fc.weight"] = fc.t()  # stride (1, 2): not contiguous
    sd["fc.bias"] = shared[1:3]  # offset 1 into a storage of 10
    sd["head.weight"] = shared[4:10].view(2, 3)  # the same storage, offset 4
    return sd


def as_float32(sd):
    return collections.OrderedDict(
        (k, v if k.endswith("num_batches_tracked") else v.to(torch.float32)) for k, v in sd.items()
    )


class SystemCall:
    """What a malicious checkpoint does: unpickling it would run a shell command."""

    def __reduce__(self):
        return (os.system, ("echo checkpoint code ran > /tmp/resblocks-pwned",))


class EvalCall:
    def __reduce__(self):
        return (eval, ("print('checkpoint code ran')",))


def zip_entry(data, name):
    """(offset of the local header, offset of the data) of an uncompressed entry."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in z.infolist() if i.filename.endswith(name))
    off = info.header_offset
    fnl, exl = struct.unpack("<HH", data[off + 26 : off + 30])
    return info, off + 30 + fnl + exl


def corrupt(good):
    """Damaged copies of a good zip checkpoint, each with the problem it must be reported as."""
    out = {}
    out["truncated-half.pth"] = (good[: len(good) // 2], "truncated to half its size")
    out["truncated-end.pth"] = (good[:-10], "last 10 bytes missing (end of central directory cut)")
    _, pkl = zip_entry(good, "data.pkl")
    b = bytearray(good)
    b[pkl + 1] = 9  # PROTO 9
    out["corrupted-pickle.pth"] = (bytes(b), "data.pkl claims pickle protocol 9")
    b = bytearray(good)
    b[pkl + 2 : pkl + 6] = b"\xff\xff\xff\xff"
    out["corrupted-opcode.pth"] = (bytes(b), "data.pkl has unknown opcodes")
    # The central directory entry of data/0: its sizes, then its local header offset.
    info, _ = zip_entry(good, "data/0")
    at = good.index(b"PK\x01\x02")
    while good[at + 46 : at + 46 + len(info.filename)] != info.filename.encode():
        at = good.index(b"PK\x01\x02", at + 4)
    b = bytearray(good)
    b[at + 20 : at + 28] = struct.pack("<II", 4, 4)
    out["corrupted-size.pth"] = (bytes(b), "central directory: data/0 claims 4 bytes")
    b = bytearray(good)
    b[at + 42 : at + 46] = struct.pack("<I", 0x7FFFFFF0)
    out["corrupted-offset.pth"] = (bytes(b), "central directory: data/0 points past the end of the file")
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    files = []

    def write(name, data, **facts):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        files.append(dict(file=name, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), **facts))

    # A fine-tuned resnet8_cifar (3 classes), as model.state_dict() saves it, and its twin.
    sd = resnet8(3)
    write("resnet8_cifar-3class.pth", torch_save(sd), kind="checkpoint", twin="resnet8_cifar-3class.safetensors",
          network="resnet8_cifar", classes=3)
    write("resnet8_cifar-3class.safetensors", safetensors_bytes(sd), kind="twin")

    # The small state_dict in each dtype; the twin holds PyTorch's float32 of each.
    twin = collections.OrderedDict()
    for dname, dtype in DTYPES.items():
        sd = tiny(dtype)
        write(f"tiny-{dname}.pth", torch_save(sd), kind="checkpoint", twin="tiny-float32-twin.safetensors",
              prefix=f"{dname}/")
        for k, v in as_float32(sd).items():
            twin[f"{dname}/{k}"] = v
    write("tiny-float32-twin.safetensors", safetensors_bytes(twin), kind="twin")

    # Wrappers and variants of the float32 one: all read as the same state_dict.
    sd = tiny(torch.float32)
    dp = collections.OrderedDict((f"module.{k}", v) for k, v in sd.items())
    variants = {
        "tiny-state_dict-wrapper.pth": torch_save({"state_dict": sd, "epoch": 3, "best_acc1": 0.5, "arch": "resnet18"}),
        "tiny-model-wrapper.pth": torch_save(
            {"model": sd, "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]}, "epoch": 1}
        ),
        "tiny-dataparallel.pth": torch_save(dp),
        "tiny-dataparallel-wrapped.pth": torch_save({"state_dict": dp, "epoch": 9}),
        "tiny-parameters.pth": torch_save(
            collections.OrderedDict((k, torch.nn.Parameter(v, requires_grad=False)) for k, v in sd.items() if v.is_floating_point())
        ),
        "tiny-protocol4.pth": torch_save(sd, pickle_protocol=4),
        "tiny-legacy.pth": torch_save(sd, _use_new_zipfile_serialization=False),
        "tiny-legacy-float16.pth": torch_save(tiny(torch.float16), _use_new_zipfile_serialization=False),
    }
    for name, data in variants.items():
        twin_prefix = "float16/" if "float16" in name else "float32/"
        write(name, data, kind="checkpoint", twin="tiny-float32-twin.safetensors", prefix=twin_prefix,
              format="legacy" if "legacy" in name else "zip")

    # Files that must be refused, naming the global they try to use. Nothing in them may run.
    write("malicious-os-system.pth", torch_save({"conv1.weight": torch.zeros(1), "x": SystemCall()}),
          kind="refused", code="CHECKPOINT_GLOBAL", glob=f"{os.system.__module__}.system")
    write("malicious-eval-protocol4.pth", torch_save({"x": EvalCall()}, pickle_protocol=4),
          kind="refused", code="CHECKPOINT_GLOBAL", glob="builtins.eval")
    write("malicious-os-system-legacy.pth", torch_save({"x": SystemCall()}, _use_new_zipfile_serialization=False),
          kind="refused", code="CHECKPOINT_GLOBAL", glob=f"{os.system.__module__}.system")
    # torch.save(model) instead of model.state_dict(): the module's class is a global too.
    write("whole-module.pth", torch_save(torch.nn.Linear(2, 2)), kind="refused", code="CHECKPOINT_GLOBAL",
          glob="torch.nn.modules.linear.Linear")

    for name, (data, what) in corrupt(torch_save(tiny(torch.float32))).items():
        write(name, data, kind="refused", code="CHECKPOINT_FORMAT", damage=what)

    manifest = {
        "generator": "packages/spec/scripts/checkpoints/generate.py",
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "files": files,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(f["bytes"] for f in files)
    print(f"wrote {len(files)} files, {total} bytes, to {os.path.relpath(OUT)} with PyTorch {torch.__version__}")


if __name__ == "__main__":
    main()
