"""Pillow decoding the same 500x375 JPEGs as `khru-bench jpeg` (its twin): for each kind (baseline 4:2:0,
progressive, 4:4:4, grey), every file 10 times per repetition with `Image.open(f).convert("RGB")` (convert
loads the pixels, as fastai's PILImage.create does), and as `<kind>-decode` with `Image.open(f).load()`
alone; seconds per image, minimum of the repetitions.
The files come from `jpeg_fixtures.py --bench bench/results/jpeg-files` (bench/run makes them)."""
import os

from PIL import Image, features

from common import best_of, package_root, parse_args

args = parse_args(__doc__)
folder = os.path.join(package_root(), "bench", "results", "jpeg-files")
PASSES = 10
for kind in ("baseline", "progressive", "444", "grey"):
    files = [os.path.join(folder, f"{kind}-{index}.jpg") for index in range(8)]
    if not all(os.path.exists(f) for f in files):
        print(f"jpeg {kind} threads={args.threads} impl=pillow unavailable=no-files-in-{folder}", flush=True)
        continue

    def decode_all(convert):
        for _ in range(PASSES):
            for f in files:
                with Image.open(f) as image:
                    if convert:
                        image.convert("RGB").load()
                    else:
                        image.load()

    pixels = 0
    for f in files:  # warm-up
        with Image.open(f) as image:
            pixels += image.convert("RGB").width * image.height
    images = PASSES * len(files)
    # `<kind>`: decoded and converted to RGB; `<kind>-decode`: decoded only (grey stays L).
    for name, convert in ((kind, True), (f"{kind}-decode", False)):
        best, _ = best_of(args.reps, lambda: decode_all(convert))
        # common.emit's line with impl=pillow, which bench/report.py pairs with Khru's.
        print(f"jpeg {name} threads={args.threads} impl=pillow seconds={best / images:.6g} "
              f"ms_per_image={best / images * 1e3:.6g} megapixels_per_second={pixels * PASSES / best / 1e6:.6g} "
              f"pillow={Image.__version__}/libjpeg-turbo-{features.version('libjpeg_turbo')}", flush=True)
