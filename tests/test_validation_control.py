"""A user-supplied validation set (fit(..., X_val, y_val)) and per-epoch scoring."""

import numpy as np
import pytest
import sklearn
from sklearn.pipeline import make_pipeline

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor
from sklearn_rnn.datasets import make_digit_lines
from sklearn_rnn.preprocessing import SequenceScaler

FAST = {"hidden_size": 8, "max_epochs": 6, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def split():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 12), 3).astype(np.float32) for _ in range(100)]
    y = np.array(["up" if x[-1, 0] > 0 else "down" for x in X])
    return X[:70], y[:70], X[70:], y[70:]


def test_given_validation_set_is_scored_each_epoch_and_drives_early_stopping(split):
    X, y, X_val, y_val = split
    clf = RNNClassifier(**FAST, scoring="accuracy").fit(X, y, X_val=X_val, y_val=y_val)
    history = clf.history_
    assert "early_stopping" in dict(clf.net_.callbacks_)  # "auto" turns it on with X_val
    scores = [row["valid_score"] for row in history]
    assert len(scores) == len(history) and all(0.0 <= s <= 1.0 for s in scores)
    # The kept weights are those of the best epoch by that score.
    assert clf.score(X_val, y_val) == pytest.approx(max(scores))
    # Trained on all of X: nothing held out.
    assert clf.net_.history[-1]["batches"][0]["train_batch_size"] > 0
    n_train = sum(b["train_batch_size"] for b in history[-1]["batches"] if "train_batch_size" in b)
    assert n_train == len(X)


def test_without_scoring_only_the_loss_is_recorded(split):
    X, y, X_val, y_val = split
    clf = RNNClassifier(**FAST, early_stopping=False).fit(X, y, X_val=X_val, y_val=y_val)
    assert all("valid_loss" in row and "valid_score" not in row for row in clf.history_)
    assert "early_stopping" not in dict(clf.net_.callbacks_)


@pytest.mark.parametrize(
    "estimator, make_y",
    [
        (RNNClassifier(**FAST, scoring=None, early_stopping=True), lambda X: np.arange(len(X)) % 2),
        (RNNRegressor(**FAST, scoring="r2", early_stopping=True), lambda X: [x[-1, 0] for x in X]),
    ],
    ids=["classifier-score", "regressor-r2"],
)
def test_held_out_fraction_is_scored_too(split, estimator, make_y):
    X, _, _, _ = split
    fitted = estimator.fit(X, make_y(X))
    assert all(np.isfinite(row["valid_score"]) for row in fitted.history_)


def test_transcriber_scores_one_minus_cer_per_epoch():
    X, y = make_digit_lines(n_samples=60, max_digits=3, random_state=0)
    ctc = CTCTranscriber(**FAST, scoring=None).fit(X[:45], y[:45], X_val=X[45:], y_val=y[45:])
    assert all(row["valid_score"] <= 1.0 for row in ctc.history_)
    assert ctc.score(X[45:], y[45:]) == pytest.approx(max(r["valid_score"] for r in ctc.history_))


def test_validation_set_reaches_the_estimator_through_a_pipeline(split):
    X, y, X_val, y_val = split
    with sklearn.config_context(enable_metadata_routing=True):
        clf = RNNClassifier(**FAST).set_fit_request(X_val=True, y_val=True)
        pipe = make_pipeline(SequenceScaler(), clf).fit(X, y, X_val=X_val, y_val=y_val)
    assert all("valid_loss" in row for row in pipe[-1].history_)


def test_bad_validation_arguments(split):
    X, y, X_val, y_val = split
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        RNNClassifier(**FAST).fit(X, y, X_val=X_val)
    with pytest.raises(ValueError, match="features"):
        RNNClassifier(**FAST).fit(X, y, X_val=[x[:, :2] for x in X_val], y_val=y_val)
    with pytest.raises(ValueError, match="not among the classes"):
        RNNClassifier(**FAST).fit(X, y, X_val=X_val, y_val=np.full(len(X_val), "sideways"))


def test_early_stopping_is_not_taken_for_an_interruption(split, recwarn):
    """skorch's EarlyStopping ends training by raising KeyboardInterrupt; that
    must not be reported as Ctrl-C (no warning, no 'interrupted' in history_)."""
    X, y, _, _ = split
    clf = RNNClassifier(
        **{**FAST, "max_epochs": 30}, early_stopping=True, n_iter_no_change=1, tol=1.0
    )
    clf.fit(X, y)
    assert len(clf.history_) < 30  # it did stop early
    assert not any("interrupted" in row for row in clf.history_)
    assert not [w for w in recwarn if "interrupted" in str(w.message)]
