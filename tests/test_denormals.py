"""Denormal floats are flushed to zero while a model trains and predicts.

Gradients below float32's smallest normal number (as when the training loss
is all but zero: a ridge branch that classifies the training set perfectly)
make x86 arithmetic 10-100 times slower. ``fit`` and prediction flush them on
the calling thread and give the caller's setting back afterwards.
"""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.nn.utils import flush_denormal_enabled, flushing_denormals


@pytest.fixture
def caller_setting():
    """Leave the thread as the test found it (flushing off, torch's default)."""
    before = flush_denormal_enabled()
    yield
    torch.set_flush_denormal(before)


@pytest.mark.parametrize("before", [False, True])
def test_flushing_denormals_restores_the_callers_setting(caller_setting, before):
    torch.set_flush_denormal(before)
    assert flush_denormal_enabled() is before
    with flushing_denormals():
        assert flush_denormal_enabled()
        assert float(torch.tensor([1e-30]) * 1e-10) == 0.0
    assert flush_denormal_enabled() is before
    # Restored even when the block raises.
    with pytest.raises(RuntimeError), flushing_denormals():
        raise RuntimeError
    assert flush_denormal_enabled() is before


class _RecordFlag(Callback):
    def __init__(self):
        self.seen = []

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        self.seen.append(flush_denormal_enabled())


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor])
def test_fit_and_predict_flush_denormals(caller_setting, monkeypatch, estimator):
    torch.set_flush_denormal(False)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 6, 2)).astype(np.float32)
    y = np.arange(12) % 2 if estimator is RNNClassifier else rng.normal(size=12)
    record = _RecordFlag()
    model = estimator(hidden_size=4, max_epochs=2, batch_size=4, callbacks=[record])
    model.fit(X, y)
    assert record.seen and all(record.seen)
    assert not flush_denormal_enabled()

    seen = []
    evaluation_step = model.net_.evaluation_step

    def recording_step(*args, **kwargs):
        seen.append(flush_denormal_enabled())
        return evaluation_step(*args, **kwargs)

    monkeypatch.setattr(model.net_, "evaluation_step", recording_step)
    model.predict(X)
    assert seen and all(seen)
    assert not flush_denormal_enabled()
