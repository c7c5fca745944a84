"""PyTorch anchor for the GPU benchmark: torchvision's resnet50 / resnext50_32x4d, fp32, no TF32,
channels-first (NCHW), eval mode, random weights (speed does not depend on the values).

Timed like `resblocks bench`: end to end, from a host tensor to a host result (upload, forward,
readback, synchronised), median over the timed runs after warm-up. The forward pass alone (CUDA
events) is recorded beside it. Writes one JSON file in the shape of `resblocks bench --json`.

usage: python3 torch_anchor.py --json FILE [--models a,b] [--batches 1,16,64] [--size 224]
                               [--iterations 20] [--warmup 5] [--max-seconds 20] [--device cuda]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--json", required=True)
    p.add_argument("--models", default="resnet50,resnext50_32x4d")
    p.add_argument("--batches", default="1,16,64")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--max-seconds", type=float, default=20.0)
    p.add_argument("--device", default="cuda", help="cuda, or cpu to check this script without a GPU")
    a = p.parse_args()

    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"torch anchor skipped: {e}", file=sys.stderr)
        return 3
    if a.device == "cuda" and not torch.cuda.is_available():
        print("torch anchor skipped: torch.cuda.is_available() is False", file=sys.stderr)
        return 3

    # fp32 means fp32: no TF32 in convolutions or matmuls.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device(a.device)
    gpu = torch.cuda.get_device_name(0) if a.device == "cuda" else None
    machine = {
        "gpu": gpu,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "description": f"{gpu or 'CPU'}; PyTorch {torch.__version__}"
        + (f", CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}" if gpu else "")
        + f"; {platform.system()} {platform.release()}",
    }
    out = {
        "tool": f"torch_anchor.py (PyTorch {torch.__version__}, torchvision {torchvision.__version__})",
        "createdAt": datetime.now(timezone.utc).isoformat(),
        "machine": machine,
        "size": a.size,
        "warmup": a.warmup,
        "iterations": a.iterations,
        "results": [],
        "notMeasured": [],
    }

    def sync():
        if a.device == "cuda":
            torch.cuda.synchronize()

    def save():
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, a.json)

    for name in a.models.split(","):
        model = getattr(torchvision.models, name)(weights=None).eval().to(dev)
        for batch in [int(b) for b in a.batches.split(",")]:
            try:
                x = torch.randn(batch, 3, a.size, a.size)
                samples, forward = [], []
                with torch.no_grad():
                    for _ in range(a.warmup):
                        model(x.to(dev)).cpu()
                    sync()
                    started = time.perf_counter()
                    for i in range(a.iterations):
                        t0 = time.perf_counter()
                        xd = x.to(dev)
                        if a.device == "cuda":
                            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                            e0.record()
                        y = model(xd)
                        if a.device == "cuda":
                            e1.record()
                        y.cpu()
                        sync()
                        samples.append((time.perf_counter() - t0) * 1000)
                        if a.device == "cuda":
                            forward.append(e0.elapsed_time(e1))
                        if i >= 2 and time.perf_counter() - started > a.max_seconds:
                            break
                ordered = sorted(samples)
                median = statistics.median(samples)
                out["results"].append(
                    {
                        "backend": f"pytorch:{a.device}",
                        "device": "gpu" if a.device == "cuda" else "cpu",
                        "batch": batch,
                        "model": name,
                        "size": a.size,
                        "medianMs": median,
                        "p90Ms": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
                        "imagesPerSec": 1000 * batch / median,
                        "forwardMedianMs": statistics.median(forward) if forward else None,
                        "samplesMs": samples,
                        "info": {
                            "dtype": "float32",
                            "tf32": False,
                            "layout": "NCHW",
                            "cudnnBenchmark": True,
                            "timing": "host to host (upload, forward, readback)",
                        },
                    }
                )
                print(f"pytorch:{a.device} {name} b{batch}: median {median:.2f} ms", file=sys.stderr)
            except Exception as e:  # out of memory at a large batch must not lose the others
                out["notMeasured"].append({"model": name, "batch": batch, "reason": f"{type(e).__name__}: {e}"})
                print(f"pytorch:{a.device} {name} b{batch} failed: {e}", file=sys.stderr)
            save()
        del model
        if a.device == "cuda":
            torch.cuda.empty_cache()
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
