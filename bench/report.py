"""Turns the result lines of bench/run into a table: Khru time, PyTorch (or fastai) time, ratio.

Lines look like `name case threads=N impl=khru|pytorch|fastai key=value ...`; other lines are ignored.
Ratio = Khru time / peer time, so < 1 means Khru is faster."""
import sys


def parse(path):
    rows = {}
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) < 4 or not parts[2].startswith("threads=") or not parts[3].startswith("impl="):
            continue
        values = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
        key = (parts[0], parts[1], int(values["threads"]))
        rows.setdefault(key, {})[values["impl"]] = values
    return rows


def show_time(seconds):
    return f"{seconds * 1e3:.3f} ms" if seconds < 1 else f"{seconds:.3f} s"


def cell(values):
    if values is None:
        return "–"
    if "unavailable" in values:
        return values["unavailable"].replace("-", " ")
    if "seconds" in values:
        return show_time(float(values["seconds"]))
    return "–"


def notes(name, khru, peer):
    out = []
    if khru and "sgemm_gflops" in khru:
        text = f"sgemm {float(khru['sgemm_gflops']):.1f} GFLOPS"
        if "khru_gflops" in khru:
            text = f"Khru {float(khru['khru_gflops']):.1f} GFLOPS = {float(khru['ratio']) * 100:.0f}% of " + text
        out.append(text)
    if khru and "gflops" in khru:
        out.append(f"Khru {float(khru['gflops']):.1f} GFLOPS")
    if peer and "gflops" in peer:
        out.append(f"torch {float(peer['gflops']):.1f} GFLOPS")
    for side in (khru, peer):
        for key in ("loss", "valid_mse"):
            if side and key in side:
                out.append(f"{side['impl']} {key}={side[key]}")
    for key in ("ms_per_step", "titles"):
        if peer and key in peer:
            out.append(f"{peer['impl']} {key}={peer[key]}")
    return "; ".join(out)


def main(path):
    rows = parse(path)
    for line in open(path, encoding="utf-8"):
        if line.startswith(("machine:", "isa cap:", "isa:", "openblas:", "pytorch ")):
            print(line.rstrip())
    print()
    header = ("workload", "case", "thr", "Khru", "PyTorch/fastai/Pillow", "Khru÷peer", "notes")
    table = [header]
    for (name, case, threads), sides in rows.items():
        khru = sides.get("khru")
        peer = sides.get("pytorch") or sides.get("fastai") or sides.get("pillow")
        ratio = "–"
        if khru and peer and "seconds" in khru and "seconds" in peer:
            ratio = f"{float(khru['seconds']) / float(peer['seconds']):.2f}×"
        table.append((name, case, str(threads), cell(khru), cell(peer), ratio, notes(name, khru, peer)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.txt")
