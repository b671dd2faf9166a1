"""Peak memory of predicting on 1,000,000 short sequences, against the data's own size.

``RNNClassifier.predict_proba`` pads one batch at a time and writes every
batch's output into one preallocated array, so the memory a prediction needs
beyond its input should stay bounded: a few batches and the output, whatever
the number of samples. This script measures it next to two references that
run the very same fitted network (``clf.net_.module_``):

- ``package, list``: ``clf.predict_proba(X)`` on a list of per-sample arrays,
  the form users pass (validation copies the samples into one flat array
  first, which counts);
- ``package, Sequences``: ``clf.predict_proba(Sequences(...))``, the flat
  form validated once beforehand (the copy is then outside the measurement);
- ``torch loop, per-batch padding``: the hand-written loop a careful PyTorch
  user writes: batches of 1,024 in length order, each padded on its own, the
  outputs written into a preallocated array;
- ``plain skorch``: ``NeuralNet.predict_proba`` on the whole data padded up
  front into one ``(n, T_max, n_features)`` tensor, the way skorch's
  documentation feeds sequences.

Each method runs in its own fresh interpreter. The data (lengths uniform in
5..20, 4 features, float32) and a small LSTM classifier (16 units, fitted
for one epoch on the first 2,000 samples, seed 0) are built first; the
resident set size (``VmRSS``) is then sampled every 2 ms during the one
prediction call, and the peak minus the size just before the call is the
call's extra memory. Ratios are to the data's own size (the float32 values
of every step), the quantity that grows with the data.

Usage (from the repository root)::

    python benchmarks/memory.py                  # 1,000,000 sequences (~3 min on 2 cores)
    python benchmarks/memory.py --n 100000       # a smaller run
    python benchmarks/memory.py --no-readme      # print only

Results go to ``benchmarks/results/memory-*.json`` and, unless ``--no-readme``,
into the table between the markers of ``benchmarks/scaling.md``.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
README = HERE / "scaling.md"
BEGIN, END = "<!-- memory-results:start -->", "<!-- memory-results:end -->"
METHODS = {
    "package_list": "package, list of arrays",
    "package_sequences": "package, Sequences",
    "torch_loop": "torch loop, per-batch padding",
    "skorch_padded": "plain skorch, padded up front",
}
N_FEATURES, BATCH = 4, 1024


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS is not available (Linux only)")


class _PeakSampler(threading.Thread):
    """The largest resident set size seen while running."""

    def __init__(self, interval=0.002):
        super().__init__(daemon=True)
        self.interval, self.peak, self.running = interval, _rss_mb(), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, _rss_mb())
            time.sleep(self.interval)

    def stop(self):
        self.running = False
        self.join()
        self.peak = max(self.peak, _rss_mb())
        return self.peak


def _data(n):
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 21, size=n)
    flat = rng.normal(size=(int(lengths.sum()), N_FEATURES)).astype(np.float32)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return flat, offsets, lengths


def _torch_loop(module, flat, offsets, lengths):
    """Length-ordered batches, each padded on its own; one preallocated output."""
    import torch

    order = np.argsort(lengths, kind="stable")
    out = None
    with torch.inference_mode():
        for start in range(0, len(order), BATCH):
            index = order[start : start + BATCH]
            t_max = int(lengths[index].max())
            x = np.zeros((len(index), t_max, N_FEATURES), dtype=np.float32)
            for row, i in enumerate(index):
                x[row, : lengths[i]] = flat[offsets[i] : offsets[i + 1]]
            logits = module(torch.from_numpy(x), torch.from_numpy(lengths[index])).double()
            proba = torch.softmax(logits, dim=1).numpy()
            if out is None:
                out = np.empty((len(order), proba.shape[1]))
            out[index] = proba
    return out


def _skorch_padded(module, flat, offsets, lengths):
    """Plain skorch: the whole data padded into one tensor, then predict_proba."""
    import torch
    from skorch import NeuralNet

    x = np.zeros((len(lengths), int(lengths.max()), N_FEATURES), dtype=np.float32)
    for i in range(len(lengths)):
        x[i, : lengths[i]] = flat[offsets[i] : offsets[i + 1]]

    class Softmax(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x, lengths):
            return torch.softmax(self.inner(x, lengths), dim=1)

    net = NeuralNet(
        Softmax(module), criterion=torch.nn.NLLLoss, batch_size=BATCH, device="cpu"
    ).initialize()
    return net.predict_proba({"x": torch.from_numpy(x), "lengths": torch.from_numpy(lengths)})


def child(method, n, threads):
    import torch

    from sklearn_rnn import RNNClassifier, Sequences

    torch.set_num_threads(threads)
    flat, offsets, lengths = _data(n)
    samples = [flat[offsets[i] : offsets[i + 1]] for i in range(n)]
    y = (flat[offsets[:-1], 0] > 0).astype(int)
    fit_n = min(2000, n)
    clf = RNNClassifier(hidden_size=16, max_epochs=1, random_state=0, device="cpu", frontend=None)
    clf.fit(samples[:fit_n], y[:fit_n])
    module = clf.net_.module_.eval()
    data_mb = flat.nbytes / 2**20
    if method == "package_sequences":
        X = Sequences(flat, offsets)
    elif method == "package_list":
        X = samples
    calls = {
        "package_list": lambda: clf.predict_proba(X),
        "package_sequences": lambda: clf.predict_proba(X),
        "torch_loop": lambda: _torch_loop(module, flat, offsets, lengths),
        "skorch_padded": lambda: _skorch_padded(module, flat, offsets, lengths),
    }
    reference = clf.predict_proba(samples[:fit_n])  # also warms the kernels up
    before = _rss_mb()
    sampler = _PeakSampler()
    sampler.start()
    start = time.perf_counter()
    proba = calls[method]()
    seconds = time.perf_counter() - start
    peak = sampler.stop()
    # Every method computes the same probabilities (float32 network).
    np.testing.assert_allclose(proba[:fit_n], reference, rtol=1e-4, atol=1e-5)
    return {
        "method": method,
        "n": n,
        "data_mb": data_mb,
        "output_mb": proba.nbytes / 2**20,
        "rss_before_mb": before,
        "peak_extra_mb": peak - before,
        "seconds": seconds,
    }


def _table(records, info):
    by = {r["method"]: r for r in records}
    loop = by.get("torch_loop")
    lines = [
        f"Command: `python benchmarks/memory.py --n {records[0]['n']} --threads "
        f"{info['torch_threads']}`"
        + (" with `OMP_WAIT_POLICY=PASSIVE`" if os.environ.get("OMP_WAIT_POLICY") else "")
        + f". Machine: {info['cpu']}, "
        f"{info['cores']} cores, torch {info['torch']} ({info['torch_threads']} threads), "
        f"{info['date'][:10]}. Data: {records[0]['n']:,} sequences, "
        f"{records[0]['data_mb']:.0f} MiB of float32 values; output "
        f"{records[0]['output_mb']:.0f} MiB.",
        "",
        "| method | peak extra memory (MiB) | extra / data size | extra / torch loop's | "
        "predict time (s) | time / torch loop's |",
        "|---|---|---|---|---|---|",
    ]
    for method, label in METHODS.items():
        r = by.get(method)
        if r is None:
            continue
        lines.append(
            f"| {label} | {r['peak_extra_mb']:.0f} | {r['peak_extra_mb'] / r['data_mb']:.2f} | "
            + (f"{r['peak_extra_mb'] / loop['peak_extra_mb']:.2f}" if loop else "-")
            + f" | {r['seconds']:.1f} | "
            + (f"{r['seconds'] / loop['seconds']:.2f}" if loop else "-")
            + " |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.n, args.threads)))
        return
    sys.path.insert(0, str(HERE))
    from harness import machine_info

    info = machine_info(args.threads, "cpu")
    records = []
    for method in args.methods.split(","):
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                method,
                "--n",
                str(args.n),
                "--threads",
                str(args.threads),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            sys.exit(f"{method} failed:\n{result.stderr[-3000:]}")
        records.append(json.loads(result.stdout.strip().splitlines()[-1]))
        print(json.dumps(records[-1]))
    table = _table(records, info)
    print(table)
    out = HERE / "results" / f"memory-{info['date'][:10]}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": info, "records": records}, indent=1))
    if not args.no_readme:
        from harness import replace_section

        intro = "## Memory: predicting on 1,000,000 sequences (`benchmarks/memory.py`)\n"
        replace_section(README, BEGIN, END, table, intro)


if __name__ == "__main__":
    main()
