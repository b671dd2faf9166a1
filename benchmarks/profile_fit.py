"""Where a fit's time goes: host-side Python against device work, per benchmark row.

Usage (from the repository root)::

    python benchmarks/profile_fit.py --device cuda --rows w1_padded,w1_lstm,w1_defaults
    python benchmarks/profile_fit.py --quick            # tiny sizes, CPU, smoke test

For each row of ``implementations.TABLE`` named, in one process: one warm-up
fit (CUDA context, cuDNN plans, allocator), then

1. a plain timed fit (wall seconds, process CPU seconds);
2. the same fit under ``torch.profiler`` (CPU and CUDA activities): the total
   time of the device's kernels, so that ``kernel time / wall`` says how busy
   the device was, and the operators with the most self time;
3. the same fit under ``cProfile``: the Python functions with the most
   cumulative and self time, grouped by package (``sklearn_rnn``, ``skorch``,
   ``torch``, ``numpy``, the rest), which says what the host does per batch.

Each fit is a new estimator of the row, with the row's ``random_state``,
so that the three fits do the same work. The hand-written
loops of ``references.py`` run the same way, which puts the estimators'
overhead beside the loop's in one run. Nothing is written to
``benchmarks/README.md``; the report goes to stdout and, with
``--output``, to a text file.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCHMARKS_DIR), str(BENCHMARKS_DIR.parent)]

import harness  # noqa: E402
from implementations import BY_NAME  # noqa: E402
from workloads import SIZES  # noqa: E402

PACKAGES = ("sklearn_rnn", "skorch", "sklearn", "torch", "numpy")


def _fresh(row, device):
    """A new, unfitted estimator (or hand-written loop) of the row."""
    return row.make(device)


def _fit(estimator, X, y, device):
    start = time.perf_counter()
    cpu = harness._cpu_s()
    estimator.fit(X, y)
    harness._synchronize(device)
    return time.perf_counter() - start, harness._cpu_s() - cpu


def _package(filename, function):
    if filename == "~":  # a C function: torch's operators, or Python's builtins
        return "torch (C++)" if "torch" in function or "_C." in function else "builtins"
    for name in PACKAGES:
        if f"/{name}/" in filename or f"\\{name}\\" in filename:
            return name
    return "python/other"


def host_profile(estimator, X, y, device, top):
    """cProfile of one fit: time by package (self time) and the top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    estimator.fit(X, y)
    harness._synchronize(device)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package = defaultdict(float)
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():
        by_package[_package(filename, function)] += tottime
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return dict(by_package), out.getvalue()


def device_profile(estimator, X, y, device, top):
    """torch.profiler of one fit: total kernel time and the operators with most self time."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    on_cuda = str(device).startswith("cuda")
    if on_cuda:
        activities.append(ProfilerActivity.CUDA)
    start = time.perf_counter()
    with profile(activities=activities) as prof:
        estimator.fit(X, y)
        harness._synchronize(device)
    wall = time.perf_counter() - start
    averages = prof.key_averages()
    kernel_us = 0.0
    if on_cuda:
        # As torch's own table total: device events, user annotations (such as
        # "Optimizer.step#Adam.step", a range, not a kernel) left out.
        from torch.autograd import DeviceType

        kernel_us = sum(
            event.self_device_time_total
            for event in averages
            if event.device_type == DeviceType.CUDA
            and not getattr(event, "is_user_annotation", False)
        )
    sort_by = "self_cpu_time_total"
    if on_cuda:
        sort_by = (
            "self_device_time_total"
            if hasattr(averages[0], "self_device_time_total")
            else "self_cuda_time_total"
        )
    table = averages.table(sort_by=sort_by, row_limit=top)
    return wall, kernel_us / 1e6, table


def profile_row(row, device, sizes, top, emit):
    X, y, *_ = row.workload.data(sizes)
    n_epochs = row.workload.epochs
    _fit(_fresh(row, device), X, y, device)  # warm-up
    wall, cpu = _fit(_fresh(row, device), X, y, device)
    emit(f"\n=== {row.name} ({row.label}) on {device}: {len(X)} sequences x {n_epochs} epochs")
    emit(
        f"plain fit: {wall:.3f} s wall, {cpu:.3f} s process CPU, "
        f"{len(X) * n_epochs / wall:,.0f} train seq/s"
    )
    prof_wall, kernel_s, table = device_profile(_fresh(row, device), X, y, device, top)
    if kernel_s:
        emit(
            f"torch.profiler fit: {prof_wall:.3f} s wall; device kernels {kernel_s:.3f} s "
            f"= {kernel_s / prof_wall:.0%} of the profiled wall time"
        )
    else:
        emit(f"torch.profiler fit: {prof_wall:.3f} s wall")
    emit(table)
    by_package, stats_text = host_profile(_fresh(row, device), X, y, device, top)
    total = sum(by_package.values())
    emit(
        "cProfile self time by package: "
        + ", ".join(
            f"{name} {seconds:.3f} s ({seconds / total:.0%})"
            for name, seconds in sorted(by_package.items(), key=lambda item: -item[1])
        )
    )
    emit(stats_text)
    return {
        "row": row.name,
        "wall_s": wall,
        "cpu_s": cpu,
        "kernel_s": kernel_s,
        "profiled_wall_s": prof_wall,
        "by_package": by_package,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rows", default="w1_padded,w1_lstm,w1_defaults")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=25, help="lines per table")
    parser.add_argument("--output", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    lines = []

    def emit(text):
        print(text, flush=True)
        lines.append(text)

    unknown = [name for name in args.rows.split(",") if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown rows {unknown}; see implementations.TABLE")
    sizes = SIZES["quick" if args.quick else "full"]
    summaries = [
        profile_row(BY_NAME[name], args.device, sizes, args.top, emit)
        for name in args.rows.split(",")
    ]
    emit("\n=== summary (plain fit; kernel share from the torch.profiler fit)")
    for item in summaries:
        share = f"{item['kernel_s'] / item['profiled_wall_s']:.0%}" if item["kernel_s"] else "-"
        emit(
            f"{item['row']}: {item['wall_s']:.3f} s wall, {item['cpu_s']:.3f} s CPU, "
            f"device busy {share}"
        )
    if args.output:
        args.output.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
