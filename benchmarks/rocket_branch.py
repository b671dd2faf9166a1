"""The speed of RocketBranch's features against sktime's MiniRocket, in one run.

Usage (from the repository root)::

    python benchmarks/rocket_branch.py --threads 1
    python benchmarks/rocket_branch.py --threads 1 --shapes pigcvp --repeats 1

For each shape (random walks shaped as a quality set's training series:
PigCVP's 104 univariate series of 2,000 steps, PLAID's 537 of 100 to 1,344,
OSULeaf's 200 of 427, FingerMovements' 316 of 28 channels x 50 steps), in
one process at ``--threads`` torch (and numba) threads:

- ``MiniRocketBranch.fit`` (its biases, then every training series'
  features and their scaling: what a fit computes once) and
  ``MiniRocketBranch.raw_features`` of the same series (what a prediction
  computes), at the default 9,996 features;
- sktime's ``MiniRocketMultivariateVariable`` (default settings, 9,996
  features) ``fit`` and ``transform`` on the same series, after a warm-up
  that compiles numba's kernels.

Each figure is the best of ``--repeats`` runs; the ratios (branch / sktime)
are what to compare across machines, the seconds follow the machine's load
(printed with them).

``--fits SET[,SET]`` also fits, on each quality set named (``quality.py``'s
loaders), the default model of its task and the same with
``bag=RocketBranch()`` (``random_state=0``, the full training budget), one
after the other in this process, and prints both fit times, their ratio and
both scores: the cost of the branch in a whole fit. Nothing is written to
``benchmarks/README.md``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCHMARKS_DIR), str(BENCHMARKS_DIR.parent)]

#: name -> (series, channels, shortest length, longest length)
SHAPES = {
    "pigcvp": (104, 1, 2000, 2000),
    "plaid": (537, 1, 100, 1344),
    "osuleaf": (200, 1, 427, 427),
    "fingermovements": (316, 28, 50, 50),
}


def make_series(shape, seed=0):
    """Random walks of the shape's sizes: a list of ``(length, channels)`` arrays."""
    import numpy as np

    n, channels, shortest, longest = SHAPES[shape]
    rng = np.random.default_rng(seed)
    lengths = rng.integers(shortest, longest + 1, n)
    lengths[0] = longest
    return [rng.standard_normal((int(m), channels)).cumsum(0).astype(np.float32) for m in lengths]


def _best(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def time_branch(series, repeats):
    """``{fit_s, transform_s}`` of MiniRocketBranch on the series."""
    import numpy as np
    import torch

    from sklearn_rnn.nn import MiniRocketBranch

    lengths = np.array([len(s) for s in series])
    channels = series[0].shape[1]

    def batches(indices):
        indices = np.asarray(indices)
        out = np.zeros((len(indices), lengths[indices].max(), channels), np.float32)
        for row, i in enumerate(indices):
            out[row, : lengths[i]] = series[i]
        return torch.from_numpy(out), torch.from_numpy(lengths[indices])

    branch = MiniRocketBranch(channels, int(lengths.max()))
    fit_s = _best(lambda: branch.fit(batches, lengths), repeats)
    transform_s = _best(lambda: branch.raw_features(batches, lengths), repeats)
    return {"fit_s": fit_s, "transform_s": transform_s}


def time_sktime(series, repeats):
    """``{fit_s, transform_s}`` of sktime's MiniRocketMultivariateVariable."""
    import numpy as np
    import pandas as pd
    from sktime.transformations.panel.rocket import MiniRocketMultivariateVariable

    def nested(data):
        channels = data[0].shape[1]
        return pd.DataFrame(
            {
                f"dim_{c}": [pd.Series(s[:, c].astype(np.float64)) for s in data]
                for c in range(channels)
            }
        )

    frame = nested(series)
    warm = nested([np.random.default_rng(1).standard_normal((30, series[0].shape[1]))] * 3)
    MiniRocketMultivariateVariable(random_state=0).fit(warm).transform(warm)  # numba compiles
    transform = MiniRocketMultivariateVariable(random_state=0)
    fit_s = _best(lambda: transform.fit(frame), repeats)
    transform_s = _best(lambda: transform.transform(frame), repeats)
    return {"fit_s": fit_s, "transform_s": transform_s}


def time_fits(name, seed=0):
    """``{defaults_s, rocket_s, ratio, defaults_score, rocket_score}`` on a quality set."""
    import quality

    entry = quality.ENTRIES_BY_NAME[name.lower()]
    data = entry.load()
    row = {"set": entry.name, "load_1min": [os.getloadavg()[0]]}
    for key, params in (("defaults", None), ("rocket", {"bag": {"RocketBranch": {}}})):
        run = quality.fit_default(entry, data, seed, params=params, log=lambda *_: None)
        row[f"{key}_s"], row[f"{key}_score"] = run["fit_s"], run["score"]
        row[f"{key}_predict_s"] = run["predict_s"]
    row["ratio"] = row["rocket_s"] / row["defaults_s"]
    row["load_1min"].append(os.getloadavg()[0])
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch and numba threads")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shapes")
    parser.add_argument("--repeats", type=int, default=2, help="runs per figure (the best is kept)")
    parser.add_argument(
        "--fits", default="", help="quality sets to fit with and without the branch"
    )
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    rows = []
    for shape in filter(None, args.shapes.split(",")):
        series = make_series(shape)
        load = os.getloadavg()[0]
        branch = time_branch(series, args.repeats)
        theirs = time_sktime(series, args.repeats)
        row = {
            "shape": shape,
            "branch": branch,
            "sktime": theirs,
            "transform_ratio": branch["transform_s"] / theirs["transform_s"],
            # The branch's fit computes the training features too; sktime's
            # fit does not: compare it with sktime's fit + transform.
            "fit_ratio": branch["fit_s"] / (theirs["fit_s"] + theirs["transform_s"]),
            "load_1min": [load, os.getloadavg()[0]],
        }
        rows.append(row)
        print(
            f"{shape}: branch fit {branch['fit_s']:.2f} s, transform {branch['transform_s']:.2f} s; "
            f"sktime fit {theirs['fit_s']:.2f} s, transform {theirs['transform_s']:.2f} s; "
            f"transform x{row['transform_ratio']:.2f}, fit (with features) x{row['fit_ratio']:.2f} "
            f"(load {row['load_1min'][0]:.1f}-{row['load_1min'][1]:.1f})",
            flush=True,
        )
    for name in filter(None, args.fits.split(",")):
        row = time_fits(name)
        rows.append(row)
        print(
            f"{row['set']}: fit {row['defaults_s']:.1f} s (defaults, score "
            f"{row['defaults_score']:.4g}), {row['rocket_s']:.1f} s (RocketBranch, score "
            f"{row['rocket_score']:.4g}): x{row['ratio']:.2f}; predict {row['defaults_predict_s']:.1f} "
            f"/ {row['rocket_predict_s']:.1f} s (load {row['load_1min'][0]:.1f}-{row['load_1min'][1]:.1f})",
            flush=True,
        )
    print(json.dumps(rows))
    return rows


if __name__ == "__main__":
    main()
