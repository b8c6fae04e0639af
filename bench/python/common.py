"""Shared helpers for the PyTorch twins of `khru-bench`: thread pinning, timing, output lines."""
import argparse
import os
import time


def parse_args(description, reps=3):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--reps", type=int, default=reps, help=f"repetitions; the minimum is reported (default {reps})")
    return parser.parse_args()


def pin_threads(threads):
    """Same thread count as the Swift side (which sets OPENBLAS_NUM_THREADS)."""
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set in this process
    return torch


def best_of(reps, run):
    """Minimum wall-clock seconds of `reps` calls of `run()` (time.perf_counter).

    KHRU_BENCH_CLOCK=cpu measures the process's CPU time instead (time.process_time), as khru-bench
    does: on a loaded machine it still measures the work at one thread.
    """
    clock = time.process_time if os.environ.get("KHRU_BENCH_CLOCK") == "cpu" else time.perf_counter
    times = []
    for _ in range(reps):
        start = clock()
        run()
        times.append(clock() - start)
    return min(times), times


def emit(name, case, threads, **values):
    """One machine-readable line: `name case threads=N impl=pytorch key=value ...`."""
    fields = [name, str(case), f"threads={threads}", "impl=pytorch"]
    for key, value in values.items():
        fields.append(f"{key}={value:.6g}" if isinstance(value, float) else f"{key}={value}")
    print(" ".join(fields), flush=True)


def package_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
