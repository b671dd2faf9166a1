"""
=========================================================
Classifying multivariate time series of different lengths
=========================================================

The Japanese Vowels data set (UCI; shipped with sktime) holds recordings of
nine male speakers saying the vowels "ae" one after the other. Each utterance
is a sequence of 12 LPC cepstrum coefficients per frame, 7 to 29 frames long:
the series are of *different lengths*, and the task is to tell the speaker.

We classify the ragged series as they are with an LSTM, and compare with a
non-deep baseline: a random forest on per-channel summary features (mean,
standard deviation, minimum, maximum, first and last value, and the length).
The data comes with its own train/test split (270 and 370 utterances).
"""

# %%
# Load the data
# -------------
# sktime returns a long-format frame (one row per utterance and frame);
# :func:`~sklearn_rnn.preprocessing.long_to_sequences` turns it into one
# ``(n_frames, 12)`` array per utterance.
import time

import matplotlib.pyplot as plt
import numpy as np
from sktime.datasets import load_japanese_vowels

from sklearn_rnn.preprocessing import long_to_sequences


def load(split):
    frame, labels = load_japanese_vowels(split=split, return_type="pd-multiindex")
    frame = frame.rename_axis(["utterance", "frame"]).reset_index()
    X = long_to_sequences(frame, id_column="utterance", time_column="frame")
    return X, np.asarray(labels)


X_train, y_train = load("train")
X_test, y_test = load("test")
lengths = np.array([len(x) for x in X_train])
print(f"{len(X_train)} training and {len(X_test)} test utterances, 12 channels")
print(f"lengths from {lengths.min()} to {lengths.max()} frames; speakers {np.unique(y_train)}")

# %%
# The baseline: a random forest on summary features
# -------------------------------------------------
# Summary statistics turn each series, whatever its length, into a fixed
# vector; they forget the order of the frames.
from sklearn.ensemble import RandomForestClassifier


def summary_features(X):
    return np.array(
        [
            np.concatenate([x.mean(0), x.std(0), x.min(0), x.max(0), x[0], x[-1], [len(x)]])
            for x in X
        ]
    )


start = time.perf_counter()
forest = RandomForestClassifier(n_estimators=300, random_state=0)
forest.fit(summary_features(X_train), y_train)
forest_accuracy = forest.score(summary_features(X_test), y_test)
print(f"random forest: test accuracy {forest_accuracy:.3f} ({time.perf_counter() - start:.1f} s)")

# %%
# The recurrent network
# ---------------------
# The LSTM reads each utterance frame by frame, at its own length: batches
# are padded per batch and the padding never reaches the prediction.
# :class:`~sklearn_rnn.preprocessing.SequenceScaler` standardises each channel
# over all real frames. Early stopping holds out 20 % of the training data;
# a skorch ``EpochScoring`` callback also records the accuracy on it after
# every epoch, which the training curve below shows.
#
# Shortened for the documentation build: 40 epochs at most (early stopping
# usually ends sooner).
from sklearn.pipeline import make_pipeline
from skorch.callbacks import EpochScoring

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import SequenceScaler


def valid_accuracy(net, X, y):
    """Accuracy on the validation split (the network outputs logits)."""
    return float(np.mean(net.predict(X).argmax(axis=1) == np.asarray(y)))


rnn = make_pipeline(
    SequenceScaler(),
    RNNClassifier(
        hidden_size=64,
        max_epochs=40,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=8,
        callbacks=[
            ("valid_acc", EpochScoring(valid_accuracy, lower_is_better=False, name="valid_acc"))
        ],
        random_state=0,
    ),
)
start = time.perf_counter()
rnn.fit(X_train, y_train)
rnn_accuracy = rnn.score(X_test, y_test)
print(f"LSTM: test accuracy {rnn_accuracy:.3f} ({time.perf_counter() - start:.1f} s)")

# %%
# Training curve
# --------------
# :class:`~sklearn_rnn.plotting.TrainingCurveDisplay` draws the losses, the
# validation accuracy on a second axis, and marks the epoch whose weights
# early stopping kept.
from sklearn_rnn.plotting import TrainingCurveDisplay

TrainingCurveDisplay.from_estimator(rnn, score="valid_acc")
plt.show()

# %%
# Results
# -------
fig, ax = plt.subplots(figsize=(5, 3))
names = ["random forest\n(summary features)", "LSTM\n(ragged series)"]
bars = ax.barh(names, [forest_accuracy, rnn_accuracy], color=["C7", "C0"])
ax.bar_label(bars, fmt="%.3f")
ax.set_xlim(0, 1.1)
ax.set_xlabel("test accuracy")
ax.set_title("Japanese Vowels: who is speaking?")
fig.tight_layout()
plt.show()
