"""Streaming fit: one epoch over 10,000,000 short sequences on disk, in bounded memory.

Three steps, each in its own fresh interpreter so that each peak resident
set size (``ru_maxrss`` of ``resource.getrusage``) is that step's alone:

1. **write**: generate the sequences a chunk at a time (lengths uniform in
   5..15, 2 float32 features; the class is the sign of feature 1's sum over
   the sequence's second half) into a :class:`sklearn_rnn.streaming.
   SequenceStore` in a temporary directory;
2. **stream**: ``fit_stream(clf, store, epochs=1, chunk_size=...)``, one
   epoch of ``partial_fit`` over the store's chunks in random order;
3. **in memory**: the reference, ``clf.fit(X, y)`` for one epoch on the
   store's first ``--reference-n`` sequences read into memory (the whole
   store would fit in this machine's memory too, but a subset is what a
   reference on larger data could afford; throughput is compared as
   sequences per second). It runs before and after the streamed epoch, and
   the ratio is to the mean of both, so that a change in the machine's load
   during the run weighs on both sides.

The classifier is the same in both: ``RNNClassifier(hidden_size=32,
batch_size=256, lr_schedule="constant", early_stopping=False, frontend=None,
random_state=0)`` (what ``partial_fit`` runs: no schedule, no validation
split). The held-out accuracy (on 100,000 sequences generated apart) is a
sanity check.

Usage (from the repository root)::

    python benchmarks/streaming.py                    # 10,000,000 sequences (~10 min on 2 cores)
    python benchmarks/streaming.py --n 1000000 --no-readme

Unless ``--no-readme``, the table goes between the markers of
``benchmarks/scaling.md``.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
START = "<!-- streaming-results:start -->"
END = "<!-- streaming-results:end -->"
MODEL = dict(
    hidden_size=32,
    batch_size=256,
    lr_schedule="constant",
    early_stopping=False,
    frontend=None,
    max_epochs=1,
    random_state=0,
    device="cpu",
)


def make_chunk(n, seed):
    """``n`` sequences as flat ``Sequences`` and their labels (vectorised)."""
    from sklearn_rnn import Sequences

    rng = np.random.default_rng(seed)
    lengths = rng.integers(5, 16, n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = rng.standard_normal((int(offsets[-1]), 2), dtype=np.float32)
    half = offsets[:-1] + lengths // 2
    cumulative = np.concatenate([[0.0], np.cumsum(data[:, 1], dtype=np.float64)])
    second_half = cumulative[offsets[1:]] - cumulative[half]
    return Sequences(data, offsets), (second_half > 0).astype(np.int64)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_write(args):
    from sklearn_rnn.streaming import SequenceStore

    start = time.perf_counter()
    chunk = 1_000_000
    store = SequenceStore.create(
        args.store,
        (make_chunk(min(chunk, args.n - i), seed=i // chunk) for i in range(0, args.n, chunk)),
    )
    size = sum(f.stat().st_size for f in Path(args.store).iterdir())
    return {
        "seconds": time.perf_counter() - start,
        "sequences": len(store),
        "bytes": size,
        "peak_rss_mb": peak_rss_mb(),
    }


def _held_out_accuracy(clf):
    X, y = make_chunk(100_000, seed=10**6)
    return float(clf.score(X, y))


def step_stream(args):
    import torch

    from sklearn_rnn import RNNClassifier
    from sklearn_rnn.streaming import SequenceStore, fit_stream

    torch.set_num_threads(args.threads)
    store = SequenceStore(args.store)
    clf = RNNClassifier(**MODEL)
    start = time.perf_counter()
    fit_stream(clf, store, epochs=1, chunk_size=args.chunk_size, random_state=0)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()  # before scoring, which holds the held-out set
    return {
        "seconds": seconds,
        "sequences": len(store),
        "sequences_per_second": len(store) / seconds,
        "peak_rss_mb": peak,
        "accuracy": _held_out_accuracy(clf),
    }


def step_memory(args):
    import torch

    from sklearn_rnn import RNNClassifier
    from sklearn_rnn.streaming import SequenceStore

    torch.set_num_threads(args.threads)
    store = SequenceStore(args.store)
    n = min(args.reference_n, len(store))
    X, y = store.read(0, n)
    clf = RNNClassifier(**MODEL)
    start = time.perf_counter()
    clf.fit(X, y)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "sequences": n,
        "sequences_per_second": n / seconds,
        "peak_rss_mb": peak_rss_mb(),
        "accuracy": _held_out_accuracy(clf),
    }


STEPS = {"write": step_write, "stream": step_stream, "memory": step_memory}


def run_step(name, args, store):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--step",
            name,
            "--store",
            str(store),
            "--result",
            str(out),
            "--n",
            str(args.n),
            "--reference-n",
            str(args.reference_n),
            "--chunk-size",
            str(args.chunk_size),
            "--threads",
            str(args.threads),
        ]
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
        subprocess.run(command, env=env, check=True)
        result = json.loads(out.read_text())
    print(f"{name}: {result}", flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="sequences in the store")
    parser.add_argument("--reference-n", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        result = STEPS[args.step](args)
        Path(args.result).write_text(json.dumps(result))
        return
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sklearn_rnn-streaming-") as tmp:
        store = Path(tmp) / "store"
        written = run_step("write", args, store)
        before = run_step("memory", args, store)
        streamed = run_step("stream", args, store)
        after = run_step("memory", args, store)
    reference = (before["sequences_per_second"] + after["sequences_per_second"]) / 2
    ratio = streamed["sequences_per_second"] / reference
    command = "python benchmarks/streaming.py" + (f" --n {args.n}" if args.n != 10_000_000 else "")
    lines = [
        f"Run: `{command}` (chunks of {args.chunk_size:,}, in-memory reference on the first "
        f"{min(args.reference_n, args.n):,}, {args.threads} torch thread) on "
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}.",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; load "
        f"average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}. The store: "
        f"{written['sequences']:,} sequences, {written['bytes'] / 2**30:.2f} GiB on disk, "
        f"written in {written['seconds']:.0f} s (peak RSS {written['peak_rss_mb']:.0f} MB).",
        "",
        "| one epoch | sequences | seconds | sequences / s | ratio to in memory (mean) | "
        "peak RSS (MB) | held-out accuracy |",
        "|---|---|---|---|---|---|---|",
        f"| `fit_stream` from disk | {streamed['sequences']:,} | {streamed['seconds']:.0f} | "
        f"{streamed['sequences_per_second']:,.0f} | **{ratio:.2f}x** | "
        f"{streamed['peak_rss_mb']:.0f} | {streamed['accuracy']:.3f} |",
    ]
    for name, result in (("before", before), ("after", after)):
        lines.append(
            f"| `fit` in memory, {name} | {result['sequences']:,} | {result['seconds']:.0f} | "
            f"{result['sequences_per_second']:,.0f} | "
            f"{result['sequences_per_second'] / reference:.2f}x | "
            f"{result['peak_rss_mb']:.0f} | {result['accuracy']:.3f} |"
        )
    table = "\n".join(lines)
    print(table)
    if not args.no_readme:
        sys.path.insert(0, str(HERE))
        from harness import replace_section

        replace_section(
            HERE / "scaling.md",
            START,
            END,
            table,
            "## Streaming fit from disk (`benchmarks/streaming.py`)\n",
        )


if __name__ == "__main__":
    main()
