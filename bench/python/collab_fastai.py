"""fastai 2.8.12 collab_learner on the real MovieLens 100k, on splits exported by Khru or on fastai's own.

The comparison of issue #15 (lesson 05): ratings from u.data merged with titles from u.item (as fastbook chapter 8
and the lesson do); the train/valid rows either read from a file written by `CollabDataLoaders.exportSplit(to:)`
and verified row by row against this frame (collab_split.py: every row's (user, title, rating) checksum and both
sets' checksums; any difference stops the script), or drawn by fastai's `RandomSplitter(0.2, seed)`. Then exactly
what `CollabDataLoaders.from_df(ratings, item_name='title', bs=64)` builds with those splits,
`collab_learner(dls, n_factors=50, y_range=(0, 5.5))` and `fit_one_cycle(5, 5e-3, wd=0.1)`.

`--loader weighted` (the default) is fastai 2.8.12 as installed: `TabularPandas` hands its rows to
`TabWeightedDL` (fastai PR #3995), whose shuffled order is `np.random.choice(n, n, p=uniform)`: a bootstrap
sample *with replacement*, so an epoch sees about 63% of the distinct training rows. `--loader shuffle` sets
`TabularPandas._dl_type = TabDataLoader`, the permutation (sampling without replacement) every other fastai
loader, fastbook's fastai and Khru use. Each seed seeds torch, numpy and Python's random (model init, the
weighted sampler, the shuffle and, with --fastai-split, the split).

    python bench/python/collab_fastai.py --split '/tmp/exact/seed-{seed}/split.json' --seeds 42,1,2,3,4
    python bench/python/collab_fastai.py --fastai-split --seeds 42,1,2,3,4 --loader shuffle

Prints one `fastai ...` line per seed (validation MSE after each epoch, distinct (user, title) pairs the first
epoch trained on, seconds) and a `summary ...` line: mean, sample standard deviation, min and max of the final MSE.
Needs `make data` (lessons/data/ml-100k/u.data and u.item)."""
import argparse
import os
import random
import statistics
import time

from collab_split import read_rated, verify_split
from common import package_root, pin_threads

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
source = parser.add_mutually_exclusive_group(required=True)
source.add_argument("--split", help="split file(s) written by CollabDataLoaders.exportSplit(to:); '{seed}' in the "
                                    "path is replaced by each seed")
source.add_argument("--fastai-split", action="store_true", help="fastai's RandomSplitter(valid_pct=0.2, seed=seed)")
parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
parser.add_argument("--torch-seed", type=int, help="one seed (same as --seeds N)")
parser.add_argument("--loader", choices=("weighted", "shuffle"), default="weighted",
                    help="fastai 2.8.12's TabWeightedDL (default) or TabDataLoader (a permutation per epoch)")
parser.add_argument("--wd", type=float, default=0.1, help="weight decay of fit_one_cycle (default 0.1)")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=5e-3)
parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
args = parser.parse_args()
seeds = [args.torch_seed] if args.torch_seed is not None else [int(s) for s in args.seeds.split(",")]

torch = pin_threads(args.threads)
import numpy as np
from fastai.callback.core import Callback
from fastai.collab import TabularCollab, collab_learner
from fastai.data.block import TransformBlock
from fastai.data.transforms import RandomSplitter
from fastai.tabular.core import Categorify, TabDataLoader, TabularPandas

if args.loader == "shuffle":
    TabularPandas._dl_type = TabDataLoader
ratings = read_rated(os.path.join(package_root(), "lessons", "data", "ml-100k"))


class FirstEpochPairs(Callback):
    """Counts the distinct (user, title) pairs of the first epoch's training batches."""

    def before_fit(self):
        self.pairs, self.batches = set(), 0

    def after_batch(self):
        if self.training and self.epoch == 0:
            self.pairs.update(map(tuple, self.xb[0].tolist()))
            self.batches += 1


finals = []
for seed in seeds:
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    if args.fastai_split:
        splits, where = RandomSplitter(valid_pct=0.2, seed=seed)(range(len(ratings))), "fastai"
    else:
        path = args.split.replace("{seed}", str(seed))
        split = verify_split(path, ratings, ["user", "title", "rating"])
        splits, where = (list(split["train"]), list(split["valid"])), path
    # CollabDataLoaders.from_df with these splits.
    to = TabularCollab(ratings, [Categorify], ["user", "title"], y_names=["rating"], y_block=TransformBlock(),
                       splits=splits)
    dls = to.dataloaders(path=".", bs=64)
    learn = collab_learner(dls, n_factors=50, y_range=(0, 5.5))
    pairs = FirstEpochPairs()
    with learn.no_bar(), learn.no_logging():
        start = time.perf_counter()
        learn.fit_one_cycle(args.epochs, args.lr, wd=args.wd, cbs=[pairs])
        seconds = time.perf_counter() - start
    mses = [float(row[1]) for row in learn.recorder.values]
    finals.append(mses[-1])
    print(f"fastai seed={seed} split={where} loader={type(dls.train).__name__} wd={args.wd} "
          f"threads={args.threads} users={len(dls.classes['user'])} titles={len(dls.classes['title'])} "
          f"epoch0_pairs={len(pairs.pairs)}/{pairs.batches * 64} "
          f"valid_mse={','.join(f'{m:.4f}' for m in mses)} final={mses[-1]:.4f} seconds={seconds:.1f}", flush=True)
spread = statistics.stdev(finals) if len(finals) > 1 else 0.0
print(f"summary fastai split={'fastai' if args.fastai_split else args.split} loader={args.loader} seeds={len(finals)} "
      f"mean={statistics.mean(finals):.4f} sd={spread:.4f} min={min(finals):.4f} max={max(finals):.4f}", flush=True)
