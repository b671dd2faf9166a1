"""Faults during training and prediction.

- a non-finite training loss stops ``fit`` with ``TrainingDivergedError`` (a
  ``ValueError``) that names the epoch and the remedy;
- with ``on_divergence="keep_best"`` it keeps the best weights so far and
  warns instead;
- Ctrl-C (``KeyboardInterrupt``) during ``fit`` keeps the weights of the last
  finished epoch, warns, records it in ``history_``, and ``warm_start=True``
  continues from there;
- with ``checkpoint``, a fit killed with SIGKILL (in a subprocess) or
  interrupted loses at most the epoch in progress, and the same fit resumes
  to the weights an uninterrupted fit gives;
- concurrent ``predict`` calls on one fitted model, from 8 threads, give the
  sequential results and change no global torch state;
- an out-of-memory error in a prediction batch is retried on smaller batches;
- one sequence of 100,000 steps predicts (``hidden_size=8``: about 0.5 s
  without the front end, 3 s with it, on one core); on CUDA, cuDNN refuses
  65,536 steps or more (a strict xfail until the backbone chunks them);
- importing, fitting and predicting never open a socket.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklearn_rnn import (
    CTCTranscriber,
    RNNClassifier,
    RNNRegressor,
    TrainingDivergedError,
    TrainingDivergedWarning,
    TrainingInterruptedWarning,
)
from sklearn_rnn.datasets import make_order_task
from sklearn_rnn.tagger import RNNTagger

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


@pytest.mark.parametrize("early_stopping", [True, False])
def test_keep_best_on_divergence_keeps_the_best_epoch_and_warns(data, early_stopping):
    X, y = data
    snapshots = _Snapshots()
    clf = RNNClassifier(
        max_epochs=6,
        on_divergence="keep_best",
        early_stopping=early_stopping,
        validation_fraction=0.25,
        callbacks=[("snap", snapshots), ("break", _BreakWeights(epoch=4))],
        **TINY,
    )
    with pytest.warns(TrainingDivergedWarning, match=r"became nan in epoch 4") as record:
        assert clf.fit(X, y) is clf
    assert len(record) == 1
    # Epoch 4 diverged: three finished epochs, the last marked.
    assert clf.n_epochs_ == 3 and clf.history_[-1, "diverged"] is True
    if early_stopping:
        best = [row["epoch"] for row in clf.history_ if row["valid_loss_best"]][-1]
    else:
        best = 3
    assert f"kept the weights of epoch {best}" in str(record[0].message)
    assert _same_state(_state(clf.net_.module_), snapshots.states[best])
    assert np.isfinite(clf.predict_proba(X)).all()


def test_keep_best_still_raises_when_no_epoch_finished(data):
    X, y = data
    clf = RNNClassifier(
        max_epochs=3, on_divergence="keep_best", callbacks=[("break", _BreakWeights(1))], **TINY
    )
    with pytest.raises(TrainingDivergedError, match="in epoch 1"):
        clf.fit(X, y)


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


# --- checkpoints: killed or interrupted fits resume --------------------------

#: Dropout, two layers, early stopping with the best weights kept and the
#: one-cycle schedule: every random generator and callback state matters.
CHECKPOINTED = dict(
    hidden_size=8,
    num_layers=2,
    dropout=0.2,
    max_epochs=6,
    batch_size=16,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=10,
    frontend=None,
    device="cpu",
    random_state=0,
)

_KILLED_FIT = """
import os, signal, sys
import torch
from skorch.callbacks import Callback
from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_order_task
from sklearn_rnn.tagger import RNNTagger

torch.set_num_threads(1)


class Kill(Callback):
    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == 4:  # the second batch of epoch 4
            self.seen = getattr(self, "seen", 0) + 1
            if self.seen == 2:
                os.kill(os.getpid(), signal.SIGKILL)


X, y = make_order_task(n_samples=80, random_state=0)
RNNClassifier(**{params}, checkpoint=sys.argv[1], callbacks=[("kill", Kill())]).fit(X, y)
print("not killed")
"""


class _CountEpochs(Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_a_killed_fit_resumes_from_its_checkpoint_to_the_same_weights(tmp_path):
    X, y = make_order_task(n_samples=80, random_state=0)
    script = textwrap.dedent(_KILLED_FIT).replace("{params}", repr(CHECKPOINTED))
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].startswith("RNNClassifier-"), files

    counter = _CountEpochs()
    resumed = RNNClassifier(
        **CHECKPOINTED, checkpoint=tmp_path, callbacks=[("count", counter)]
    ).fit(X, y)
    # Killed in epoch 4: epochs 1-3 were saved, 4-6 trained again.
    assert counter.epochs == 3 and resumed.n_epochs_ == 6
    assert os.listdir(tmp_path) == []  # removed once the fit completed
    uninterrupted = RNNClassifier(**CHECKPOINTED).fit(X, y)
    assert _same_state(_state(resumed.net_.module_), _state(uninterrupted.net_.module_))
    assert [row["train_loss"] for row in resumed.history_] == [
        row["train_loss"] for row in uninterrupted.history_
    ]
    np.testing.assert_array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor, CTCTranscriber])
def test_an_interrupted_fit_resumes_from_its_checkpoint(data, estimator, tmp_path):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] + "ba"[label] for label in y]
    params = dict(TINY, max_epochs=5, dropout=0.2, num_layers=2)
    with pytest.warns(TrainingInterruptedWarning):
        estimator(**params, checkpoint=tmp_path, callbacks=[("stop", _Interrupt(3))]).fit(X, y)
    assert len(os.listdir(tmp_path)) == 1
    resumed = estimator(**params, checkpoint=str(tmp_path)).fit(X, y)
    uninterrupted = estimator(**params).fit(X, y)
    assert _same_state(_state(resumed.net_.module_), _state(uninterrupted.net_.module_))
    assert os.listdir(tmp_path) == []


def test_only_the_same_fit_resumes_from_a_checkpoint(data, tmp_path):
    X, y = data
    params = dict(TINY, max_epochs=4)
    for changed in [{}, {"lr": 1e-2}]:
        with pytest.warns(TrainingInterruptedWarning):
            RNNClassifier(**params, **changed, checkpoint=tmp_path).set_params(
                callbacks=[("stop", _Interrupt(3))]
            ).fit(X, y)
    with pytest.warns(TrainingInterruptedWarning):
        RNNClassifier(**params, checkpoint=tmp_path, callbacks=[("stop", _Interrupt(3))]).fit(
            X[:-1], y[:-1]
        )
    # Other parameters or other data: other files, never mixed up.
    assert len(os.listdir(tmp_path)) == 3
    counter = _CountEpochs()
    RNNClassifier(**params, checkpoint=tmp_path, callbacks=[("count", counter)]).fit(X, y)
    assert counter.epochs == 2 and len(os.listdir(tmp_path)) == 2


def test_a_damaged_checkpoint_is_refused_naming_the_file(data, tmp_path):
    X, y = data
    params = dict(TINY, max_epochs=4)
    with pytest.warns(TrainingInterruptedWarning):
        RNNClassifier(**params, checkpoint=tmp_path, callbacks=[("stop", _Interrupt(3))]).fit(X, y)
    (path,) = tmp_path.iterdir()
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=rf"checkpoint '.*{path.name}' is damaged.*delete it"):
        RNNClassifier(**params, checkpoint=tmp_path).fit(X, y)


def test_checkpoint_must_be_a_directory(data, tmp_path):
    X, y = data
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="checkpoint=.*must be a directory"):
        RNNClassifier(**TINY, max_epochs=1, checkpoint=tmp_path / "file").fit(X, y)


def test_grid_search_gives_the_same_results_whatever_its_n_jobs(data):
    """Two loky workers against the sequential search, all on one torch
    thread (threads change how sums are split, hence the last bits)."""
    from joblib import parallel_config
    from sklearn.model_selection import GridSearchCV

    X, y = data
    grid = {"hidden_size": [4, 6], "cell": ["lstm", "gru"]}
    search = GridSearchCV(RNNClassifier(**dict(TINY, max_epochs=3)), grid, cv=2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        sequential = clone(search).set_params(n_jobs=1).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    with parallel_config(backend="loky", inner_max_num_threads=1):
        parallel = clone(search).set_params(n_jobs=2).fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(parallel.cv_results_[key], sequential.cv_results_[key])
    assert _same_state(
        _state(parallel.best_estimator_.net_.module_),
        _state(sequential.best_estimator_.net_.module_),
    )


# --- bounded memory ---------------------------------------------------------


def test_predicting_on_sequences_allocates_far_less_than_the_data():
    """Validation and prediction of a ``Sequences`` input allocate no array of
    the data's size (numpy allocations are traced; benchmarks/memory.py
    measures the whole process on 1,000,000 sequences)."""
    import tracemalloc

    from sklearn_rnn import Sequences

    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 21, size=50_000)
    flat = rng.normal(size=(int(lengths.sum()), 4)).astype(np.float32)
    X = Sequences(flat, np.concatenate([[0], np.cumsum(lengths)]))
    clf = RNNClassifier(max_epochs=1, **TINY).fit(X.take(np.arange(64)), np.arange(64) % 2)
    tracemalloc.start()
    try:
        proba = clf.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert proba.shape == (50_000, 2)
    # Per-sample index arrays (lengths, batch order) remain: about 0.2x here.
    assert peak - proba.nbytes < 0.5 * flat.nbytes, (peak, flat.nbytes)


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


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor, CTCTranscriber, RNNTagger])
def test_out_of_memory_in_predict_retries_smaller_batches(data, estimator):
    X, y = data
    if estimator is CTCTranscriber:
        y = ["ab"[label] for label in y]
    if estimator is RNNTagger:
        y = [(x[:, 0] > 0).astype(int) for x in X]
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
from sklearn_rnn.tagger import RNNTagger
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, SequenceTokenizer

torch.set_num_threads(1)
X, y = make_order_task(n_samples=40, random_state=0)
X = SequenceScaler().fit_transform(X)
kw = dict(hidden_size=4, max_epochs=1, random_state=0)
RNNClassifier(**kw).fit(X, y).predict_proba(SequencePadder().fit_transform(X))
RNNRegressor(**kw).fit(X, y.astype(float)).predict(X)
CTCTranscriber(**kw).fit(X, ["ab"[label] for label in y]).predict(X)
tokens = SequenceTokenizer().fit_transform(["a b c", "b c", "c"] * 4)
clf = RNNClassifier(**kw).fit(tokens, [0, 1, 1] * 4)
clf.predict(tokens)
import os, tempfile
folder = tempfile.mkdtemp()
clf.save(os.path.join(folder, "model.safetensors"))
sklearn_rnn.load(os.path.join(folder, "model.safetensors")).predict(tokens)
RNNRegressor(**kw, checkpoint=folder).fit(X, y.astype(float))
print("no socket opened")
"""


def test_no_network_access_at_import_fit_predict_save_and_load():
    """In a fresh interpreter whose sockets all raise: import, fit, predict,
    save, load and checkpointed fits."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_NO_NETWORK)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no socket opened" in result.stdout
