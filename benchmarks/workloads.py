"""Workloads: deterministic synthetic data, their sizes, and how each is measured.

Every generator takes its size and a seed and returns the same data for the
same arguments, so that each implementation, in its own process, trains on
identical inputs. :data:`WORKLOADS` lists the workloads the harness knows:
which data a row gets (``data(sizes)``), how many epochs, and how its time is
measured (``measure``: ``"fit_predict"``, ``"search"`` or ``"tokenize"``, see
``harness.py``). This module imports numpy only, so that the parent process of
a benchmark run stays free of torch.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

N_FEATURES_W1 = 16
N_CLASSES_W1 = 4
N_FEATURES_W2 = 4
WINDOW_W2 = 50
N_CLASSES_W4 = 4


def make_variable_length_classification(n_samples, *, seed=0):
    """W1: ragged sequences whose class depends on content over time.

    Lengths are log-normal with median 40 (sigma 0.7), clipped to 5..400.
    Two hidden signs decide the class: the sign of an offset on feature 0
    during the first half of the sequence and the sign of an offset on
    feature 1 during the second half. The model has to remember what it saw
    early in the sequence, and the class is not readable from any single step.

    Returns
    -------
    X : list of ndarray of shape (T_i, 16), float32
    y : ndarray of shape (n_samples,), int64, values in 0..3
    """
    rng = np.random.default_rng(seed)
    lengths = np.clip(np.round(rng.lognormal(np.log(40), 0.7, n_samples)), 5, 400)
    lengths = lengths.astype(np.int64)
    first_sign = rng.choice([-1.0, 1.0], n_samples)
    second_sign = rng.choice([-1.0, 1.0], n_samples)
    X = []
    for length, first, second in zip(lengths, first_sign, second_sign, strict=True):
        seq = rng.standard_normal((length, N_FEATURES_W1), dtype=np.float32)
        half = length // 2
        seq[:half, 0] += 0.5 * first
        seq[half:, 1] += 0.5 * second
        X.append(seq)
    y = (2 * (first_sign > 0) + (second_sign > 0)).astype(np.int64)
    return X, y


def make_fixed_length_regression(n_samples, *, seed=0):
    """W2: windows of length 50 over a multivariate series; the target is ahead.

    A 4-channel series is built from noisy sinusoids with random phases and a
    slow random walk; each window's target is channel 0 five steps after the
    window ends.

    Returns
    -------
    X : ndarray of shape (n_samples, 50, 4), float32
    y : ndarray of shape (n_samples,), float32
    """
    rng = np.random.default_rng(seed)
    horizon = 5
    total = n_samples + WINDOW_W2 + horizon
    t = np.arange(total, dtype=np.float64)[:, None]
    periods = np.array([17.0, 29.0, 47.0, 83.0])
    phases = rng.uniform(0, 2 * np.pi, N_FEATURES_W2)
    series = np.sin(2 * np.pi * t / periods + phases)
    series += 0.3 * np.cumsum(rng.standard_normal((total, N_FEATURES_W2)), axis=0) / np.sqrt(total)
    series += 0.1 * rng.standard_normal((total, N_FEATURES_W2))
    series = series.astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(series, WINDOW_W2, axis=0)
    X = np.ascontiguousarray(windows[:n_samples].transpose(0, 2, 1))
    y = series[WINDOW_W2 + horizon - 1 : WINDOW_W2 + horizon - 1 + n_samples, 0].copy()
    return X, y


def make_documents(n_documents, *, seed=0, vocabulary_size=3000):
    """W4: short generated documents in 4 topics.

    Words are pseudo-words built from syllables. Each topic favours its own
    slice of the vocabulary; documents mix topic words with common words and
    punctuation, with log-normal lengths (median 30 words).

    Returns
    -------
    documents : list of str
    y : ndarray of shape (n_documents,), int64
    """
    rng = np.random.default_rng(seed)
    syllables = "ka lo mi su te ra no vi de pu zo be ga fi ru sha".split()
    words = set()
    while len(words) < vocabulary_size:
        n_syllables = rng.integers(1, 4)
        words.add("".join(rng.choice(syllables, n_syllables)))
    words = sorted(words)
    n_common = vocabulary_size // 4
    topic_size = (vocabulary_size - n_common) // N_CLASSES_W4
    lengths = np.clip(np.round(rng.lognormal(np.log(30), 0.6, n_documents)), 3, 300)
    y = rng.integers(0, N_CLASSES_W4, n_documents)
    documents = []
    for length, label in zip(lengths.astype(int), y, strict=True):
        topic_start = n_common + label * topic_size
        word_ids = np.where(
            rng.random(length) < 0.3,
            rng.integers(topic_start, topic_start + topic_size, length),
            rng.integers(0, n_common, length),
        )
        documents.append(" ".join([words[i] for i in word_ids.tolist()]).capitalize() + ".")
    return documents, y.astype(np.int64)


# --------------------------------------------------------------------------
# Sizes and workload specifications.
# --------------------------------------------------------------------------

# Full sizes as the issue specifies them; quick ones for smoke tests.
SIZES = {
    "full": {
        "w1": 8000,
        "w1_test": 2000,
        "w2": 20000,
        "w2_test": 4000,
        "w3": 8000,
        "w4": 20000,
        "w4_test": 4000,
    },
    "quick": {
        "w1": 256,
        "w1_test": 64,
        "w2": 512,
        "w2_test": 128,
        "w3": 120,
        "w4": 400,
        "w4_test": 100,
    },
}


def w1_data(sizes):
    """W1 train and held-out sets: ``(X, y, X_test, y_test)``."""
    X, y = make_variable_length_classification(sizes["w1"], seed=0)
    X_test, y_test = make_variable_length_classification(sizes["w1_test"], seed=1)
    return X, y, X_test, y_test


def w2_data(sizes):
    """W2 windows, the held-out ones following the training ones in the series."""
    n = sizes["w2"]
    X, y = make_fixed_length_regression(n + sizes["w2_test"], seed=0)
    return X[:n], y[:n], X[n:], y[n:]


def w3_data(sizes):
    """W3: W1's kind of data, at W3's size, searched with cross-validation: ``(X, y)``."""
    return make_variable_length_classification(sizes["w3"], seed=0)


def w4_documents(sizes):
    """W4 training documents alone, for the tokenizer rows."""
    return make_documents(sizes["w4"], seed=0)[0]


def w4_data(sizes):
    """W4 documents and topics: ``(X, y, X_test, y_test)``."""
    X, y = make_documents(sizes["w4"], seed=0)
    X_test, y_test = make_documents(sizes["w4_test"], seed=1)
    return X, y, X_test, y_test


@dataclass(frozen=True)
class Workload:
    """What a row runs on, and how the harness times it.

    ``name`` is unique; ``group`` (``"W1"``..``"W4"``) is what ``--workloads``
    selects and what the results record as a row's workload; workloads of one
    group share a section (``title``) of the report, one table each.
    ``ratio_header`` names the ratio column when "× <reference row>" would not
    say it well.
    """

    name: str
    group: str
    title: str
    measure: str
    epochs: int
    data: Callable
    ratio_header: str | None = None


W1 = Workload(
    "W1", "W1", "W1: variable-length classification (LSTM 64, 2 epochs)", "fit_predict", 2, w1_data
)
W2 = Workload(
    "W2", "W2", "W2: fixed-length regression (GRU 32, 3 epochs)", "fit_predict", 3, w2_data
)
W3 = Workload(
    "W3",
    "W3",
    "W3: GridSearchCV, 4 candidates × 3 folds (no refit)",
    "search",
    2,
    w3_data,
    ratio_header="× n_jobs=1",
)
W4_TOKENIZERS = Workload(
    "W4 tokenizers",
    "W4",
    "W4: text, 2 epochs",
    "tokenize",
    2,
    w4_documents,
    ratio_header="× pure Python (transform)",
)
W4 = Workload("W4", "W4", "W4: text, 2 epochs", "fit_predict", 2, w4_data)

WORKLOADS = (W1, W2, W3, W4_TOKENIZERS, W4)
GROUPS = ("W1", "W2", "W3", "W4")
