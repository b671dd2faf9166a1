"""End-to-end demo: ``python -m sklearn_rnn.demo``.

Runs, on data that ships with scikit-learn or is generated (no download):

1. a grid search over an ``RNNClassifier`` pipeline on variable-length
   sequences whose label is the *order* of two events, next to a linear model
   on time-averaged features (which cannot see order);
2. an ``RNNRegressor`` on an order-dependent regression target;
3. a ``CTCTranscriber`` reading lines of real handwritten digits.

Prints held-out scores. Pass ``--quick`` for a smaller, faster run.
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


def _time_averaged(X):
    return np.stack([x.mean(axis=0) for x in X])


def _classification(n_samples):
    from sklearn_rnn.preprocessing import SequenceScaler

    X, y = make_order_task(n_samples=n_samples, min_len=5, max_len=40, random_state=0)
    split = int(0.75 * len(X))
    X_train, y_train, X_test, y_test = X[:split], y[:split], X[split:], y[split:]
    pipe = make_pipeline(SequenceScaler(), RNNClassifier(random_state=0))
    search = GridSearchCV(
        pipe,
        {"rnnclassifier__cell": ["lstm", "gru"], "rnnclassifier__hidden_size": [32, 64]},
        cv=3,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    linear = LogisticRegression().fit(_time_averaged(X_train), y_train)
    print("1. Which of two events comes first? (variable-length sequences)")
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
    print("2. Value at the first event minus value at the second (regression)")
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
    print("3. Reading lines of handwritten digits (CTC, unseen writers' digits)")
    print(f"   character error rate: {character_error_rate(y_test, predicted):.3f}")
    for truth, guess in list(zip(y_test, predicted))[:5]:
        print(f"   truth {truth:>5}   predicted {guess:>5}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, faster run")
    args = parser.parse_args(argv)
    scale = 0.4 if args.quick else 1.0
    _classification(int(800 * scale))
    _regression(int(1000 * scale))
    _transcription(int(1000 * scale))


if __name__ == "__main__":
    main()
