"""Makes the test pictures and records what torchvision + PIL compute from them.

Run with Debian's PIL 9.4 and torchvision 0.14 (apt-get install python3-pil python3-torchvision
python3-numpy):  npm run fixtures --workspace @resblocks/image

Writes fixtures/: the encoded files (PNG of every colour type and depth, JPEG baseline and
progressive, 4:2:0, 4:2:2, 4:4:4 and gray, encoded by PIL), and gzip'd expectations:
  <file>.rgb.gz        Image.open(f).convert('RGB') as HWC uint8
  resize-*.u8.gz       torchvision F.resize / F.center_crop of a decoded picture, HWC uint8
  tensor-*.u8.gz       the preset's image just before ToTensor (CHW uint8), and
  tensor-*.lut         float32 [C, 256]: ToTensor + Normalize of every byte value per channel,
                       so lut[c][u8] is torchvision's final float32 tensor (checked bit for bit
                       against the real tensor below before writing)
and manifest.json describing every case.
"""

import gzip
import hashlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "fixtures"
rng = np.random.default_rng(20240229)


def photo(w, h, seed):
    """Gradients, a smooth pattern, hard edges and a little noise: JPEG- and resize-relevant content."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    red = 128 + 90 * np.sin(x / (5 + seed % 7)) * np.cos(y / 9.0)
    green = 255 * x / max(w - 1, 1)
    blue = 255 * (1 - y / max(h - 1, 1))
    img = np.stack([red, green, blue], -1)
    img[((x // 13 + y // 11) % 3) == 0] *= 0.6  # edges
    img[(x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 4) ** 2] = [250, 240, 30]  # a disc
    img += r.normal(0, 3, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def filter_rows(rows, bpp):
    """Each row with a different one of the five filters, so the decoder undoes them all."""
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        f = i % 5
        line = bytearray(len(row))
        for j, v in enumerate(row):
            a = row[j - bpp] if j >= bpp else 0
            b = prev[j]
            c = prev[j - bpp] if j >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) >> 1
            else:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                p = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[j] = (v - p) & 0xFF
        out += bytes([f]) + line
        prev = row
    return bytes(out)


def pack_row(samples, depth):
    """A row of samples (ints) as bytes: sub-byte samples MSB first, 16-bit big-endian."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if depth == 8:
        return bytes(int(s) for s in samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | int(s)
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def write_png(path, samples, depth, color_type, palette=None, trns=None, interlaced=False):
    """A PNG written by hand, for the depths and types PIL cannot save (16-bit colour, 2-bit gray...)."""
    h, w = samples.shape[:2]
    s = samples.reshape(h, w, -1)
    bpp = max(1, s.shape[2] * depth // 8)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = s[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        raw += filter_rows([pack_row(r.reshape(-1), depth) for r in sub], bpp)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlaced)))
    if palette is not None:
        data += png_chunk(b"PLTE", bytes(palette))
    if trns is not None:
        data += png_chunk(b"tRNS", trns)
    z = zlib.compress(raw, 9)
    for i in range(0, len(z), 4000):  # several IDAT chunks
        data += png_chunk(b"IDAT", z[i : i + 4000])
    data += png_chunk(b"IEND", b"")
    path.write_bytes(data)


def save_gz(name, array):
    (OUT / name).write_bytes(gzip.compress(np.ascontiguousarray(array).tobytes(), 9, mtime=0))


def main():
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    land = photo(123, 77, 1)  # landscape, odd sizes
    port = photo(77, 123, 2)  # portrait
    wide = photo(263, 181, 3)  # for the full ImageNet preset
    small = photo(64, 48, 4)
    tall = photo(61, 150, 5)
    files = []

    def add(name, note):
        im = Image.open(OUT / name)
        im.load()
        rgb = np.asarray(im.convert("RGB"))
        save_gz(f"{name}.rgb.gz", rgb)
        files.append({"file": name, "mode": im.mode, "width": im.width, "height": im.height, "note": note})

    # PNG, saved by PIL where it can.
    Image.fromarray(land).save(OUT / "rgb8.png")
    add("rgb8.png", "RGB 8-bit (PIL)")
    alpha = np.linspace(0, 255, port.shape[0] * port.shape[1]).reshape(port.shape[:2]).astype(np.uint8)
    Image.fromarray(np.dstack([port, alpha])).save(OUT / "rgba8.png")
    add("rgba8.png", "RGBA 8-bit (PIL), alpha dropped by convert('RGB')")
    Image.fromarray(small[:, :, 1]).save(OUT / "gray8.png")
    add("gray8.png", "L 8-bit (PIL)")
    Image.fromarray(np.dstack([small[:, :, 0], small[:, :, 2]]), "LA").save(OUT / "la8.png")
    add("la8.png", "LA 8-bit (PIL)")
    pal = Image.fromarray(tall).quantize(colors=200)
    pal.info["transparency"] = 7
    pal.save(OUT / "palette8.png", transparency=7)
    add("palette8.png", "P 8-bit with a transparent index (PIL)")
    # 16-bit gray opens as 'I'; its RGB conversion clips at 255. Half the picture stays below 255.
    g16 = (small[:, :, 0].astype(np.uint32) * 257).astype(np.uint16)
    g16[: small.shape[0] // 2] //= 257
    Image.fromarray(g16).save(OUT / "gray16.png")
    add("gray16.png", "I;16 (PIL): values past 255 clip to 255")
    # By hand: what PIL cannot write.
    write_png(OUT / "rgb16.png", land.astype(np.uint16) * 256 + rng.integers(0, 256, land.shape), 16, 2)
    add("rgb16.png", "RGB 16-bit: the high byte")
    rgba16 = np.dstack([port.astype(np.uint16) * 255, rng.integers(0, 65536, port.shape[:2])])
    write_png(OUT / "rgba16.png", rgba16, 16, 6)
    add("rgba16.png", "RGBA 16-bit")
    write_png(OUT / "la16.png", np.dstack([small[:, :, 2].astype(np.uint16) * 256 + 77, small[:, :, 0]]), 16, 4)
    add("la16.png", "LA 16-bit")
    write_png(OUT / "gray1.png", (small[:, :, 1] > 127).astype(np.uint8), 1, 0)
    add("gray1.png", "1-bit gray")
    write_png(OUT / "gray2.png", small[:, :, 1] >> 6, 2, 0)
    add("gray2.png", "2-bit gray")
    write_png(OUT / "gray4.png", small[:, :, 1] >> 4, 4, 0, trns=b"\x00\x03")
    add("gray4.png", "4-bit gray with tRNS")
    short = [v for i in range(10) for v in (i * 25, 255 - i * 20, (i * 77) % 256)]
    write_png(OUT / "palette4.png", (tall[:, :, 0] >> 4), 4, 3, palette=short, trns=b"\x10\x80")
    add("palette4.png", "P 4-bit, 10 PLTE entries: higher indices read PIL's gray ramp")
    write_png(OUT / "adam7.png", port, 8, 2, interlaced=True)
    add("adam7.png", "RGB 8-bit, Adam7 interlaced")
    write_png(OUT / "adam7-palette2.png", small[:, :, 0] >> 6, 2, 3, palette=[0, 0, 0, 90, 10, 200, 255, 128, 0, 20, 240, 90], interlaced=True)
    add("adam7-palette2.png", "P 2-bit, Adam7 interlaced")

    # JPEG, encoded by PIL (libjpeg-turbo).
    jpegs = [
        ("baseline-420.jpg", land, dict(quality=85, subsampling="4:2:0")),
        ("baseline-444.jpg", port, dict(quality=90, subsampling="4:4:4")),
        ("baseline-422.jpg", tall, dict(quality=75, subsampling="4:2:2")),
        ("progressive-420.jpg", wide, dict(quality=90, subsampling="4:2:0", progressive=True)),
        ("progressive-444.jpg", tall, dict(quality=92, subsampling="4:4:4", progressive=True)),
        ("optimized-q30.jpg", small, dict(quality=30, optimize=True)),
    ]
    for name, px, kw in jpegs:
        Image.fromarray(px).save(OUT / name, **kw)
        add(name, ", ".join(f"{k}={v}" for k, v in kw.items()))
    Image.fromarray(land[:, :, 1]).save(OUT / "gray.jpg", quality=85)
    add("gray.jpg", "grayscale baseline")
    Image.fromarray(port[:, :, 0]).save(OUT / "gray-progressive.jpg", quality=80, progressive=True)
    add("gray-progressive.jpg", "grayscale progressive")

    # Refused: PIL converts CMYK with its own formula, not libjpeg's.
    Image.fromarray(small[:16, :20]).convert("CMYK").save(OUT / "cmyk.jpg", quality=80)
    refused = [{"file": "cmyk.jpg", "mode": "CMYK", "note": "refused: CMYK"}]

    def decoded(name):
        return Image.open(OUT / name).convert("RGB")

    modes = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC, "box": T.InterpolationMode.BOX}
    resizes = [
        ("down-bilinear", "rgb8.png", dict(size=32, interpolation="bilinear")),
        ("down-bicubic", "rgba8.png", dict(size=50, interpolation="bicubic")),
        ("mixed-hw", "rgb8.png", dict(size=[40, 150], interpolation="bilinear")),
        ("up-bicubic", "baseline-444.jpg", dict(size=130, interpolation="bicubic")),
        ("max-size", "baseline-422.jpg", dict(size=40, max_size=50, interpolation="bilinear")),
        ("horizontal-only", "rgb8.png", dict(size=[77, 60], interpolation="bicubic")),
        ("vertical-only", "rgb8.png", dict(size=[30, 123], interpolation="bilinear")),
        ("box", "progressive-420.jpg", dict(size=21, interpolation="box")),
        ("gray-l", "gray8.png", dict(size=33, interpolation="bilinear", gray=True)),
    ]
    resize_cases = []
    for name, src, kw in resizes:
        img = decoded(src)
        if kw.get("gray"):
            img = img.convert("L")
        out = F.resize(img, kw["size"], modes[kw["interpolation"]], max_size=kw.get("max_size"))
        arr = np.asarray(out)
        save_gz(f"resize-{name}.u8.gz", arr)
        case = {"name": name, "source": src, "width": out.width, "height": out.height, "channels": 1 if arr.ndim == 2 else 3}
        case.update({k: v for k, v in kw.items()})
        resize_cases.append(case)
    crops = [("crop-inside", "rgb8.png", [50, 50]), ("crop-pad", "rgb8.png", [100, 130]), ("crop-pad-odd", "rgba8.png", [33, 200])]
    crop_cases = []
    for name, src, size in crops:
        arr = np.asarray(F.center_crop(decoded(src), size))
        save_gz(f"resize-{name}.u8.gz", arr)
        crop_cases.append({"name": name, "source": src, "size": size, "width": arr.shape[1], "height": arr.shape[0]})

    presets = [
        ("imagenet", "progressive-420.jpg", dict(resize=256, crop=224, interpolation="bilinear")),
        ("imagenet-portrait", "baseline-444.jpg", dict(resize=256, crop=224, interpolation="bilinear")),
        ("small-bicubic", "baseline-420.jpg", dict(resize=72, crop=64, interpolation="bicubic")),
        ("padded", "rgb8.png", dict(resize=[60, 90], crop=64, interpolation="bilinear")),
    ]
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    tensor_cases = []
    for name, src, kw in presets:
        resize_t = T.Resize(kw["resize"], modes[kw["interpolation"]])
        crop_t = T.CenterCrop(kw["crop"])
        tail = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
        img = decoded(src)
        tensor = T.Compose([resize_t, crop_t, tail])(img).unsqueeze(0)
        before = np.asarray(crop_t(resize_t(img))).transpose(2, 0, 1)
        ramp = Image.fromarray(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, 2))
        lut = tail(ramp)[:, 0, :].numpy()  # [3, 256]
        rebuilt = np.take_along_axis(lut, before.reshape(3, -1).astype(np.int64), 1).reshape(tensor.shape)
        assert rebuilt.dtype == np.float32 and np.array_equal(rebuilt.view(np.uint32), tensor.numpy().view(np.uint32))
        save_gz(f"tensor-{name}.u8.gz", before)
        (OUT / f"tensor-{name}.lut").write_bytes(lut.astype("<f4").tobytes())
        tensor_cases.append(
            {"name": name, "source": src, **kw, "mean": mean, "std": std, "shape": list(tensor.shape),
             "sha256": hashlib.sha256(tensor.numpy().astype("<f4").tobytes()).hexdigest()}
        )

    manifest = {
        "generator": "scripts/fixtures.py",
        "versions": {"PIL": PIL.__version__, "torchvision": torchvision.__version__, "torch": torch.__version__, "numpy": np.__version__},
        "files": files,
        "refused": refused,
        "resize": resize_cases,
        "crop": crop_cases,
        "tensor": tensor_cases,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
