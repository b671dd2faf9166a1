"""Parameters are declared once (sklearn_rnn/_params.py), and every one does something.

Both tests derive their cases from the declarations: a parameter added to an
estimator's ``_parameters`` is covered without anyone editing this file.
"""

import inspect
import io
import os
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklearn_rnn import (
    CTCTranscriber,
    RNNClassifier,
    RNNRegressor,
    RNNTagger,
    TrainingDivergedError,
    TrainingDivergedWarning,
    TrainingInterruptedWarning,
)
from sklearn_rnn._params import ROUTES
from sklearn_rnn.datasets import make_digit_lines

ESTIMATORS = [RNNClassifier, RNNRegressor, CTCTranscriber, RNNTagger]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_signature_constraints_and_docstring_match_the_declaration(cls):
    signature = inspect.signature(cls.__init__)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    assert [p.name for p in params] == list(cls._parameters)
    for p in params:
        declared = cls._parameters[p.name]
        assert p.default == declared.default, p.name
        assert declared.route in ROUTES
        assert cls._parameter_constraints[p.name] == declared.constraints
        assert f"{p.name} : {declared.type}, default=" in cls.__doc__
    assert set(cls._parameter_constraints) == set(cls._parameters)
    assert "{parameters}" not in cls.__doc__


def test_each_estimator_declares_only_its_parameters():
    assert "pooling" in RNNClassifier._parameters and "pooling" in RNNRegressor._parameters
    assert "pooling" not in CTCTranscriber._parameters
    assert "class_weight" not in RNNRegressor._parameters
    assert "loss" not in RNNClassifier._parameters
    assert CTCTranscriber().bidirectional is True and RNNClassifier().bidirectional is False
    assert "pooling" not in RNNTagger._parameters and "loss" not in RNNTagger._parameters
    # A tagger needs one output per step: bidirectional, and no "auto" shortening.
    assert RNNTagger().bidirectional is True and RNNTagger().frontend_stride == 1


# --- every parameter changes the model, its training or its predictions ----------

_rng = np.random.RandomState(0)
_X_RAGGED = [_rng.randn(_rng.randint(3, 16), 3).astype(np.float32) for _ in range(64)]
_X_TOKENS = [_rng.randint(2, 20, size=_rng.randint(3, 16)) for _ in range(64)]
_X_LINES, _Y_LINES = make_digit_lines(n_samples=48, max_digits=3, random_state=0)
#: Settings shared by both fits of each comparison, to keep them fast.
_BASE = {"hidden_size": 8, "max_epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}


def _data(cls, kind):
    """Data each estimator learns from in a few epochs (the target is in the
    last step), so that early stopping sees the validation loss improve."""
    X = _X_TOKENS if kind == "tokens" else _X_RAGGED
    if cls is RNNTagger:
        # One label per step, unbalanced (so that class weights act).
        if kind == "words":  # already split words, spelled from the token ids
            words = [[f"{'Ab'[t % 2]}w{t}{'s' * (t % 3)}" for t in x] for x in _X_TOKENS]
            return words, [(x % 3 == 0).astype(int) for x in _X_TOKENS]
        if kind == "tokens":
            return X, [(x % 3 == 0).astype(int) for x in X]
        return X, [(x[:, 0] > 0.5).astype(int) for x in X]
    if cls is CTCTranscriber:
        if kind != "tokens":
            return _X_LINES, _Y_LINES
        return X, ["ab"[x[-1] % 2] + "ab"[x[0] % 2] for x in X]
    last = np.array([float(np.ravel(x)[-1]) for x in X])
    y = (last > np.median(last)).astype(int)
    return X, (y if cls is RNNClassifier else last + y)


def _fingerprint(estimator, X, y, fit_twice):
    """Everything a parameter may change: weights, the training history, the
    predictions and what fit printed."""
    out = io.StringIO()
    with redirect_stdout(out):
        estimator.fit(X, y)
        if fit_twice:
            estimator.fit(X, y)
    weights = [
        t.detach().cpu().numpy().copy() for t in estimator.net_.module_.state_dict().values()
    ]
    history = [
        (row["epoch"], round(row["train_loss"], 10), row.get("valid_loss"), row.get("valid_score"))
        for row in estimator.history_
    ]
    predictions = estimator.predict(X[:16])
    return weights, history, [np.asarray(p).tolist() for p in predictions], out.getvalue()


def _differs(a, b):
    weights_a, *rest_a = a
    weights_b, *rest_b = b
    if len(weights_a) != len(weights_b) or any(
        wa.shape != wb.shape or not np.array_equal(wa, wb) for wa, wb in zip(weights_a, weights_b)
    ):
        return True
    return rest_a != rest_b


def _cases():
    return [
        pytest.param(cls, name, probe, id=f"{cls.__name__}-{name}-{index}")
        for cls in ESTIMATORS
        for name, param in cls._parameters.items()
        for index, probe in enumerate(param.probes)
        if repr(probe) != repr(param.default)  # e.g. bidirectional=True for CTC
    ]


@pytest.mark.parametrize("cls, name, probe", _cases())
def test_every_parameter_changes_the_fitted_model(cls, name, probe):
    param = cls._parameters[name]
    settings = {**_BASE, **param.probe_context}
    base_value = settings.get(name, param.default)
    value = probe() if callable(probe) else probe
    assert repr(value) != repr(base_value), f"the probe of {name} is its baseline value"
    X, y = _data(cls, param.probe_data)
    baseline = cls(**settings)
    variant = clone(baseline).set_params(**{name: value})
    if name == "device" and not torch.cuda.is_available():
        # Consumed: asking for CUDA where there is none is refused, not ignored.
        with pytest.raises(ValueError, match="CUDA is not available"):
            variant.fit(X, y)
        return
    if name == "on_divergence":
        # Consumed when the loss diverges (NaN weights in epoch 2): "raise"
        # raises, "keep_best" keeps epoch 1's weights and warns.
        with pytest.raises(TrainingDivergedError):
            baseline.set_params(callbacks=[("nan", _NaNWeights(2))]).fit(X, y)
        with pytest.warns(TrainingDivergedWarning):
            variant.set_params(callbacks=[("nan", _NaNWeights(2))]).fit(X, y)
        return
    if name == "checkpoint":
        # Consumed by a fit interrupted in epoch 2: it leaves epoch 1's state,
        # which the same fit then resumes from (training one epoch less).
        for model in (baseline, variant):
            with pytest.warns(TrainingInterruptedWarning):
                model.set_params(callbacks=[("stop", _Interrupt(2))]).fit(X, y)
        assert len(os.listdir(value)) == 1
        resumed, fresh = _EpochCount(), _EpochCount()
        variant.set_params(callbacks=[("count", resumed)]).fit(X, y)
        baseline.set_params(callbacks=[("count", fresh)]).fit(X, y)
        assert (resumed.epochs, fresh.epochs) == (
            settings["max_epochs"] - 1,
            settings["max_epochs"],
        )
        return
    fit_twice = name == "warm_start"
    assert _differs(_fingerprint(baseline, X, y, fit_twice), _fingerprint(variant, X, y, fit_twice))


class _NaNWeights(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            with torch.no_grad():
                for parameter in net.module_.parameters():
                    parameter.fill_(float("nan"))


class _Interrupt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


class _EpochCount(Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_every_declared_parameter_has_a_probe():
    # A probe equal to the estimator's default is skipped (bidirectional=True
    # for CTC), so each estimator needs one that differs from its own default.
    for cls in ESTIMATORS:
        missing = [
            name
            for name, param in cls._parameters.items()
            if not any(repr(probe) != repr(param.default) for probe in param.probes)
        ]
        assert not missing, f"{cls.__name__}: parameters without a probe: {missing}"
