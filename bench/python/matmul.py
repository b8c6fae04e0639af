"""torch.matmul GFLOPS on square float32 matrices, the twin of `khru-bench matmul`."""
from common import best_of, emit, parse_args, pin_threads

args = parse_args(__doc__)
torch = pin_threads(args.threads)
torch.manual_seed(0)
for n in (64, 128, 256, 512, 1024):
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    flops = 2.0 * n ** 3
    # Repeat each timed call enough to last ~0.1 s at 100 GFLOPS.
    inner = max(1, int(1e10 / flops))
    torch.matmul(a, b, out=out)  # warm-up

    def run():
        for _ in range(inner):
            torch.matmul(a, b, out=out)

    best, _ = best_of(args.reps, run)
    emit("matmul", n, args.threads, seconds=best / inner, gflops=flops * inner / best / 1e9)
