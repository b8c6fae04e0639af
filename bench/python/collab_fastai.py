"""fastai 2.8.12 collab_learner on the real MovieLens 100k, on a split exported by Khru.

The acceptance run of issue #6: ratings from u.data merged with titles from u.item (as fastbook chapter 8 and
the lesson do), the train/valid rows read from a JSON file written by `CollabDataLoaders.exportSplit(to:)`
(`{"n": rows, "train": [...], "valid": [...]}`, row positions in the merged frame), then exactly what
`CollabDataLoaders.from_df(ratings, item_name='title', bs=64)` does with those splits, and
`collab_learner(dls, n_factors=50, y_range=(0, 5.5))`, `fit_one_cycle(5, 5e-3, wd=0.1)`.
Prints one line per run: the validation MSE after each epoch and the time of the fit.

    python bench/python/collab_fastai.py --split /tmp/split.json [--wd 0.1] [--epochs 5] [--torch-seed 0]

Needs `make data` (lessons/data/ml-100k/u.data and u.item)."""
import argparse
import json
import os
import sys
import time

from common import package_root, pin_threads

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--split", required=True, help="JSON file written by CollabDataLoaders.exportSplit(to:)")
parser.add_argument("--wd", type=float, default=0.1, help="weight decay of fit_one_cycle (default 0.1)")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=5e-3)
parser.add_argument("--torch-seed", type=int, default=0, help="torch.manual_seed before the model is built")
parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
parser.add_argument("--model", choices=("collab_learner", "DotProductBias"), default="collab_learner",
                    help="fastai's collab_learner, or fastbook's DotProductBias class in a plain Learner")
args = parser.parse_args()

folder = os.path.join(package_root(), "lessons", "data", "ml-100k")
if not os.path.exists(os.path.join(folder, "u.data")):
    sys.exit(f"no MovieLens data in {folder}: run `make data`")
torch = pin_threads(args.threads)
import pandas as pd
from fastai.collab import collab_learner
from fastai.data.block import TransformBlock
from fastai.tabular.core import Categorify
from fastai.collab import TabularCollab

ratings = pd.read_csv(os.path.join(folder, "u.data"), delimiter="\t", header=None,
                      names=["user", "movie", "rating", "timestamp"])
movies = pd.read_csv(os.path.join(folder, "u.item"), delimiter="|", encoding="latin-1", usecols=(0, 1),
                     names=("movie", "title"), header=None)
ratings = ratings.merge(movies)
with open(args.split) as f:
    split = json.load(f)
assert split["n"] == len(ratings), f"split has {split['n']} rows, the merged frame {len(ratings)}"
train, valid = list(split["train"]), list(split["valid"])
assert sorted(train + valid) == list(range(len(ratings))), "the split is not a partition of the rows"

# CollabDataLoaders.from_df, with the exported rows instead of RandomSplitter's.
to = TabularCollab(ratings, [Categorify], ["user", "title"], y_names=["rating"], y_block=TransformBlock(),
                   splits=(train, valid))
dls = to.dataloaders(path=".", bs=64)
torch.manual_seed(args.torch_seed)
if args.model == "collab_learner":
    learn = collab_learner(dls, n_factors=50, y_range=(0, 5.5))
else:
    from fastai.layers import Embedding, sigmoid_range
    from fastai.learner import Learner
    from fastai.losses import MSELossFlat
    from torch import nn

    class DotProductBias(nn.Module):  # fastbook chapter 8
        def __init__(self, n_users, n_movies, n_factors, y_range=(0, 5.5)):
            super().__init__()
            self.user_factors = Embedding(n_users, n_factors)
            self.user_bias = Embedding(n_users, 1)
            self.movie_factors = Embedding(n_movies, n_factors)
            self.movie_bias = Embedding(n_movies, 1)
            self.y_range = y_range

        def forward(self, x):
            users = self.user_factors(x[:, 0])
            movies = self.movie_factors(x[:, 1])
            res = (users * movies).sum(dim=1, keepdim=True)
            res += self.user_bias(x[:, 0]) + self.movie_bias(x[:, 1])
            return sigmoid_range(res, *self.y_range)

    model = DotProductBias(len(dls.classes["user"]), len(dls.classes["title"]), 50)
    learn = Learner(dls, model, loss_func=MSELossFlat())
with learn.no_bar(), learn.no_logging():
    start = time.perf_counter()
    learn.fit_one_cycle(args.epochs, args.lr, wd=args.wd)
    seconds = time.perf_counter() - start
mses = [float(row[1]) for row in learn.recorder.values]
print(f"fastai model={args.model} split={os.path.basename(args.split)} wd={args.wd} torch_seed={args.torch_seed} "
      f"threads={args.threads} users={len(dls.classes['user'])} titles={len(dls.classes['title'])} "
      f"valid_mse={','.join(f'{m:.4f}' for m in mses)} final={mses[-1]:.4f} seconds={seconds:.1f}", flush=True)
