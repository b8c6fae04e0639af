"""784-256-10 MLP, cross-entropy, Adam, batch 64, 1,000 steps (twin of `khru-bench mlp`).

The optimizer is fastai's Adam defaults as PyTorch spells them: AdamW(lr=1e-3, betas=(0.9, 0.99),
eps=1e-5, weight_decay=0.01) (decoupled weight decay, eps outside the square root, as in Khru's Adam).
Same workload as data-sources.md's appendix, with Adam instead of SGD: a fixed 64,000x784 random input,
batches taken in order, 20 warm-up steps, then 1,000 timed steps per repetition."""
from common import best_of, emit, parse_args, pin_threads

args = parse_args(__doc__)
torch = pin_threads(args.threads)
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(64_000, 784)
y = torch.randint(0, 10, (64_000,))
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
STEPS = 1000


def train(steps):
    loss = None
    for s in range(steps):
        i = (s % 1000) * 64
        loss = F.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


losses = [train(20)]
best, _ = best_of(args.reps, lambda: losses.append(train(STEPS)))
emit("mlp", "784-256-10", args.threads, seconds=best, steps=STEPS, ms_per_step=best / STEPS * 1e3, loss=losses[-1])
