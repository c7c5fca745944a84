"""Trains a CIFAR-style network of the spec on Fashion-MNIST and exports its weights.

The network is the one the fixtures check (torch_reference.Net, built from networks.ts), so the
state_dict names are the spec's. Images are converted exactly as preprocess() says: 28x28 uint8,
zero-padded to 32x32, scaled to [0, 1], normalised with the training set's mean and std, and the
gray channel repeated three times (the spec's CIFAR networks take three channels).

usage:
  train.py train --data DIR --out DIR [--model resnet20_cifar] [--epochs 30] [--device cuda]
  train.py export --data DIR --weights DIR --out DIR [--sample 500]

`train` needs only PyTorch (CPU or CUDA; fixed seeds). `export` runs with Debian's python3-torch
on the CPU, in float64: it writes the committed test sample, PyTorch's logits for the whole test
set and the manifest. See README.md.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from torch_reference import OWN_NETWORKS, Net, read_safetensors, write_safetensors  # noqa: E402

CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# Pixel mean and std of the 60,000 training images (28x28, scaled to [0, 1]).
MEAN, STD = 0.2860405969887955, 0.35302424457803794
PAD = 2  # 28 + 2 * 2 = 32, the CIFAR input size
SHIFT = 2  # training augmentation: random shifts of up to 2 pixels, and horizontal flips


def read_idx(path):
    """An IDX file (gzip or raw) as a uint8 array: magic 0x0000 0x08 ndim, big-endian uint32 dims."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        raise ValueError(f"{path}: {data.size} bytes of data for dims {dims}")
    return data.reshape(dims)


def load_split(data_dir, split):
    images, labels = (read_idx(os.path.join(data_dir, f)) for f in FILES[split])
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def preprocess(images, dtype=torch.float32):
    """uint8 [N, 28, 28] -> [N, 3, 32, 32]: pad with 0 (black), scale, normalise, repeat the channel.

    Always computed in float32, one rounding per step, then cast: the backends get exactly these
    float32 inputs, so the float64 logits are those of the very same input.
    """
    f32 = dict(dtype=torch.float32, device=images.device)
    x = F.pad(images.to(torch.float32) / torch.tensor(255, **f32), (PAD, PAD, PAD, PAD))
    x = (x - torch.tensor(MEAN, **f32)) / torch.tensor(STD, **f32)
    return x.to(dtype).unsqueeze(1).expand(-1, 3, -1, -1)


def augment(images, gen):
    """Random shift (pad then crop) and horizontal flip of uint8 [N, 28, 28], on the images' device."""
    n, dev = images.shape[0], images.device
    big = F.pad(images, (SHIFT, SHIFT, SHIFT, SHIFT))  # 0 is the background, as in preprocess
    dy = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen, device=dev)
    dx = torch.randint(0, 2 * SHIFT + 1, (n,), generator=gen, device=dev)
    side = images.shape[-1]
    rows = (dy[:, None] + torch.arange(side, device=dev))[:, :, None]
    cols = (dx[:, None] + torch.arange(side, device=dev))[:, None, :]
    flip = torch.rand(n, generator=gen, device=dev) < 0.5
    cols = torch.where(flip[:, None, None], cols.flip(-1), cols)
    return big[torch.arange(n, device=dev)[:, None, None], rows, cols]


def spec_state(model):
    """The spec's parameters only: BN counters are not weights (the spec ignores them)."""
    return {
        k: v.detach().to("cpu", torch.float32).contiguous()
        for k, v in model.state_dict().items()
        if not k.endswith(".num_batches_tracked")
    }


def evaluate(model, images, labels, dtype, batch, device):
    model = model.to(device=device, dtype=dtype).eval()
    out = []
    with torch.no_grad():
        for i in range(0, images.shape[0], batch):
            out.append(model(preprocess(images[i : i + batch].to(device), dtype)).to("cpu", torch.float64))
    logits = torch.cat(out)
    return logits, (logits.argmax(1) == labels).float().mean().item()


def train(args):
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(args.seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)

    train_x, train_y = (t.to(device) for t in load_split(args.data, "train"))
    test_x, test_y = load_split(args.data, "test")
    if args.max_batches:  # smoke test: a short evaluation too
        test_x, test_y = test_x[:500], test_y[:500]
    model = Net(OWN_NETWORKS[args.model]).to(device)
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0}],
        lr=args.lr,
        momentum=0.9,
        nesterov=True,
    )
    n = train_x.shape[0]
    steps_per_epoch = n // args.batch  # the last partial batch is dropped
    warmup = steps_per_epoch * args.warmup_epochs
    epochs = args.epochs

    def lr_at(step):  # linear warm-up, then cosine to zero over the epochs finally chosen
        if step < warmup:
            return args.lr * (step + 1) / warmup
        total = steps_per_epoch * epochs
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    print(f"{args.model}: {sum(p.numel() for p in model.parameters())} parameters on {device}", flush=True)
    history, step = [], 0
    if cuda:
        torch.cuda.synchronize()
    started = time.perf_counter()
    epoch = 0
    while epoch < epochs:
        model.train()
        perm = torch.randperm(n, generator=gen, device=device)
        loss_sum = torch.zeros((), device=device)
        seen = 0
        for b in range(steps_per_epoch):
            if args.max_batches and b >= args.max_batches:
                break
            idx = perm[b * args.batch : (b + 1) * args.batch]
            x = preprocess(augment(train_x[idx], gen))
            if cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda and args.amp):
                loss = F.cross_entropy(model(x), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
            seen += 1
            step += 1
        if cuda:
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
        epoch += 1
        history.append({"epoch": epoch, "loss": round(loss_sum.item() / max(1, seen), 5), "seconds": round(elapsed, 2)})
        print(f"epoch {epoch}/{epochs} loss {history[-1]['loss']:.4f} at {elapsed:.1f} s", flush=True)
        if epoch == 1 and args.time_budget:
            # The warm-up does not depend on the epoch count, so fixing it after epoch 1 keeps the
            # run reproducible with --epochs set to the recorded value and no budget.
            fit = max(args.warmup_epochs + 1, int(args.time_budget // elapsed))
            if fit < epochs:
                epochs = fit
                print(f"time budget {args.time_budget} s: training {epochs} epochs", flush=True)
    train_seconds = time.perf_counter() - started

    _, acc32 = evaluate(model, test_x, test_y, torch.float32, 1000, device)
    state = spec_state(model)
    logits64, acc64 = evaluate(model, test_x, test_y, torch.float64, 1000, device)
    print(f"test accuracy float32 {acc32:.4f}, float64 {acc64:.4f}; trained in {train_seconds:.1f} s", flush=True)

    os.makedirs(args.out, exist_ok=True)
    meta = {"model": args.model, "dataset": "fashion-mnist", "seed": str(args.seed)}
    write_safetensors(os.path.join(args.out, f"{args.model}.safetensors"), state, meta)
    # The same weights in PyTorch's own checkpoint format (zip + pickle of the state_dict).
    torch.save(state, os.path.join(args.out, f"{args.model}.pth"))
    result = {
        "model": args.model,
        "seed": args.seed,
        "epochs": epochs,
        "epochsRequested": args.epochs,
        "timeBudgetSeconds": args.time_budget,
        "batch": args.batch,
        "lr": args.lr,
        "weightDecay": args.weight_decay,
        "warmupEpochs": args.warmup_epochs,
        "bf16Autocast": bool(cuda and args.amp),
        "maxBatches": args.max_batches,
        "trainSeconds": round(train_seconds, 2),
        "testAccuracyFloat32": acc32,
        "testAccuracyFloat64": acc64,
        "logitsFloat64Sha256": hashlib.sha256(logits64.numpy().astype("<f8").tobytes()).hexdigest(),
        "device": torch.cuda.get_device_name(device) if cuda else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "python": platform.python_version(),
        "history": history,
    }
    with open(os.path.join(args.out, f"{args.model}.json"), "w") as f:
        json.dump(result, f, indent=2)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(args):
    """float64 logits of the whole test set with this PyTorch, the committed sample and the manifest."""
    torch.set_num_threads(args.threads)
    test_x, test_y = load_split(args.data, "test")
    os.makedirs(args.out, exist_ok=True)
    sample = "fashion-mnist-test-sample.safetensors"
    write_safetensors(
        os.path.join(args.out, sample),
        {"images": test_x[: args.sample], "labels": test_y[: args.sample].to(torch.uint8)},
        {"source": "Fashion-MNIST t10k, the first images in file order", "count": str(args.sample)},
    )
    models = {}
    for name in args.models:
        with open(os.path.join(args.weights, f"{name}.json")) as f:
            trained = json.load(f)
        weights = f"{name}.safetensors"
        state = read_safetensors(os.path.join(args.weights, weights))
        model = Net(OWN_NETWORKS[name])
        # strict: every spec parameter present and nothing else, BN counters aside.
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or any(not k.endswith(".num_batches_tracked") for k in missing):
            raise RuntimeError(f"{name}: missing {missing}, unexpected {unexpected}")
        pth = torch.load(os.path.join(args.weights, f"{name}.pth"), map_location="cpu")
        if pth.keys() != state.keys() or any(not torch.equal(pth[k], state[k]) for k in state):
            raise RuntimeError(f"{name}.pth does not hold the same tensors as {weights}")
        t0 = time.perf_counter()
        logits, acc = evaluate(model, test_x, test_y, torch.float64, 250, "cpu")
        seconds = time.perf_counter() - t0
        logits_file = f"{name}-test-logits.safetensors"
        write_safetensors(
            os.path.join(args.out, logits_file),
            {"logits": logits},
            {"model": name, "dtype": "float64", "torch": torch.__version__},
        )
        top2 = logits.topk(2, dim=1).values
        models[name] = {
            "weights": weights,
            "pth": f"{name}.pth",
            "logits": logits_file,
            "testAccuracy": acc,
            "sampleAccuracy": (logits[: args.sample].argmax(1) == test_y[: args.sample]).float().mean().item(),
            "smallestTop2Margin": top2[:, 0].sub(top2[:, 1]).min().item(),
            "logitsSeconds": round(seconds, 1),
            "training": {k: v for k, v in trained.items() if k != "model"},
        }
        print(f"{name}: float64 test accuracy {acc:.4f} ({seconds:.0f} s)", flush=True)
        if abs(acc - trained["testAccuracyFloat64"]) > 1e-9:
            print(f"  note: training machine measured {trained['testAccuracyFloat64']:.4f}", flush=True)
    manifest = {
        "format": 1,
        "generator": "python3 packages/spec/scripts/train/train.py (README.md there)",
        "dataset": {
            "name": "Fashion-MNIST",
            "source": "Debian package dataset-fashion-mnist (Zalando Research, MIT)",
            "classes": CLASSES,
            "testImages": int(test_x.shape[0]),
            "sample": sample,
            "sampleCount": args.sample,
        },
        "preprocess": {
            "size": int(test_x.shape[-1]),
            "pad": PAD,
            "scale": 1 / 255,
            "mean": MEAN,
            "std": STD,
            "channels": 3,
            "formula": "x = (pixel / 255 - mean) / std after zero-padding each side by pad; gray repeated to 3 channels",
        },
        "logitsBy": {"torch": torch.__version__, "python": platform.python_version(), "dtype": "float64"},
        "models": models,
    }
    files = [sample] + [f for m in models.values() for f in (m["logits"],)]
    manifest["files"] = {f: {"sha256": sha256_file(os.path.join(args.out, f))} for f in files}
    manifest["files"].update(
        {f: {"sha256": sha256_file(os.path.join(args.weights, f))} for m in models.values() for f in (m["weights"], m["pth"])}
    )
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True, help="folder with the Fashion-MNIST IDX files")
    t.add_argument("--out", required=True)
    t.add_argument("--model", default="resnet20_cifar", choices=sorted(OWN_NETWORKS))
    t.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--batch", type=int, default=512)
    t.add_argument("--lr", type=float, default=0.2)
    t.add_argument("--weight-decay", type=float, default=5e-4)
    t.add_argument("--warmup-epochs", type=int, default=2)
    t.add_argument("--no-amp", dest="amp", action="store_false", help="train in float32 on CUDA too")
    t.add_argument("--time-budget", type=float, default=0, help="seconds: fewer epochs if epoch 1 says so")
    t.add_argument("--max-batches", type=int, default=0, help="smoke test: N batches an epoch, 500 test images")
    e = sub.add_parser("export")
    e.add_argument("--data", required=True)
    e.add_argument("--weights", required=True, help="folder with <model>.safetensors/.pth/.json from train")
    e.add_argument("--out", required=True)
    e.add_argument("--models", nargs="+", default=["resnet20_cifar"])
    e.add_argument("--sample", type=int, default=500)
    e.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    train(args) if args.command == "train" else export(args)


if __name__ == "__main__":
    main()
