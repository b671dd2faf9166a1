"""Data-parallel training: a W1 fit on several processes against one process.

``RNNClassifier(device=DataParallel())`` fits W1 (8,000 ragged sequences, 16
features, LSTM 64, batch 64, Adam 1e-3, 2 epochs: ``implementations.
CLASSIFIER_BASE``) in processes launched by ``torchrun --standalone
--nproc_per_node N``, one row per ``N``; every row runs in the same call of
this script, interleaved over the repeats, and is timed on rank 0 from a
barrier before ``fit`` to its end. Each process runs ``--threads`` torch
threads. A last row fits in one ordinary process (``device="cpu"``) with
``N x --threads`` threads: the same cores used the usual way.

``batch_size`` is per process (as in ``DistributedDataParallel``): ``N``
processes take ``N x 64`` sequences per step and ``N`` times fewer steps per
epoch. The held-out accuracy is a sanity check.

Usage (from the repository root)::

    python benchmarks/distributed.py                      # 1 and 2 processes, 3 repeats
    python benchmarks/distributed.py --processes 1,2,4 --repeats 1
    python benchmarks/distributed.py --quick --no-readme  # a smoke test
    python benchmarks/distributed.py --backend nccl --processes 1,2,4   # one GPU per process

With ``--backend nccl`` every process trains on its own GPU (``cuda:LOCAL_RANK``)
and the last row is one ordinary process on ``cuda`` (this path has not been
run yet: no GPU machine was available when the script was written).

Unless ``--no-readme`` (or ``--quick``), the table goes between the markers of
``benchmarks/scaling.md``.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

START = "<!-- distributed-results:start -->"
END = "<!-- distributed-results:end -->"


def child(args):
    """One process of a row: fit, time on rank 0, write the result."""
    import torch
    import torch.distributed as dist
    from implementations import CLASSIFIER_BASE
    from workloads import SIZES, w1_data

    from sklearn_rnn import RNNClassifier
    from sklearn_rnn.components import DataParallel

    torch.set_num_threads(args.threads)
    X, y, X_test, y_test = w1_data(SIZES["quick" if args.quick else "full"])
    params = {**CLASSIFIER_BASE, "max_epochs": args.epochs}
    if args.plain:
        clf = RNNClassifier(**params, device="cuda" if args.backend == "nccl" else "cpu")
        rank = 0
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
    else:
        clf = RNNClassifier(**params, device=DataParallel(backend=args.backend))
        dist.init_process_group(args.backend)
        rank = dist.get_rank()
        dist.barrier()
        start = time.perf_counter()
        clf.fit(X, y)
        dist.barrier()
        seconds = time.perf_counter() - start
    if rank == 0:
        result = {
            "seconds": seconds,
            "sequences_per_second": len(X) * args.epochs / seconds,
            "accuracy": float(clf.score(X_test, y_test)),
            "steps_per_epoch": clf.history_[-1]["train_batch_count"],
        }
        Path(args.child).write_text(json.dumps(result))
    if not args.plain:
        dist.destroy_process_group()


def _gpus():
    """The GPUs this machine shows, in words (without importing torch here)."""
    try:
        names = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "no GPU"
    names = [name.strip() for name in names if name.strip()]
    return f"{len(names)} x {names[0]}" if names else "no GPU"


def run_row(processes, threads, args, plain=False):
    """One row's run, in fresh processes; its result dict."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        options = ["--child", str(out), "--threads", str(threads), "--epochs", str(args.epochs)]
        options += ["--backend", args.backend]
        options += ["--quick"] * args.quick + ["--plain"] * plain
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
        if plain:
            command = [sys.executable, str(Path(__file__).resolve()), *options]
        else:
            command = [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--standalone",
                f"--nproc_per_node={processes}",
                str(Path(__file__).resolve()),
                *options,
            ]
        subprocess.run(command, env=env, check=True, capture_output=not args.verbose)
        return json.loads(out.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--backend", choices=["gloo", "nccl"], default="gloo")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    counts = [int(n) for n in args.processes.split(",")]
    rows = [(f"DataParallel, {n} process{'es' * (n > 1)}", n, False) for n in counts]
    plain_device = "cuda" if args.backend == "nccl" else "cpu"
    rows.append(
        (f'device="{plain_device}", 1 process, {max(counts) * args.threads} threads', 1, True)
    )
    load = os.getloadavg()
    results = {name: [] for name, _, _ in rows}
    for repeat in range(args.repeats):
        for name, n, plain in rows:
            threads = max(counts) * args.threads if plain else args.threads
            result = run_row(n, threads, args, plain=plain)
            results[name].append(result)
            print(
                f"repeat {repeat + 1}: {name}: {result['seconds']:.1f} s, "
                f"{result['sequences_per_second']:.0f} seq/s, accuracy {result['accuracy']:.3f}",
                flush=True,
            )
    reference = statistics.median(r["sequences_per_second"] for r in results[rows[0][0]])
    lines = [
        f"Run: `python benchmarks/distributed.py --processes {args.processes} --threads "
        f"{args.threads} --backend {args.backend} --repeats {args.repeats}` on "
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}.",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{_gpus()}; {args.backend} backend; load average at start {load[0]:.1f}, {load[1]:.1f}, "
        f"{load[2]:.1f}. Median of {args.repeats} interleaved runs (min-max).",
        "",
        "| W1 fit, 2 epochs | threads per process | steps per epoch | seconds | "
        "sequences / s | ratio to 1 process | held-out accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, _, plain in rows:
        runs = results[name]
        seconds = [r["seconds"] for r in runs]
        speed = statistics.median(r["sequences_per_second"] for r in runs)
        threads = max(counts) * args.threads if plain else args.threads
        lines.append(
            f"| {name} | {threads} | {runs[0]['steps_per_epoch']} | "
            f"{statistics.median(seconds):.1f} ({min(seconds):.1f}-{max(seconds):.1f}) | "
            f"{speed:.0f} | {speed / reference:.2f}x | "
            f"{statistics.median(r['accuracy'] for r in runs):.3f} |"
        )
    table = "\n".join(lines)
    print(table)
    if not (args.no_readme or args.quick):
        from harness import replace_section

        replace_section(
            HERE / "scaling.md",
            START,
            END,
            table,
            "## Data-parallel training (`benchmarks/distributed.py`)\n",
        )


if __name__ == "__main__":
    main()
