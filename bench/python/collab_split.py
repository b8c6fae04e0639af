"""Reads a split written by Khru's `CollabDataLoaders.exportSplit(to:)` and verifies it row by row.

The file (format `khru-collab-split/2`) lists the training and validation rows as positions in the frame Khru
built (ratings merged with titles), and carries a checksum of every row's (user, title, rating) and of the
whole training and validation sets. `verify_split` recomputes all of them from pandas' own frame and stops the
program with a list of the differences if pandas' reading, merge or ordering produced other rows than Khru's:
training on a split is only a comparison if both sides hold the same rows at the same positions.

    python bench/python/collab_split.py /tmp/split.json      # verify against lessons/data/ml-100k

Row text (Sources/Collab/SplitExport.swift): user, title and rating joined by tabs; the rating as an integer
when whole, else Python's repr of the float; the row checksum is the first 16 hex digits of its SHA-256
(UTF-8); a set checksum is the SHA-256 of its rows' texts, each followed by a newline, in the listed order.
Needs pandas only."""
import hashlib
import json
import os
import sys

FORMAT = "khru-collab-split/2"


def read_rated(folder):
    """u.data merged with u.item's titles, as fastbook chapter 8 and lesson 05 build it."""
    import pandas as pd

    if not os.path.exists(os.path.join(folder, "u.data")):
        sys.exit(f"no MovieLens data in {folder}: run `make data`")
    ratings = pd.read_csv(os.path.join(folder, "u.data"), delimiter="\t", header=None,
                          names=["user", "movie", "rating", "timestamp"])
    movies = pd.read_csv(os.path.join(folder, "u.item"), delimiter="|", encoding="latin-1", usecols=(0, 1),
                         names=("movie", "title"), header=None)
    return ratings.merge(movies)


def rating_text(value):
    value = float(value)
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def row_texts(frame, columns):
    user, item, rating = columns
    return [f"{u}\t{t}\t{rating_text(r)}" for u, t, r in zip(frame[user], frame[item], frame[rating])]


def row_checksum(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def set_checksum(texts, positions):
    digest = hashlib.sha256()
    for position in positions:
        digest.update((texts[position] + "\n").encode("utf-8"))
    return digest.hexdigest()


def fail(message, details=()):
    lines = [f"collab_split: THE SPLIT DOES NOT MATCH THIS FRAME: {message}"] + [f"  {d}" for d in details]
    sys.exit("\n".join(lines))


def verify_split(path, frame, columns=None):
    """The split at `path` ({'train': [...], 'valid': [...], ...}) after checking every row of `frame` against
    it; exits with the differences otherwise. `columns`: user, item and rating column names (default: the
    file's)."""
    with open(path) as f:
        split = json.load(f)
    if split.get("format") != FORMAT:
        fail(f"{path} has format {split.get('format')!r}, not {FORMAT!r} (re-export it with this Khru)")
    columns = list(columns or split["columns"])
    if columns != split["columns"]:
        fail(f"the split checksums columns {split['columns']}, this script reads {columns}")
    if split["n"] != len(frame) or len(split["rows"]) != len(frame):
        fail(f"the split has {split['n']} rows ({len(split['rows'])} checksums), this frame {len(frame)}")
    train, valid = split["train"], split["valid"]
    if sorted(train + valid) != list(range(len(frame))):
        fail("train and valid are not a partition of the rows")
    texts = row_texts(frame, columns)
    wrong = [i for i, text in enumerate(texts) if row_checksum(text) != split["rows"][i]]
    if wrong:
        fail(f"{len(wrong)} of {len(frame)} rows differ, first at positions {wrong[:5]}",
             [f"row {i}: pandas has {texts[i]!r} (checksum {row_checksum(texts[i])}), Khru's checksum "
              f"{split['rows'][i]}" for i in wrong[:5]])
    for name, positions in (("train", train), ("valid", valid)):
        ours = set_checksum(texts, positions)
        if ours != split[f"{name}Checksum"]:
            fail(f"the {name} set's checksum is {ours}, Khru's {split[f'{name}Checksum']}")
    return split


if __name__ == "__main__":
    from common import package_root

    if len(sys.argv) != 2:
        sys.exit(__doc__)
    frame = read_rated(os.path.join(package_root(), "lessons", "data", "ml-100k"))
    split = verify_split(sys.argv[1], frame)
    print(f"collab_split: {sys.argv[1]} matches: {len(split['rows'])} rows, {len(split['train'])} train, "
          f"{len(split['valid'])} valid, train {split['trainChecksum'][:16]}…, valid {split['validChecksum'][:16]}…")
