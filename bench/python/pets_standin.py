"""A small Pets-shaped archive for rehearsing lesson 01's `-p data=pets` path without the 811 MB download.

Writes DIR/oxford-iiit-pet.tgz (oxford-iiit-pet/images/<Breed>_<n>.jpg, JPEGs as in the real set: cats
capitalised, dogs lower case) and DIR/checks.json in fastai's checks.txt form (size, MD5 of the first MiB),
so that

    python3 -m http.server --bind 127.0.0.1 8765 --directory DIR &
    KHRU_DATA=/tmp/khru-pets KHRU_DATA_MIRROR=http://127.0.0.1:8765/ KHRU_DATA_CHECKS=DIR/checks.json \
        khru run lessons/en/01-lr-finder-and-transfer-learning.md -p data=pets

runs the lesson on it. Each breed is a colour and a stripe direction with noise, so a model can learn it.
Deterministic: the same arguments write the same bytes.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import tarfile

from PIL import Image

BREEDS = [
    "Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau",
    "beagle", "boxer", "chihuahua", "great_pyrenees", "havanese", "keeshond",
]
URL = "https://s3.amazonaws.com/fast-ai-imageclas/oxford-iiit-pet.tgz"


def picture(breed_index, number, size, rng):
    hue = breed_index * 360 // len(BREEDS)
    base = Image.new("HSV", (size, size), (hue * 255 // 360, 170, 200)).convert("RGB")
    pixels = base.load()
    for y in range(size):
        for x in range(size):
            stripe = ((x if breed_index % 2 else y) // (4 + breed_index % 3)) % 2
            r, g, b = pixels[x, y]
            shade = 40 * stripe + rng.randint(-25, 25)
            pixels[x, y] = tuple(max(0, min(255, c + shade)) for c in (r, g, b))
    return base


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--per-breed", type=int, default=8)
    parser.add_argument("--size", type=int, default=96)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rng = random.Random(42)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for index, breed in enumerate(BREEDS):
            for number in range(1, args.per_breed + 1):
                data = io.BytesIO()
                picture(index, number, args.size, rng).save(data, "JPEG", quality=90)
                info = tarfile.TarInfo(f"oxford-iiit-pet/images/{breed}_{number}.jpg")
                info.size = len(data.getvalue())
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data.getvalue()))
    archive = os.path.join(args.dir, "oxford-iiit-pet.tgz")
    with open(archive, "wb") as out:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as zipped:
            zipped.write(raw.getvalue())
    with open(archive, "rb") as f:
        data = f.read()
    checks = {URL: [len(data), hashlib.md5(data[: 1 << 20]).hexdigest()]}
    with open(os.path.join(args.dir, "checks.json"), "w") as f:
        json.dump(checks, f, indent=2)
    print(f"{archive}: {len(BREEDS) * args.per_breed} images, {len(data)} bytes")


if __name__ == "__main__":
    main()
