"""sklearn_rnn.plotting: what the displays draw, their errors, matplotlib optional."""

import importlib
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from skorch.callbacks import EarlyStopping, EpochScoring

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor
from sklearn_rnn.datasets import make_digit_lines, make_order_regression, make_order_task
from sklearn_rnn.plotting import CTCAlignmentDisplay, TrainingCurveDisplay
from sklearn_rnn.preprocessing import SequenceScaler

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

TINY = dict(hidden_size=8, max_epochs=3, random_state=0, device="cpu")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _valid_accuracy(net, X, y):
    """Accuracy on the validation split (the net's raw outputs are logits)."""
    return float(np.mean(net.predict(X).argmax(axis=1) == np.asarray(y)))


@pytest.fixture(scope="module")
def order_data():
    return make_order_task(n_samples=120, min_len=4, max_len=12, random_state=0)


@pytest.fixture(scope="module")
def classifier_with_score(order_data):
    """Early stopping (validation loss) and a per-epoch validation accuracy."""
    X, y = order_data
    callback = EpochScoring(_valid_accuracy, lower_is_better=False, name="valid_acc")
    return RNNClassifier(early_stopping=True, callbacks=[("valid_acc", callback)], **TINY).fit(X, y)


@pytest.fixture(scope="module")
def transcriber():
    X, y = make_digit_lines(n_samples=40, max_digits=3, random_state=0)
    return CTCTranscriber(**TINY).fit(X, y), X


def _column(history, key):
    return np.array([row[key] for row in history], dtype=float)


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --- TrainingCurveDisplay ---------------------------------------------------------


def test_training_curve_marks_the_best_epoch_a_small_regression_set_keeps():
    X, y = make_order_regression(n_samples=60, max_len=10, random_state=0)
    reg = RNNRegressor(**{**TINY, "max_epochs": 6}).fit(X, y)  # "auto": best-epoch selection
    display = TrainingCurveDisplay.from_estimator(reg)
    valid = _column(reg.history_, "valid_loss")
    assert set(display.lines_) == {"train_loss", "valid_loss"} and len(valid) == 6
    assert display.kept_epoch == int(np.argmin(valid)) + 1 < 6  # not the last epoch


def test_training_curve_without_validation_shows_train_loss_and_last_epoch():
    X, y = make_order_regression(n_samples=60, max_len=10, random_state=0)
    # (From 50 samples the regressor's "auto" holds out a validation set.)
    reg = RNNRegressor(**TINY, early_stopping=False).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(reg)

    assert isinstance(display, TrainingCurveDisplay)
    assert set(display.lines_) == {"train_loss"}
    line = display.lines_["train_loss"]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(line.get_ydata(), _column(reg.history_, "train_loss"))
    assert display.score_ax_ is None
    # No early stopping: the fitted weights are the last epoch's.
    assert display.kept_epoch == 3
    np.testing.assert_array_equal(display.kept_line_.get_xdata(), [3, 3])
    np.testing.assert_allclose(display.kept_marker_.get_xdata(), [3])
    np.testing.assert_allclose(display.kept_marker_.get_ydata(), [reg.history_[-1]["train_loss"]])
    assert _legend_texts(display.ax_) == ["train loss", "kept weights (epoch 3)"]
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_title() == "Training of RNNRegressor"


def test_training_curve_with_validation_loss_and_score(classifier_with_score):
    clf = classifier_with_score
    history = clf.history_
    display = TrainingCurveDisplay.from_estimator(clf)

    assert set(display.lines_) == {"train_loss", "valid_loss", "score"}
    epochs = _column(history, "epoch")
    for key, name in [("train_loss", "train_loss"), ("valid_loss", "valid_loss")]:
        np.testing.assert_array_equal(display.lines_[key].get_xdata(), epochs)
        np.testing.assert_allclose(display.lines_[key].get_ydata(), _column(history, name))
    # The score sits on its own (twin) y-axis.
    assert display.score_name == "valid_acc"
    assert display.lines_["score"].axes is display.score_ax_
    assert display.score_ax_ is not display.ax_
    assert display.score_ax_.get_ylabel() == "valid_acc"
    np.testing.assert_allclose(display.lines_["score"].get_ydata(), _column(history, "valid_acc"))
    # Kept weights: early stopping restores its best epoch, the last one whose
    # validation loss was a new best.
    early_stopping = dict(clf.net_.callbacks_)["early_stopping"]
    best = max(row["epoch"] for row in history if row["valid_loss_best"])
    assert display.kept_epoch == early_stopping.best_epoch_ == best
    position = list(epochs).index(best)
    np.testing.assert_allclose(display.kept_marker_.get_xdata(), [best])
    np.testing.assert_allclose(display.kept_marker_.get_ydata(), [history[position]["valid_loss"]])
    assert _legend_texts(display.ax_) == [
        "train loss",
        "validation loss",
        f"kept weights (epoch {best})",
        "valid_acc",
    ]


def test_training_curve_marks_the_restored_epoch_not_the_last(classifier_with_score, monkeypatch):
    """When early stopping restored an earlier epoch, that epoch is marked."""
    clf = classifier_with_score
    early_stopping = dict(clf.net_.callbacks_)["early_stopping"]
    assert isinstance(early_stopping, EarlyStopping) and early_stopping.load_best
    monkeypatch.setattr(early_stopping, "best_epoch_", 2)
    display = TrainingCurveDisplay.from_estimator(clf)
    assert display.kept_epoch == 2
    np.testing.assert_allclose(display.kept_marker_.get_xdata(), [2])
    np.testing.assert_allclose(display.kept_marker_.get_ydata(), [clf.history_[1]["valid_loss"]])
    assert "kept weights (epoch 2)" in _legend_texts(display.ax_)


def test_training_curve_score_choice(classifier_with_score):
    clf = classifier_with_score
    assert "score" not in TrainingCurveDisplay.from_estimator(clf, score=None).lines_
    display = TrainingCurveDisplay.from_estimator(clf, score="valid_acc")
    assert display.score_name == "valid_acc"
    with pytest.raises(ValueError, match="'valid_f1' is not a key of the history.*valid_acc"):
        TrainingCurveDisplay.from_estimator(clf, score="valid_f1")


def test_training_curve_ignores_bookkeeping_keys(order_data):
    """Batch counts, durations and the scheduler's learning rate are not scores."""
    from skorch.callbacks import LRScheduler

    X, y = order_data
    clf = RNNClassifier(
        early_stopping=True,
        callbacks=[("lr", LRScheduler("StepLR", step_size=1, gamma=0.5))],
        **TINY,
    ).fit(X, y)
    assert "event_lr" in clf.history_[-1] and "valid_batch_count" in clf.history_[-1]
    display = TrainingCurveDisplay.from_estimator(clf)
    assert display.score_ax_ is None and "score" not in display.lines_


def test_training_curve_on_given_axes_and_pipeline(order_data):
    X, y = order_data
    pipeline = make_pipeline(SequenceScaler(), RNNClassifier(**TINY)).fit(X, y)
    _, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(
        pipeline, ax=ax, train_kw={"color": "red", "label": "fit"}, logy=True
    )
    assert display.ax_ is ax
    assert display.lines_["train_loss"].get_color() == "red"
    assert display.lines_["train_loss"].get_label() == "fit"
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(
        display.lines_["train_loss"].get_ydata(), _column(pipeline[-1].history_, "train_loss")
    )


def test_training_curve_plot_from_data_and_bad_kept_epoch():
    display = TrainingCurveDisplay(
        epochs=[1, 2, 3], train_loss=[3.0, 2.0, 1.0], valid_loss=[3.5, 2.5, 2.7], kept_epoch=2
    ).plot()
    np.testing.assert_allclose(display.kept_marker_.get_ydata(), [2.5])
    with pytest.raises(ValueError, match="kept_epoch=7 is not one of the epochs"):
        TrainingCurveDisplay(epochs=[1, 2], train_loss=[1.0, 0.5], kept_epoch=7).plot()


@pytest.mark.parametrize("estimator", [RNNClassifier(), RNNRegressor(), CTCTranscriber()])
def test_training_curve_not_fitted(estimator):
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(estimator)


# --- CTCAlignmentDisplay ----------------------------------------------------------


def _log_proba(best_columns, n_classes):
    """Log-probabilities whose best class per frame is ``best_columns``."""
    proba = np.full((len(best_columns), n_classes), 0.1 / (n_classes - 1))
    proba[np.arange(len(best_columns)), best_columns] = 0.9
    return np.log(proba)


def test_ctc_alignment_marks_the_greedy_path():
    # blank, a, a, blank, a, b, b, blank: the best path reads "aab".
    log_proba = _log_proba([0, 1, 1, 0, 1, 2, 2, 0], n_classes=3)
    display = CTCAlignmentDisplay(log_proba, ["a", "b"]).plot()

    np.testing.assert_array_equal(display.fired_frames_, [1, 4, 5])
    assert display.decoded_ == ["a", "a", "b"]
    assert [text.get_text() for text in display.annotations_] == ["a", "a", "b"]
    assert [text.xy for text in display.annotations_] == [(1, 0.9), (4, 0.9), (5, 0.9)]
    np.testing.assert_array_equal(display.markers_.get_xdata(), [1, 4, 5])
    np.testing.assert_allclose(display.markers_.get_ydata(), [0.9, 0.9, 0.9])
    # One probability curve per label and the blank, equal to exp(log_proba).
    assert list(display.lines_) == ["<blank>", "a", "b"]
    for column, key in enumerate(display.lines_):
        np.testing.assert_allclose(display.lines_[key].get_ydata(), np.exp(log_proba[:, column]))
        np.testing.assert_array_equal(display.lines_[key].get_xdata(), np.arange(8))
    assert _legend_texts(display.ax_) == ["blank", "a", "b"]
    assert display.ax_.get_title() == "Greedy reading: aab"


def test_ctc_alignment_nothing_fires():
    display = CTCAlignmentDisplay(_log_proba([0, 0, 0], n_classes=2), [7]).plot()
    assert display.decoded_ == [] and display.annotations_ == [] and display.markers_ is None
    assert display.ax_.get_title() == "Greedy reading: (nothing)"


def test_ctc_alignment_shape_error():
    with pytest.raises(ValueError, match=r"shape \(n_frames, 3\) for 2 labels"):
        CTCAlignmentDisplay(np.zeros((4, 5)), ["a", "b"]).plot()


@pytest.mark.parametrize("index", [0, 3, -1])
def test_ctc_alignment_from_estimator_spells_the_prediction(transcriber, index):
    ctc, X = transcriber
    display = CTCAlignmentDisplay.from_estimator(ctc, X, index=index)
    prediction = ctc.predict([X[index]])[0]
    assert "".join(display.decoded_) == prediction
    assert "".join(text.get_text() for text in display.annotations_) == prediction
    log_proba = ctc.predict_log_proba([X[index]])[0]
    assert list(display.lines_) == ["<blank>", *map(str, ctc.classes_)]
    for column, key in enumerate(display.lines_):
        np.testing.assert_allclose(
            display.lines_[key].get_ydata(), np.exp(log_proba[:, column]), rtol=1e-6
        )
    assert display.ax_.get_title().startswith("CTCTranscriber. Greedy reading:")


def test_ctc_alignment_from_estimator_with_labels_firing(transcriber):
    """A transcriber made to read one label everywhere: the label fires once."""
    ctc, X = transcriber
    head = ctc.net_.module_.head
    saved = head.bias.detach().clone()
    try:
        with torch.no_grad():
            head.bias[2] += 100.0  # column 2 is classes_[1]
        display = CTCAlignmentDisplay.from_estimator(ctc, X, index=1)
        prediction = ctc.predict([X[1]])[0]
    finally:
        with torch.no_grad():
            head.bias.copy_(saved)
    assert prediction == str(ctc.classes_[1])
    assert [text.get_text() for text in display.annotations_] == [prediction]
    np.testing.assert_array_equal(display.fired_frames_, [0])


def test_ctc_alignment_input_forms(transcriber):
    import pandas as pd

    ctc, X = transcriber
    expected = CTCAlignmentDisplay.from_estimator(ctc, X, index=2).decoded_
    series = pd.Series(X, index=[f"line{i}" for i in range(len(X))])
    assert CTCAlignmentDisplay.from_estimator(ctc, series, index=2).decoded_ == expected
    with pytest.raises(IndexError, match="index=40 is out of range for X with 40 samples"):
        CTCAlignmentDisplay.from_estimator(ctc, X, index=40)


def test_ctc_alignment_not_fitted():
    X, _ = make_digit_lines(n_samples=3, random_state=0)
    with pytest.raises(NotFittedError):
        CTCAlignmentDisplay.from_estimator(CTCTranscriber(), X)


# --- matplotlib is optional -------------------------------------------------------


def test_missing_matplotlib_names_the_extra(monkeypatch, classifier_with_score, transcriber):
    ctc, X = transcriber
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    message = r'requires matplotlib\. Install it with the plotting extra: pip install "sklearn-rnn\[plot\]"'
    with pytest.raises(ImportError, match="TrainingCurveDisplay.from_estimator " + message):
        TrainingCurveDisplay.from_estimator(classifier_with_score)
    with pytest.raises(ImportError, match="CTCAlignmentDisplay.from_estimator " + message):
        CTCAlignmentDisplay.from_estimator(ctc, X)
    with pytest.raises(ImportError, match="TrainingCurveDisplay.plot " + message):
        TrainingCurveDisplay(epochs=[1], train_loss=[1.0]).plot()
    # The module itself imports without matplotlib.
    import sklearn_rnn

    monkeypatch.delitem(sys.modules, "sklearn_rnn.plotting")
    monkeypatch.delattr(sklearn_rnn, "plotting")
    module = importlib.import_module("sklearn_rnn.plotting")
    assert module.TrainingCurveDisplay is not TrainingCurveDisplay


def test_importing_the_package_does_not_import_matplotlib():
    code = (
        "import sys, sklearn_rnn, sklearn_rnn.plotting; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
