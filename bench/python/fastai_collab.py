"""fastai 2.8.12 collab_learner: one fit_one_cycle(1, 5e-3, wd=0.1) epoch on the real MovieLens 100k.

fastbook chapter 8: ratings from u.data, titles from u.item (Latin-1), CollabDataLoaders.from_df(item_name="title",
bs=64, seed=42), collab_learner(n_factors=50, y_range=(0, 5.5)). Prints the epoch time and the validation MSE.
Needs `make data` (lessons/data/ml-100k/u.data and u.item)."""
import os
import sys
import time

from common import package_root, parse_args, pin_threads

args = parse_args(__doc__, reps=2)
folder = os.path.join(package_root(), "lessons", "data", "ml-100k")
if not (os.path.exists(os.path.join(folder, "u.data")) and os.path.exists(os.path.join(folder, "u.item"))):
    print(f"fastai-collab ml-100k threads={args.threads} impl=fastai unavailable=no-data-in-{folder}")
    sys.exit(0)
torch = pin_threads(args.threads)
import warnings

import pandas as pd
from fastai.collab import CollabDataLoaders, collab_learner

# fastai converts the read-only pandas columns with torch.as_tensor; the copy it warns about is harmless.
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")

ratings = pd.read_csv(os.path.join(folder, "u.data"), delimiter="\t", header=None,
                      names=["user", "movie", "rating", "timestamp"])
movies = pd.read_csv(os.path.join(folder, "u.item"), delimiter="|", encoding="latin-1", usecols=(0, 1),
                     names=("movie", "title"), header=None)
ratings = ratings.merge(movies)
times, mses = [], []
for _ in range(args.reps):
    dls = CollabDataLoaders.from_df(ratings, item_name="title", bs=64, seed=42)
    learn = collab_learner(dls, n_factors=50, y_range=(0, 5.5))
    with learn.no_bar(), learn.no_logging():
        start = time.perf_counter()  # time fit_one_cycle only, like learn.fit's own timer
        learn.fit_one_cycle(1, 5e-3, wd=0.1)
        times.append(time.perf_counter() - start)
        mses.append(float(learn.validate()[0]))
users, titles = len(dls.classes["user"]) - 1, len(dls.classes["title"]) - 1  # minus fastai's #na#
print(f"fastai-collab ml-100k threads={args.threads} impl=fastai seconds={min(times):.6g} "
      f"valid_mse={mses[times.index(min(times))]:.4f} batches={len(dls.train)} users={users} titles={titles}",
      flush=True)
