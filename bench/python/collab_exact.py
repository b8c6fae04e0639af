"""Replays one of lesson 05's Khru fits in fastai 2.8.12, step for step: same rows, same vocabulary indices,
same initial weights, same batches in the same order.

`KHRU_COLLAB_EXACT=<folder> KHRU_COLLAB_SEEDS=42 swift test --filter exactComparisonExports` writes, for
each lesson seed, `<folder>/seed-<s>/`: `split.json` (checksummed rows), `exact.json` (the encoded training
and validation rows, the five epochs' batch order, Khru's losses, learning rates, momentums and validation
MSE), `init.bin` (DotProductBias's four tables before training, float32) and `step-<k>.bin` (after step k).
This script verifies the split against its own reading of u.data/u.item (collab_split.py), builds fastai's
`EmbeddingDotBias` with those initial weights, feeds fastai's `Learner` exactly Khru's batches and runs
`fit_one_cycle(5, 5e-3, wd=0.1)` with fastai's Adam, schedule, loss and recorder, then compares:

    python bench/python/collab_exact.py /tmp/exact/seed-42 [--threads 1]

It prints one `exact ...` line: the largest differences of the learning rates, momentums, per-batch losses
(first batch, first 10, first 100, all) and weights (after steps 1, 2, 10, 100), and both validation MSEs.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from collab_split import read_rated, verify_split
from common import package_root, pin_threads

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("folder", help="a seed-<s> folder written by exactComparisonExports")
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

torch = pin_threads(args.threads)
from fastai.collab import EmbeddingDotBias
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.learner import Learner
from fastai.losses import MSELossFlat
from fastai.callback.core import Callback

rated = read_rated(os.path.join(package_root(), "lessons", "data", "ml-100k"))
split = verify_split(os.path.join(args.folder, "split.json"), rated, ["user", "title", "rating"])
with open(os.path.join(args.folder, "exact.json")) as f:
    exact = json.load(f)

# The encoded rows must be the verified split's rows under Khru's vocabularies.
user_vocab, item_vocab = exact["userVocab"], exact["itemVocab"]
for name, positions in (("train", split["train"]), ("valid", split["valid"])):
    rows = exact[name]
    users = [user_vocab[i] for i in rows["users"]]
    items = [item_vocab[i] for i in rows["items"]]
    source = rated.iloc[positions]
    vocab_users = set(user_vocab)
    seen_users = [u if u in vocab_users else "#na#" for u in source["user"].astype(str)]
    vocab_items = set(item_vocab)
    seen_items = [t if t in vocab_items else "#na#" for t in source["title"]]
    assert users == seen_users, f"{name}: encoded users differ from the split's rows"
    assert items == seen_items, f"{name}: encoded titles differ from the split's rows"
    assert list(rows["ratings"]) == [float(r) for r in source["rating"]], f"{name}: ratings differ"


def tensors(rows):
    x = torch.tensor(np.stack([rows["users"], rows["items"]], 1), dtype=torch.int64)
    y = torch.tensor(rows["ratings"], dtype=torch.float32).unsqueeze(1)
    return x, y


class Batches:
    """Batch i of the current epoch, in Khru's order; `epoch` advances at every pass over the loader."""

    def __init__(self, x, y, orders, bs, drop_last):
        self.x, self.y, self.orders, self.bs, self.epoch = x, y, orders, bs, -1
        self.n = len(x) // bs if drop_last else (len(x) + bs - 1) // bs

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        order = self.orders[self.epoch] if self.orders else range(len(self.x))
        idx = torch.tensor(order[i * self.bs:(i + 1) * self.bs], dtype=torch.int64)
        return self.x[idx], self.y[idx]


class FixedOrderDL(DataLoader):
    """A fastai DataLoader of ready-made batches (bs=None: prebatched), one new epoch per iteration."""

    def get_idxs(self):
        self.dataset.epoch += 1
        return list(range(len(self.dataset)))


train_x, train_y = tensors(exact["train"])
valid_x, valid_y = tensors(exact["valid"])
train_dl = FixedOrderDL(Batches(train_x, train_y, exact["orders"], 64, True), bs=None)
valid_dl = FixedOrderDL(Batches(valid_x, valid_y, None, 64, False), bs=None)
dls = DataLoaders(train_dl, valid_dl)

# fastai's model with Khru's initial weights (Khru's parameter order: userFactors, userBias, movieFactors,
# movieBias).
shapes = {p["name"]: p["shape"] for p in exact["parameters"]}
names = [p["name"] for p in exact["parameters"]]


def read_weights(path):
    flat = np.fromfile(path, dtype="<f4")
    out, offset = {}, 0
    for name in names:
        count = int(np.prod(shapes[name]))
        out[name] = torch.from_numpy(flat[offset:offset + count].reshape(shapes[name]).copy())
        offset += count
    assert offset == len(flat), f"{path}: {len(flat)} floats, the parameters hold {offset}"
    return out


fastai_name = {"userFactors.weight": "u_weight.weight", "movieFactors.weight": "i_weight.weight",
               "userBias.weight": "u_bias.weight", "movieBias.weight": "i_bias.weight"}
model = EmbeddingDotBias(50, len(user_vocab), len(item_vocab), y_range=(0, 5.5))
initial = read_weights(os.path.join(args.folder, "init.bin"))
model.load_state_dict({fastai_name[k]: v for k, v in initial.items()})

snapshot_steps = (1, 2, 10, 100)


class Steps(Callback):
    order = 55

    def before_fit(self):
        self.losses, self.lrs, self.moms, self.snapshots = [], [], [], {}

    def after_batch(self):
        if not self.training:
            return
        self.losses.append(float(self.learn.loss))
        self.lrs.append(self.opt.hypers[-1]["lr"])
        self.moms.append(self.opt.hypers[-1]["mom"])
        if len(self.losses) in snapshot_steps:
            state = self.learn.model.state_dict()
            self.snapshots[len(self.losses)] = {k: state[fastai_name[k]].clone() for k in names}


steps = Steps()
learn = Learner(dls, model, loss_func=MSELossFlat(), cbs=[steps])
with learn.no_bar(), learn.no_logging():
    start = time.perf_counter()
    learn.fit_one_cycle(5, 5e-3, wd=0.1)
    seconds = time.perf_counter() - start

khru = exact["khru"]
fastai_mse = [float(row[1]) for row in learn.recorder.values]
lrs, moms = np.array(steps.lrs), np.array(steps.moms)
losses = np.array(steps.losses)
khru_losses = np.array(khru["losses"])
assert len(losses) == len(khru_losses) == 6250, (len(losses), len(khru_losses))


def largest(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


weights = []
for step in snapshot_steps:
    theirs = read_weights(os.path.join(args.folder, f"step-{step}.bin"))
    weights.append(f"w{step}={max(largest(steps.snapshots[step][k], theirs[k]) for k in names):.2e}")
print(f"exact seed={exact['lessonSeed']} lr={largest(lrs, khru['lrs']):.2e} mom={largest(moms, khru['moms']):.2e} "
      f"loss1={largest(losses[:1], khru_losses[:1]):.2e} loss10={largest(losses[:10], khru_losses[:10]):.2e} "
      f"loss100={largest(losses[:100], khru_losses[:100]):.2e} lossAll={largest(losses, khru_losses):.2e} "
      + " ".join(weights)
      + f" khru_mse={','.join(f'{m:.4f}' for m in khru['validMSE'])}"
      f" fastai_mse={','.join(f'{m:.4f}' for m in fastai_mse)} seconds={seconds:.1f}", flush=True)
