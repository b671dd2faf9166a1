"""Concurrent prediction: 8 threads predicting at once get exactly what one thread gets.

A fitted estimator is shared, read-only state: scikit-learn users call
``predict`` from web-server threads, joblib's threading backend and
``GridSearchCV`` scorers at once. So neither the estimator, its skorch net nor
any torch module may set an attribute during ``predict`` or ``forward`` (an
earlier RNNTagger backbone set ``self.embedding = None`` for the length of a
forward pass, and crashed or mispredicted as soon as two threads met).

For every estimator and input kind (numbers, integer tokens, and words for the
tagger), plain and with each combination of frame stacking, a convolutional
front end and a bidirectional network, one tiny model is fitted once; then
each of its prediction methods runs in 8 threads released together by a
barrier, and every result must equal the one-thread result exactly. While
they run, any attribute set on the estimator, its net or a module is
recorded, and the test fails naming it.
"""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor
from sklearn_rnn._base import _SequenceNet
from sklearn_rnn.components import ConvFrontend, FrameStacking, TokenEmbedding
from sklearn_rnn.tagger import RNNTagger

# --- the parts under test ------------------------------------------------------

#: Each part; the tests run every combination.
PARTS = ("subsample", "frontend", "bidirectional")


def _part_params(parts):
    """The estimator parameters that switch ``parts`` on: frame stacking by 2
    (alone, or before the convolutions), a convolutional front end with a
    stride of 2 (so that it shortens even these short sequences), and a
    backward direction."""
    stack = 2 if "subsample" in parts else 1
    if "frontend" in parts:
        frontend = ConvFrontend(stride=2, channels=4, stack=stack)
    else:
        frontend = FrameStacking(factor=stack) if stack > 1 else None
    return {"frontend": frontend, "bidirectional": "bidirectional" in parts}


#: Per estimator: the classifier's automatic bag of words would read token
#: input without the recurrent layers, leaving nothing of the parts to test.
OWN = {RNNClassifier: {"bag": None}}

TINY = {
    "hidden_size": 4,
    "embedding": TokenEmbedding(dim=4),
    "max_epochs": 1,
    "batch_size": 8,
    "random_state": 0,
    "device": "cpu",
}
N_THREADS = 8
#: The methods called where the estimator has them (``score`` with y).
METHODS = ("predict", "predict_proba", "predict_log_proba", "transform", "score")
KINDS = {
    RNNClassifier: ("numbers", "tokens"),
    RNNRegressor: ("numbers", "tokens"),
    CTCTranscriber: ("numbers", "tokens"),
    RNNTagger: ("numbers", "tokens", "words"),
}
COMBINATIONS = [
    combination
    for size in range(len(PARTS) + 1)
    for combination in itertools.combinations(PARTS, size)
]
CASES = [
    pytest.param(
        estimator, kind, parts, id=f"{estimator.__name__}-{kind}-{'+'.join(parts) or 'plain'}"
    )
    for estimator, kinds in KINDS.items()
    for kind in kinds
    for parts in COMBINATIONS
]
WORDS = ["the", "cat", "sat", "on", "a", "mat", "Dogs", "ran", "42", "!"]


def _inputs(kind, n_samples=24, seed=0):
    """Ragged samples of 8 to 20 steps: enough for CTC's labels after the
    fourfold shortening of frame stacking and the front end together."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(8, 21, size=n_samples)
    if kind == "numbers":
        return [rng.normal(size=(n, 2)).astype(np.float32) for n in lengths]
    if kind == "tokens":
        return [rng.integers(2, 20, size=n) for n in lengths]
    return [[WORDS[i] for i in rng.integers(0, len(WORDS), size=n)] for n in lengths]


def _targets(estimator, kind, X):
    first = [
        float(np.asarray(x[0] if kind != "words" else len(x[0]), dtype=float).sum()) for x in X
    ]
    if estimator is RNNClassifier:
        return np.array([int(v > np.median(first)) for v in first])
    if estimator is RNNRegressor:
        return np.array(first)
    if estimator is CTCTranscriber:
        return [["a", "b", "ab", "ba"][i % 4] for i in range(len(X))]
    if kind == "words":
        return [
            np.array(["NUM" if w.isdigit() else "W" if w.isalpha() else "P" for w in x]) for x in X
        ]
    steps = [np.asarray(x, dtype=float).reshape(len(x), -1)[:, 0] for x in X]
    return [np.where(s > np.median(s), "up", "down") for s in steps]


@pytest.fixture(scope="module")
def fitted():
    """``fitted(estimator, kind, parts)``: the model of a case with its data,
    fitted once per module (and per worker under pytest-xdist)."""
    cache = {}

    def get(estimator, kind, parts):
        key = (estimator, kind, parts)
        if key not in cache:
            params = {**TINY, **_part_params(parts), **OWN.get(estimator, {})}
            X = _inputs(kind)
            y = _targets(estimator, kind, X)
            cache[key] = (estimator(**params).fit(X, y), X, y)
        return cache[key]

    return get


def _call(model, method, X, y):
    return getattr(model, method)(X, y) if method == "score" else getattr(model, method)(X)


def _assert_identical(got, expected, where):
    """Equal to the bit, in type, shape, dtype and (for masked arrays) mask."""
    assert type(got) is type(expected), where
    if isinstance(expected, np.ma.MaskedArray):
        assert np.array_equal(got.mask, expected.mask), where
        _assert_identical(got.data, expected.data, where)
    elif isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and got.shape == expected.shape, where
        assert np.array_equal(got, expected, equal_nan=got.dtype.kind == "f"), where
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            _assert_identical(g, e, f"{where}[{i}]")
    else:
        assert got == expected, where


class _Setattrs:
    """Record every attribute set, in any thread, on the estimator, its net
    or a torch module while active (``training``, which skorch sets to the
    same value on every evaluation, excepted)."""

    def __init__(self, monkeypatch, model):
        self.records = []
        lock = threading.Lock()

        def recording(cls, owner):
            original = cls.__setattr__

            def __setattr__(obj, name, value):
                if owner(obj) and name != "training":
                    with lock:
                        self.records.append(f"{type(obj).__name__}.{name}")
                original(obj, name, value)

            monkeypatch.setattr(cls, "__setattr__", __setattr__)

        recording(type(model), lambda obj: obj is model)
        recording(_SequenceNet, lambda obj: obj is model.net_)
        modules = {id(module) for module in model.net_.module_.modules()}
        recording(torch.nn.Module, lambda obj: id(obj) in modules)


@pytest.mark.parametrize("estimator, kind, parts", CASES)
def test_threads_predict_what_one_thread_predicts(fitted, monkeypatch, estimator, kind, parts):
    model, X, y = fitted(estimator, kind, parts)
    methods = [method for method in METHODS if hasattr(model, method)]
    expected = {method: _call(model, method, X, y) for method in methods}
    barrier = threading.Barrier(N_THREADS)

    def predict(_):
        results = {}
        for method in methods:
            barrier.wait()  # all threads enter each method together
            results[method] = _call(model, method, X, y)
        return results

    setattrs = _Setattrs(monkeypatch, model)
    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        outcomes = list(pool.map(predict, range(N_THREADS)))
    monkeypatch.undo()
    assert not setattrs.records, (
        f"attributes set during prediction: {sorted(set(setattrs.records))}"
    )
    for thread, results in enumerate(outcomes):
        for method in methods:
            _assert_identical(results[method], expected[method], f"thread {thread} {method}")
