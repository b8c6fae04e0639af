"""Writes the JPEG fixtures of Vision's tests, and Pillow's decoding of each (the independent truth).

    bench/.venv/bin/python bench/python/jpeg_fixtures.py            # the test fixtures
    bench/.venv/bin/python bench/python/jpeg_fixtures.py --bench DIR  # the files `khru-bench jpeg` decodes

Test fixtures go to Tests/VisionTests/Fixtures/jpeg/:
- `<name>.jpg`, generated with Pillow: baseline and progressive, 4:2:0, 4:2:2 and 4:4:4, grey, CMYK, odd
  sizes (17x13, 1x1), every EXIF orientation (1-8, little-endian as Pillow writes it), RGB stored without
  YCbCr conversion (Adobe transform 0), a camera-like file (big-endian EXIF with Make/Model, orientation 6
  and an embedded JPEG thumbnail, an ICC profile), XMP orientation, restart markers, stray bytes between
  segments, bytes after the end marker, and a PNG named .jpg; with cjpeg (Debian's libjpeg-turbo-progs,
  which this script needs), unusual chroma sampling and arithmetic coding. And `<name>.png`, Pillow's
  pixels for each: `ImageOps.exif_transpose(Image.open(f))`, converted to RGB when Pillow reads CMYK,
  saved as an 8-bit grey or RGB PNG by Pillow.
- `corrupt/<name>.jpg`: damaged variants of one of them (empty, truncated at several points, bad markers,
  huge or zero dimensions, ...).
- `manifest.json`: every file with its size, mode and how Pillow (and its libjpeg-turbo) read it;
  for corrupt files, Pillow's error (or that Pillow decoded it).

The content is deterministic (numpy's seeded generator, fixed Pillow and cjpeg settings), so a rerun with
the same Pillow and cjpeg writes the same bytes.
"""
import argparse
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageCms, ImageOps, features

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "VisionTests", "Fixtures", "jpeg")


def photo(width, height, seed):
    """A photo-like RGB picture: smooth colour gradients, a few sharp-edged shapes, texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    red = 120 + 90 * np.sin(3.1 * u + 1.3 * v + rng.uniform(0, 6))
    green = 110 + 80 * np.cos(2.3 * v - 1.7 * u + rng.uniform(0, 6))
    blue = 100 + 70 * np.sin(4.0 * u * v + rng.uniform(0, 6))
    pixels = np.stack([red, green, blue], axis=-1)
    for _ in range(3):  # discs and rectangles with hard edges
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(2, max(width, height) / 3)
        colour = rng.uniform(0, 255, 3)
        pixels[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = colour
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        pixels[y0:y0 + height // 4 + 1, x0:x0 + width // 5 + 1] = rng.uniform(0, 255, 3)
    pixels += 12 * np.sin(x[..., None] * 1.7) * np.cos(y[..., None] * 2.3)  # fine texture
    pixels += rng.normal(0, 6, pixels.shape)  # sensor noise
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "RGB")


def marked(width, height):
    """An asymmetric picture for orientation: a red top-left corner, a green top edge, a blue left edge."""
    image = photo(width, height, seed=7)
    pixels = np.array(image)
    pixels[:4, :4] = (255, 0, 0)
    pixels[:2, 4:] = (0, 200, 0)
    pixels[4:, :2] = (0, 0, 220)
    return Image.fromarray(pixels, "RGB")


def exif(orientation):
    data = Image.Exif()
    data[0x0112] = orientation
    return data.tobytes()


def big_endian_exif(orientation, thumbnail):
    """A camera-like EXIF block in Motorola byte order: IFD0 with Make, Model, Orientation; IFD1 pointing
    at an embedded JPEG thumbnail (whose own SOI and EOI markers sit inside the APP1 segment)."""
    make, model = b"KhruCam\0", b"Fixture 1\0"
    ifd0_entries = 3
    ifd0 = 8
    ifd0_size = 2 + 12 * ifd0_entries + 4
    make_at = ifd0 + ifd0_size
    model_at = make_at + len(make)
    ifd1 = model_at + len(model)
    ifd1_size = 2 + 12 * 2 + 4
    thumb_at = ifd1 + ifd1_size
    out = b"MM\0\x2a" + struct.pack(">I", ifd0)
    out += struct.pack(">H", ifd0_entries)
    out += struct.pack(">HHII", 0x010F, 2, len(make), make_at)
    out += struct.pack(">HHII", 0x0110, 2, len(model), model_at)
    out += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    out += struct.pack(">I", ifd1)
    out += make + model
    out += struct.pack(">H", 2)
    out += struct.pack(">HHII", 0x0201, 4, 1, thumb_at)
    out += struct.pack(">HHII", 0x0202, 4, 1, len(thumbnail))
    out += struct.pack(">I", 0)
    out += thumbnail
    return b"Exif\0\0" + out


def insert_segment(jpeg, segment):
    """`jpeg` with `segment` (marker and payload, length added here) right after SOI."""
    marker, payload = segment
    return jpeg[:2] + struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload + jpeg[2:]


def segments(jpeg):
    """(offset, marker, length) of each segment up to and including SOS."""
    found, at = [], 2
    while at + 4 <= len(jpeg):
        marker = jpeg[at + 1]
        length = struct.unpack(">H", jpeg[at + 2:at + 4])[0]
        found.append((at, marker, length))
        if marker == 0xDA:
            break
        at += 2 + length
    return found


def save(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cjpeg(image, *arguments):
    """`image` encoded by libjpeg-turbo's cjpeg (Debian libjpeg-turbo-progs), for what Pillow cannot
    write: chroma sampling factors other than 4:4:4, 4:2:2 and 4:2:0."""
    if shutil.which("cjpeg") is None:
        sys.exit("jpeg_fixtures.py needs cjpeg: apt-get install libjpeg-turbo-progs")
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in.ppm")
        image.save(source)
        return subprocess.run(["cjpeg", *arguments, source], check=True, capture_output=True).stdout


def pillow_reading(data):
    """What Pillow makes of `data`: (mode, size, decoded picture as written in the fixture) or an error."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            mode = image.mode
            if upright.mode not in ("L", "RGB"):
                upright = upright.convert("RGB")
            return mode, upright
    except Exception as error:  # noqa: BLE001 - every failure is recorded, named
        text = re.sub(r"<_io\.BytesIO object at 0x[0-9a-f]+>", "<bytes>", str(error))
        return None, f"{type(error).__name__}: {text}"


def good_files():
    rgb = photo(64, 48, seed=1)
    odd = photo(17, 13, seed=2)
    files = {
        "baseline-420": save(rgb, quality=75, subsampling=2),
        "baseline-422": save(photo(48, 32, seed=3), quality=80, subsampling=1),
        "baseline-444": save(rgb, quality=90, subsampling=0),
        "baseline-optimized": save(rgb, quality=60, subsampling=2, optimize=True),
        "progressive-420": save(rgb, quality=75, subsampling=2, progressive=True),
        "progressive-444": save(rgb, quality=92, subsampling=0, progressive=True),
        "grey": save(photo(40, 30, seed=4).convert("L"), quality=85),
        "grey-progressive": save(photo(40, 30, seed=4).convert("L"), quality=70, progressive=True),
        "cmyk": save(photo(40, 30, seed=5).convert("CMYK"), quality=90),
        "odd-17x13-420": save(odd, quality=85, subsampling=2),
        "odd-17x13-444": save(odd, quality=85, subsampling=0, progressive=True),
        "single-pixel": save(Image.new("RGB", (1, 1), (200, 30, 90)), quality=95),
        "restart-markers": save(rgb, quality=80, subsampling=2, restart_marker_blocks=3),
        "rgb-colour-space": save(rgb, quality=85, subsampling=0, keep_rgb=True),  # Adobe transform 0
        # Cb at 2x1 and Cr at 1x1 under a 2x2 luma: a layout TurboJPEG 2.1 has no TJSAMP_* name for.
        "odd-sampling": cjpeg(photo(40, 30, seed=11), "-quality", "85", "-sample", "2x2,2x1,1x1"),
        "arithmetic": cjpeg(photo(40, 30, seed=12), "-quality", "80", "-arithmetic"),
    }
    picture = marked(23, 15)
    for orientation in range(1, 9):
        files[f"exif-orientation-{orientation}"] = save(picture, quality=90, exif=exif(orientation))
    # Camera-like: Motorola EXIF with a thumbnail, an ICC profile (APP2), 4:2:0 at quality 85.
    camera = photo(48, 36, seed=6)
    thumbnail = save(camera.resize((16, 12)), quality=70)
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)  # a fixed creation date (littlecms writes now)
    icc[84:100] = bytes(16)  # profile ID: "not computed", since the date changed
    icc = bytes(icc)
    files["camera-exif-6"] = insert_segment(
        save(camera, quality=85, subsampling=2, icc_profile=icc), (0xE1, big_endian_exif(6, thumbnail)))
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="8"/>'
           b"</rdf:RDF></x:xmpmeta>")
    files["xmp-orientation-8"] = save(picture, quality=90, xmp=xmp)
    # Three stray bytes between two segments (libjpeg warns "extraneous bytes" and skips them).
    plain = files["baseline-420"]
    dqt = next(offset for offset, marker, _ in segments(plain) if marker == 0xDB)
    files["junk-between-segments"] = plain[:dqt] + b"\x00\x11\x22" + plain[dqt:]
    files["bytes-after-end"] = plain + bytes(64)
    png = io.BytesIO()
    photo(20, 10, seed=8).save(png, "PNG")
    files["png-named"] = png.getvalue()
    return files


def corrupt_files(files):
    base = files["baseline-420"]
    progressive = files["progressive-420"]
    found = segments(base)
    sof = next(offset for offset, marker, _ in found if marker == 0xC0)
    dht = next(offset for offset, marker, _ in found if marker == 0xC4)
    sos_offset, _, sos_length = found[-1]
    scan = sos_offset + 2 + sos_length

    def patched(data, offset, values):
        out = bytearray(data)
        out[offset:offset + len(values)] = values
        return bytes(out)

    return {
        "empty": b"",
        "soi-only": base[:2],
        "truncated-in-header": base[:sof + 6],
        "truncated-half": base[:len(base) // 2],
        "truncated-before-end-marker": base[:-2],
        "truncated-progressive": progressive[:int(len(progressive) * 0.6)],
        "garbage-after-soi": base[:2] + bytes(np.random.default_rng(9).integers(0, 256, 300, dtype=np.uint8)),
        "unknown-marker": patched(base, sof, b"\xff\x4d"),
        "huge-dimensions": patched(base, sof + 5, struct.pack(">HH", 65000, 65000)),
        "zero-width": patched(base, sof + 7, struct.pack(">H", 0)),
        "bad-huffman-table": patched(base, dht + 5, b"\xff" * 16),
        "damaged-scan": base[:scan + (len(base) - scan) * 2 // 5] + b"\xff\xd9",
        "precision-12": patched(base, sof + 4, b"\x0c"),
    }


def write_fixtures():
    os.makedirs(os.path.join(FIXTURES, "corrupt"), exist_ok=True)
    manifest = {
        "pillow": Image.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "images": [],
        "corrupt": [],
    }
    for stale in os.listdir(FIXTURES):
        if stale.endswith((".jpg", ".png")):
            os.remove(os.path.join(FIXTURES, stale))
    files = good_files()
    written = {}  # Pillow's decoded PNG bytes -> the file holding them (identical decodes share one)
    for name, data in files.items():
        mode, upright = pillow_reading(data)
        if mode is None:
            sys.exit(f"{name}: Pillow cannot read a fixture meant to be good: {upright}")
        with open(os.path.join(FIXTURES, f"{name}.jpg"), "wb") as out:
            out.write(data)
        png = io.BytesIO()
        upright.save(png, "PNG")
        expected = written.setdefault(png.getvalue(), f"{name}.png")
        if expected == f"{name}.png":
            with open(os.path.join(FIXTURES, expected), "wb") as out:
                out.write(png.getvalue())
        manifest["images"].append({
            "file": f"{name}.jpg", "expected": expected, "pillow_mode": mode,
            "width": upright.width, "height": upright.height, "bytes": len(data),
        })
    for name, data in corrupt_files(files).items():
        with open(os.path.join(FIXTURES, "corrupt", f"{name}.jpg"), "wb") as out:
            out.write(data)
        mode, result = pillow_reading(data)
        manifest["corrupt"].append({
            "file": f"corrupt/{name}.jpg", "bytes": len(data),
            "pillow": result if mode is None else f"decoded ({mode} {result.width}x{result.height})",
        })
    with open(os.path.join(FIXTURES, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
        out.write("\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(FIXTURES) for f in fs)
    print(f"wrote {len(files)} images and {len(manifest['corrupt'])} corrupt files to {FIXTURES} ({total} bytes)")


def write_bench(folder):
    """Pets-sized photo-like files (500x375, the median Oxford-IIIT Pets size): baseline 4:2:0 at
    quality 75 (Pets' own encoding), progressive, 4:4:4 and grey; 8 of each kind."""
    os.makedirs(folder, exist_ok=True)
    for index in range(8):
        picture = photo(500, 375, seed=100 + index)
        kinds = {
            "baseline": save(picture, quality=75, subsampling=2),
            "progressive": save(picture, quality=75, subsampling=2, progressive=True),
            "444": save(picture, quality=90, subsampling=0),
            "grey": save(picture.convert("L"), quality=75),
        }
        for kind, data in kinds.items():
            with open(os.path.join(folder, f"{kind}-{index}.jpg"), "wb") as out:
                out.write(data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", metavar="DIR", help="write the benchmark's files to DIR instead")
    args = parser.parse_args()
    if args.bench:
        write_bench(args.bench)
    else:
        write_fixtures()
