"""End-to-end demo: ``python -m sklearn_rnn.demo``.

Runs, on real data shipped by installed packages, or generated (no download):

1. the headline: ``make_pipeline(SequenceScaler(), RNNClassifier())`` with
   default parameters on two real time-series sets shipped by sktime
   (GunPoint, BasicMotions), next to the simple models a data scientist
   tries first (1-nearest neighbour on the raw series, a random forest on
   summary features), printed as a table;
2. a ``CTCTranscriber`` reading lines of real handwritten digits;
3. a grid search over an ``RNNClassifier`` pipeline on variable-length
   sequences whose label is the *order* of two events, next to a linear model
   on time-averaged features (which cannot see order);
4. an ``RNNRegressor`` on an order-dependent regression target.

Prints held-out scores. Pass ``--quick`` for a smaller, faster run (the
headline on BasicMotions only).
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor
from sklearn_rnn.datasets import make_digit_lines, make_order_regression, make_order_task
from sklearn_rnn.metrics import character_error_rate

# The headline's sets: (name, what it is). Their scores with the same models
# over three seeds are in benchmarks/README.md (python benchmarks/quality.py).
REAL_SETS = [
    ("GunPoint", "hand motion, 1 channel x 150 steps, 50 train / 150 test"),
    ("BasicMotions", "smartwatch, 6 channels x 100 steps, 40 train / 40 test"),
]


def summary_features(X):
    """Per-channel mean, std, min, max, first and last value and slope."""
    rows = []
    for sequence in X:
        steps = np.arange(len(sequence), dtype=np.float64)
        centred = steps - steps.mean()
        slope = centred @ (sequence - sequence.mean(axis=0)) / float(centred @ centred)
        parts = [sequence.mean(0), sequence.std(0), sequence.min(0), sequence.max(0)]
        rows.append(np.concatenate([*parts, sequence[0], sequence[-1], slope]))
    return np.vstack(rows)


def _real_data(names):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_rnn.datasets import load_ucr
    from sklearn_rnn.preprocessing import SequenceScaler

    print("1. Real time series: default parameters next to the simple models tried first")
    try:
        data = {name: (*load_ucr(name, "train"), *load_ucr(name, "test")) for name in names}
    except ImportError as error:  # sktime ships the data; scripts/env.sh installs it
        print(f"   skipped: {error}")
        return
    rows = []
    for name, description in REAL_SETS:
        if name not in data:
            continue
        X_train, y_train, X_test, y_test = data[name]
        nearest = KNeighborsClassifier(n_neighbors=1, algorithm="brute")
        nearest.fit(X_train.reshape(len(X_train), -1), y_train)
        forest = RandomForestClassifier(n_estimators=500, random_state=0)
        forest.fit(summary_features(X_train), y_train)
        start = time.perf_counter()
        rnn = make_pipeline(SequenceScaler(), RNNClassifier(random_state=0)).fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        rows.append(
            (
                name,
                description,
                nearest.score(X_test.reshape(len(X_test), -1), y_test),
                forest.score(summary_features(X_test), y_test),
                rnn.score(X_test, y_test),
                elapsed,
            )
        )
    print("   test accuracy (the archive's own train/test split):")
    print(f"   {'data':<13} {'1-NN':>6} {'forest':>7} {'RNN':>6} {'RNN fit':>8}   what it is")
    for name, description, nearest, forest, rnn, elapsed in rows:
        print(
            f"   {name:<13} {nearest:>6.3f} {forest:>7.3f} {rnn:>6.3f} {elapsed:>7.0f}s   "
            f"{description}"
        )
    print(
        "   1-NN: nearest neighbour on the raw series; forest: random forest on per-channel\n"
        "   summary features; RNN: make_pipeline(SequenceScaler(), RNNClassifier()), defaults."
    )


def _time_averaged(X):
    return np.stack([x.mean(axis=0) for x in X])


def _classification(n_samples):
    from sklearn_rnn.preprocessing import SequenceScaler

    X, y = make_order_task(n_samples=n_samples, min_len=5, max_len=40, random_state=0)
    split = int(0.75 * len(X))
    X_train, y_train, X_test, y_test = X[:split], y[:split], X[split:], y[split:]
    pipe = make_pipeline(SequenceScaler(), RNNClassifier(random_state=0))
    # Two candidates and two folds (five fits with the refit) keep the demo
    # under about two minutes on two cores.
    search = GridSearchCV(pipe, {"rnnclassifier__cell": ["lstm", "gru"]}, cv=2)
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    linear = LogisticRegression().fit(_time_averaged(X_train), y_train)
    print("3. Which of two events comes first? (generated variable-length sequences)")
    print(f"   grid search best parameters: {search.best_params_} ({elapsed:.0f} s)")
    print(f"   RNNClassifier held-out accuracy:             {search.score(X_test, y_test):.3f}")
    print(
        "   LogisticRegression on time-averaged features: "
        f"{linear.score(_time_averaged(X_test), y_test):.3f}"
    )


def _regression(n_samples):
    X, y = make_order_regression(n_samples=n_samples, min_len=5, max_len=20, random_state=0)
    split = int(0.75 * len(X))
    reg = RNNRegressor(random_state=0).fit(X[:split], y[:split])
    linear = LinearRegression().fit(_time_averaged(X[:split]), y[:split])
    print("4. Value at the first event minus value at the second (generated, regression)")
    print(f"   RNNRegressor held-out R^2:                   {reg.score(X[split:], y[split:]):.3f}")
    print(
        "   LinearRegression on time-averaged features:   "
        f"{linear.score(_time_averaged(X[split:]), y[split:]):.3f}"
    )


def _transcription(n_samples):
    X, y = make_digit_lines(n_samples=n_samples, max_digits=4, random_state=0)
    X_test, y_test = make_digit_lines(n_samples=200, max_digits=4, subset="test", random_state=1)
    ctc = CTCTranscriber(random_state=0).fit(X, y)
    predicted = ctc.predict(X_test)
    print("2. Reading lines of real handwritten digits (CTC, unseen writers' digits)")
    print(f"   character error rate: {character_error_rate(y_test, predicted):.3f}")
    for truth, guess in list(zip(y_test, predicted))[:5]:
        print(f"   truth {truth:>5}   predicted {guess:>5}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, faster run")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (default 1, see below)"
    )
    args = parser.parse_args(argv)
    # The demo's networks are small: one torch thread trains them about as
    # fast as two on a 2-core machine, and many times faster when other
    # processes compete for the cores (waiting OpenMP threads spin): on a
    # busy 2-core machine the GunPoint fit took 20 s with one thread and
    # several minutes with two.
    import torch

    torch.set_num_threads(args.threads)
    print(f"(torch uses {args.threads} thread{'s' if args.threads > 1 else ''}; --threads N)")
    scale = 0.4 if args.quick else 1.0
    start = time.perf_counter()
    _real_data(["BasicMotions"] if args.quick else [name for name, _ in REAL_SETS])
    _transcription(int(1000 * scale))
    _classification(int(800 * scale))
    _regression(int(1000 * scale))
    print(f"Total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
