"""Deterministic synthetic data for the benchmark workloads.

Every generator takes its size and a seed and returns the same data for the
same arguments, so that each implementation, in its own process, trains on
identical inputs.
"""

import re

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


_WORD = re.compile(r"\w+")


class PythonTokenizer:
    """Reference tokenizer: the plain-Python loop a user writes by hand.

    Lower-cases, splits on ``\\w+``, indexes words by order of first
    appearance (0 is padding, 1 is unknown) and returns one int64 array per
    document.
    """

    def fit(self, documents):
        self.vocabulary_ = {}
        for document in documents:
            for word in _WORD.findall(document.lower()):
                if word not in self.vocabulary_:
                    self.vocabulary_[word] = len(self.vocabulary_) + 2
        return self

    def transform(self, documents):
        vocabulary = self.vocabulary_
        return [
            np.array(
                [vocabulary.get(w, 1) for w in _WORD.findall(d.lower())] or [1], dtype=np.int64
            )
            for d in documents
        ]

    def fit_transform(self, documents):
        return self.fit(documents).transform(documents)
