"""One epoch of fastbook's DotProductBias on 80,000 random ratings, batch 64, Adam(lr=5e-3, weight_decay=0.1).

Twin of `khru-bench collab`; the workload of data-sources.md's appendix: 943 users x 1,682 movies x 50 factors,
factor embeddings trunc_normal_(std=0.01), bias embeddings, sigmoid_range(0, 5.5), MSE, a fresh model and a
random permutation per repetition, 1,250 steps."""
from common import best_of, emit, parse_args, pin_threads

args = parse_args(__doc__)
torch = pin_threads(args.threads)
import torch.nn as nn
import torch.nn.functional as F


class DotProductBias(nn.Module):
    def __init__(self, n_users, n_movies, n_factors, y_range=(0, 5.5)):
        super().__init__()
        self.user_factors = nn.Embedding(n_users, n_factors)
        self.movie_factors = nn.Embedding(n_movies, n_factors)
        for e in (self.user_factors, self.movie_factors):
            nn.init.trunc_normal_(e.weight, std=0.01)
        self.user_bias = nn.Embedding(n_users, 1)
        self.movie_bias = nn.Embedding(n_movies, 1)
        self.y_range = y_range

    def forward(self, x):
        users, movies = x[:, 0], x[:, 1]
        res = (self.user_factors(users) * self.movie_factors(movies)).sum(1, keepdim=True)
        res = res + self.user_bias(users) + self.movie_bias(movies)
        lo, hi = self.y_range
        return torch.sigmoid(res) * (hi - lo) + lo


torch.manual_seed(0)
N, BS = 80_000, 64
xs = torch.stack([torch.randint(0, 943, (N,)), torch.randint(0, 1682, (N,))], 1)
ys = torch.randint(1, 6, (N, 1)).float()


def epoch():
    model = DotProductBias(943, 1682, 50)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=0.1)
    perm = torch.randperm(N)
    for b in range(0, N, BS):
        idx = perm[b:b + BS]
        loss = F.mse_loss(model(xs[idx]), ys[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


epoch()  # warm-up
best, _ = best_of(args.reps, epoch)
emit("collab", "dot-product-bias", args.threads, seconds=best, steps=N // BS)
