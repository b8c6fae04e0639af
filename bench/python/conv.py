"""Conv2d forward + backward, batch 64, 32 -> 32 channels, 28x28, 3x3, padding 1 (twin of `khru-bench conv`)."""
from common import best_of, emit, parse_args, pin_threads

args = parse_args(__doc__)
torch = pin_threads(args.threads)
torch.manual_seed(0)
ITERATIONS = 20
conv = torch.nn.Conv2d(32, 32, 3, padding=1)
x = torch.randn(64, 32, 28, 28, requires_grad=True)
upstream = torch.randn(64, 32, 28, 28)


def step():
    conv.zero_grad(set_to_none=True)
    x.grad = None
    conv(x).backward(upstream)  # weight, bias and input gradients


for _ in range(3):
    step()  # warm-up


def run():
    for _ in range(ITERATIONS):
        step()


best, _ = best_of(args.reps, run)
flops = 3 * 2.0 * 64 * 32 * 32 * 9 * 28 * 28  # forward, input grad, weight grad
emit("conv", "64x32x28x28-k3", args.threads, seconds=best / ITERATIONS, gflops=flops * ITERATIONS / best / 1e9)
