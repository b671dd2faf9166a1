"""Faults during training and prediction.

- a non-finite training loss stops ``fit`` with ``TrainingDivergedError`` (a
  ``ValueError``) that names the epoch and the remedy;
- Ctrl-C (``KeyboardInterrupt``) during ``fit`` keeps the weights of the last
  finished epoch, warns, records it in ``history_``, and ``warm_start=True``
  continues from there;
- concurrent ``predict`` calls on one fitted model, from 8 threads, give the
  sequential results and change no global torch state;
- an out-of-memory error in a prediction batch is retried on smaller batches;
- one sequence of 100,000 steps predicts (``hidden_size=8``: about 0.5 s
  without the front end, 3 s with it, on one core); on CUDA, cuDNN refuses
  65,536 steps or more (a strict xfail until the backbone chunks them);
- importing, fitting and predicting never open a socket.
"""

import subprocess
import sys
import textwrap
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import (
    CTCTranscriber,
    RNNClassifier,
    RNNRegressor,
    TrainingDivergedError,
    TrainingInterruptedWarning,
)

TINY = dict(hidden_size=4, batch_size=8, device="cpu", frontend=None, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny networks run fastest on one thread (and others share the cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(3, 9), 2)).astype(np.float32) for _ in range(32)]
    y = np.array([int(x[0, 0] > x[-1, 0]) for x in X])
    return X, y


def _state(module):
    return {key: value.detach().clone() for key, value in module.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


# --- a diverging loss ----------------------------------------------------------


class _BreakWeights(Callback):
    """Set every weight to NaN at the end of the first batch of ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            with torch.no_grad():
                for parameter in net.module_.parameters():
                    parameter.fill_(float("nan"))


def test_huge_learning_rate_stops_training_with_a_clear_error(data):
    X, y = data
    reg = RNNRegressor(lr=1e6, max_epochs=20, clip_grad_norm=None, lr_schedule="constant", **TINY)
    with pytest.raises(TrainingDivergedError, match=r"in epoch \d+") as info:
        reg.fit(X, y * 1e3)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "lr=1000000.0" in message and "clip_grad_norm" in message, message


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor, CTCTranscriber])
def test_nan_weights_stop_training_naming_the_epoch(data, estimator):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] for label in y]
    model = estimator(max_epochs=5, callbacks=[("break", _BreakWeights(epoch=2))], **TINY)
    # The weights break at the end of a batch of epoch 2; the next batch's loss is NaN.
    with pytest.raises(TrainingDivergedError, match=r"became nan in epoch 2: training diverged"):
        model.fit(X, y)


# --- Ctrl-C during fit --------------------------------------------------------


class _Interrupt(Callback):
    """Raise KeyboardInterrupt at the end of batch ``batch`` of epoch ``epoch``."""

    def __init__(self, epoch, batch=2):
        self.epoch, self.batch = epoch, batch

    def on_epoch_begin(self, net, **kwargs):
        self.seen = 0

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            self.seen += 1
            if self.seen == self.batch:
                raise KeyboardInterrupt


class _Snapshots(Callback):
    """The module's weights at the start of training and after each epoch."""

    def __init__(self):
        self.states = {}

    def on_train_begin(self, net, **kwargs):
        self.states["begin"] = _state(net.module_)

    def on_epoch_end(self, net, **kwargs):
        self.states[len(net.history)] = _state(net.module_)


def test_keyboard_interrupt_keeps_the_last_finished_epoch(data):
    X, y = data
    snapshots = _Snapshots()
    clf = RNNClassifier(
        max_epochs=6, callbacks=[("snap", snapshots), ("stop", _Interrupt(epoch=3))], **TINY
    )
    with pytest.warns(TrainingInterruptedWarning, match=r"interrupted.*epoch 3") as record:
        assert clf.fit(X, y) is clf
    assert len(record) == 1
    # Fitted, with the weights of epoch 2 (epoch 3 had already taken two steps).
    assert clf.n_epochs_ == 2 and len(clf.history_) == 2
    assert clf.history_[-1, "interrupted"] is True
    assert _same_state(_state(clf.net_.module_), snapshots.states[2])
    assert not _same_state(snapshots.states[2], snapshots.states[1])
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()

    # warm_start continues from epoch 2's weights, appending to the history.
    continued = _Snapshots()
    clf.set_params(warm_start=True, max_epochs=2, callbacks=[("snap", continued)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        clf.fit(X, y)
    assert _same_state(continued.states["begin"], snapshots.states[2])
    assert clf.n_epochs_ == 4 and len(clf.history_) == 4
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3, 4]


def test_keyboard_interrupt_in_the_first_epoch_keeps_the_initial_weights(data):
    X, y = data
    snapshots = _Snapshots()
    reg = RNNRegressor(
        max_epochs=3, callbacks=[("snap", snapshots), ("stop", _Interrupt(epoch=1))], **TINY
    )
    with pytest.warns(TrainingInterruptedWarning, match=r"interrupted.*epoch 1"):
        reg.fit(X, y)
    assert reg.n_epochs_ == 0 and len(reg.history_) == 0
    assert _same_state(_state(reg.net_.module_), snapshots.states["begin"])
    assert np.isfinite(reg.predict(X)).all()


# --- concurrent predict -------------------------------------------------------


def _global_torch_state():
    return (
        torch.get_num_threads(),
        torch.is_grad_enabled(),
        torch.are_deterministic_algorithms_enabled(),
        torch.get_default_dtype(),
        torch.is_inference_mode_enabled(),
    )


@pytest.mark.parametrize("estimator", [RNNClassifier, CTCTranscriber])
def test_concurrent_predict_matches_sequential(data, estimator):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] for label in y]
    model = estimator(max_epochs=2, **TINY).fit(X, y)
    rng = np.random.default_rng(1)
    inputs = [
        [rng.normal(size=(rng.integers(1, 30), 2)).astype(np.float32) for _ in range(n)]
        for n in rng.integers(1, 120, size=8)
    ]
    methods = ["predict", "predict_proba" if estimator is RNNClassifier else "predict_log_proba"]

    def run(X_i):
        return [getattr(model, method)(X_i) for method in methods]

    sequential = [run(X_i) for X_i in inputs]
    before = _global_torch_state()
    barrier = threading.Barrier(len(inputs))

    def concurrent(X_i):
        barrier.wait()  # all 8 threads predict at once
        results = [run(X_i) for _ in range(2)]
        return results, _global_torch_state()

    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        outcomes = list(pool.map(concurrent, inputs))
    assert _global_torch_state() == before
    for expected, (results, thread_state) in zip(sequential, outcomes):
        assert thread_state == before  # grad mode is per thread: no thread left it off
        for result in results:
            for got, want in zip(result, expected):
                if isinstance(want, np.ndarray):
                    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
                elif want and isinstance(want[0], np.ndarray):
                    for g, w in zip(got, want):
                        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
                else:
                    assert got == want


# --- out of memory during predict -------------------------------------------------


def _oom_above(module, max_batch, calls):
    """Make ``module.forward`` raise CUDA's out-of-memory error on batches
    larger than ``max_batch`` (recording each call's batch size)."""
    forward = module.forward

    def limited(x, lengths, *args, **kwargs):
        calls.append(len(lengths))
        if len(lengths) > max_batch:
            raise torch.cuda.OutOfMemoryError(
                f"CUDA out of memory. Tried to allocate a batch of {len(lengths)}."
            )
        return forward(x, lengths, *args, **kwargs)

    module.forward = limited


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor, CTCTranscriber])
def test_out_of_memory_in_predict_retries_smaller_batches(data, estimator):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] for label in y]
    model = estimator(max_epochs=1, **TINY).fit(X, y)
    method = "predict" if estimator is RNNRegressor else "predict_log_proba"
    if estimator is RNNClassifier:
        method = "predict_proba"
    X_test = X * 3  # 96 samples: one prediction batch
    expected = getattr(model, method)(X_test)
    calls = []
    _oom_above(model.net_.module_, 10, calls)
    got = getattr(model, method)(X_test)
    # The batch of 96 failed, then its halves, ..., until batches of at most 10 passed.
    assert calls[0] == len(X_test) and len(calls) > 1
    assert sum(size for size in calls if size <= 10) == len(X_test)
    if isinstance(expected, list):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_out_of_memory_on_a_single_sample_is_raised(data):
    X, y = data
    clf = RNNClassifier(max_epochs=1, **TINY).fit(X, y)
    _oom_above(clf.net_.module_, 0, [])
    with pytest.raises(torch.cuda.OutOfMemoryError):
        clf.predict(X[:4])


# --- a very long sequence -----------------------------------------------------


@pytest.mark.parametrize(
    "estimator, frontend",
    [(RNNClassifier, None), (RNNClassifier, "auto"), (CTCTranscriber, None)],
)
def test_one_sequence_of_100_000_steps_predicts(data, estimator, frontend):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] for label in y]
    params = {**TINY, "hidden_size": 8, "frontend": frontend}
    model = estimator(max_epochs=1, **params).fit(X, y)
    long = [np.random.default_rng(2).normal(size=(100_000, 2)).astype(np.float32)]
    prediction = model.predict(long)
    assert len(prediction) == 1
    if estimator is CTCTranscriber:
        (log_proba,) = model.predict_log_proba(long)
        assert log_proba.shape == (100_000, 3) and np.isfinite(log_proba).all()
    else:
        assert np.isfinite(model.predict_proba(long)).all()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
@pytest.mark.parametrize("bidirectional", [False, True])
def test_one_sequence_of_100_000_steps_predicts_on_cuda(data, bidirectional):
    X, y = data
    params = {**TINY, "hidden_size": 8, "device": "cuda", "bidirectional": bidirectional}
    gpu = RNNClassifier(max_epochs=1, **params).fit(X, y)
    long = [np.random.default_rng(2).normal(size=(100_000, 2)).astype(np.float32)]
    cpu = RNNClassifier(max_epochs=1, **{**params, "device": "cpu"}).fit(X, y)
    cpu.net_.module_.load_state_dict(
        {key: value.cpu() for key, value in gpu.net_.module_.state_dict().items()}
    )
    np.testing.assert_allclose(gpu.predict_proba(long), cpu.predict_proba(long), atol=1e-4)


# --- no network -----------------------------------------------------------------

_NO_NETWORK = """
import socket


class _NoNetwork(socket.socket):
    def __init__(self, *args, **kwargs):
        raise OSError(f"network access attempted: socket.socket{args}")


def _refuse(*args, **kwargs):
    raise OSError(f"network access attempted: {args}")


socket.socket = _NoNetwork
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
socket.socketpair = _refuse

import numpy as np
import torch

import sklearn_rnn
from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor
from sklearn_rnn.datasets import make_order_task
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, SequenceTokenizer

torch.set_num_threads(1)
X, y = make_order_task(n_samples=40, random_state=0)
X = SequenceScaler().fit_transform(X)
kw = dict(hidden_size=4, max_epochs=1, random_state=0)
RNNClassifier(**kw).fit(X, y).predict_proba(SequencePadder().fit_transform(X))
RNNRegressor(**kw).fit(X, y.astype(float)).predict(X)
CTCTranscriber(**kw).fit(X, ["ab"[label] for label in y]).predict(X)
tokens = SequenceTokenizer().fit_transform(["a b c", "b c", "c"] * 4)
RNNClassifier(**kw).fit(tokens, [0, 1, 1] * 4).predict(tokens)
print("no socket opened")
"""


def test_no_network_access_at_import_fit_and_predict():
    """In a fresh interpreter whose sockets all raise: import, fit, predict."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_NO_NETWORK)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no socket opened" in result.stdout
