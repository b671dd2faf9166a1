"""Parameters are declared once (sklearn_rnn/_params.py), and every one does something.

Both tests derive their cases from the declarations: a parameter added to an
estimator's ``_parameters`` is covered without anyone editing this file.
"""

import inspect
import io
import os
import tempfile
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback, Freezer

from sklearn_rnn import (
    CTCTranscriber,
    RNNClassifier,
    RNNRegressor,
    RNNTagger,
    Sequences,
    TrainingDivergedError,
    TrainingDivergedWarning,
    TrainingInterruptedWarning,
)
from sklearn_rnn.components import (
    SGD,
    Augmentation,
    Component,
    ConvBranch,
    ConvFrontend,
    DataParallel,
    FrameStacking,
    RocketBranch,
    TextBag,
    TokenEmbedding,
)
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
        assert cls._parameter_constraints[p.name] == declared.constraints
        assert f"{p.name} : {declared.type}, default=" in cls.__doc__
    assert set(cls._parameter_constraints) == set(cls._parameters)
    assert "{parameters}" not in cls.__doc__
    # The assignment block stores each argument unchanged, under its own name.
    sentinels = {name: object() for name in cls._parameters}
    stored = cls(**sentinels).get_params(deep=False)
    assert all(stored[name] is sentinels[name] for name in sentinels)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_no_estimator_has_more_than_30_parameters(cls):
    assert len(cls._parameters) <= 30, sorted(cls._parameters)


def test_each_estimator_declares_only_its_parameters():
    assert "pooling" in RNNClassifier._parameters and "pooling" in RNNRegressor._parameters
    assert "pooling" not in CTCTranscriber._parameters
    assert "class_weight" not in RNNRegressor._parameters
    assert "loss" not in RNNClassifier._parameters
    assert CTCTranscriber().bidirectional is True and RNNClassifier().bidirectional is False
    assert "pooling" not in RNNTagger._parameters and "loss" not in RNNTagger._parameters
    # A tagger needs one output per step: bidirectional, and no "auto" shortening.
    assert RNNTagger().bidirectional is True


# --- every parameter changes the model, its training or its predictions ----------

_rng = np.random.RandomState(0)
_X_RAGGED = [_rng.randn(_rng.randint(3, 16), 3).astype(np.float32) for _ in range(64)]
_X_TOKENS = [_rng.randint(2, 20, size=_rng.randint(3, 16)) for _ in range(64)]
# The same tokens with "character n-grams" (SequenceTokenizer(subwords=...)'s
# form): two per token, shared by tokens of one residue modulo 5 and 3.
_X_SUBWORDS = Sequences.from_list(_X_TOKENS)
_X_SUBWORDS.subwords = Sequences.from_list(
    [np.stack([1 + x % 5, 6 + x % 3], axis=1).ravel() for x in _X_TOKENS]
)
# Long enough for MiniRocket's dilations to spread (up to (L - 1) / 8).
_X_LONG = [_rng.randn(_rng.randint(40, 80), 3).astype(np.float32) for _ in range(64)]
_X_LINES, _Y_LINES = make_digit_lines(n_samples=48, max_digits=3, random_state=0)
#: Settings shared by both fits of each comparison, to keep them fast.
_BASE = {"hidden_size": 8, "max_epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}


def _data(cls, kind):
    """Data each estimator learns from in a few epochs (the target is in the
    last step), so that early stopping sees the validation loss improve."""
    X = {"tokens": _X_TOKENS, "long": _X_LONG}.get(kind, _X_RAGGED)
    if kind == "subwords":
        last = np.array([float(x[-1]) for x in _X_TOKENS])
        y = (last > np.median(last)).astype(int)
        return _X_SUBWORDS, (y if cls is RNNClassifier else last + y)
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
    predictions = [np.asarray(p).tolist() for p in estimator.predict(X[:16])]
    if hasattr(estimator, "predict_proba"):
        # A setting of prediction alone (RocketBranch's network_weight) may
        # move the probabilities and not the labels.
        predictions += [np.asarray(p).tolist() for p in estimator.predict_proba(X[:16])]
    return weights, history, predictions, out.getvalue()


def _differs(a, b):
    weights_a, *rest_a = a
    weights_b, *rest_b = b
    if len(weights_a) != len(weights_b) or any(
        wa.shape != wb.shape or not np.array_equal(wa, wb) for wa, wb in zip(weights_a, weights_b)
    ):
        return True
    return rest_a != rest_b


class Probe:
    """Values of a parameter (or of a component's setting, ``frontend__stride``)
    that must each change the fitted model, its training or its predictions.

    ``context``: other parameters set in both fits of the comparison, where the
    value only acts under them; ``data``: what both fit on ("ragged",
    "long" (ragged, 40 to 79 steps), "tokens", "subwords" (tokens with character
    n-grams), or "words", which only
    RNNTagger takes).
    """

    def __init__(self, *values, context=None, data="ragged"):
        self.values = values
        self.context = context or {}
        self.data = data


def _embedding_rows():
    # One row per id of the test's tokens (2..19), TokenEmbedding's dim 64.
    return np.random.RandomState(0).randn(20, 64).astype(np.float32)


_CONV = {"frontend": ConvFrontend()}
_ES = {"early_stopping": True}
#: The probes of every parameter and every component setting; a value equal to
#: an estimator's default is skipped (``bidirectional=True`` for CTC).
PROBES = {
    "cell": Probe("gru", "rnn_tanh", "rnn_relu", None),
    "hidden_size": Probe(16),
    "num_layers": Probe(2),
    "bidirectional": Probe(True, False),
    "dropout": Probe(0.5),
    # "auto" is no front end on these short, narrow sequences.
    "frontend": Probe(ConvFrontend(), FrameStacking()),
    "frontend__channels": Probe(16, context=_CONV),
    "frontend__stride": Probe(4, context=_CONV),
    "frontend__stack": Probe(2, context=_CONV),
    "frontend__factor": Probe(3, context={"frontend": FrameStacking()}),
    "pooling": Probe("last", "mean", "max", "attention"),
    "augmentation": Probe(Augmentation(jitter=0.5)),
    "augmentation__jitter": Probe(0.5, context={"augmentation": Augmentation()}),
    "augmentation__scaling": Probe(0.5, context={"augmentation": Augmentation()}),
    "augmentation__time_mask": Probe(0.5, context={"augmentation": Augmentation()}),
    "augmentation__feature_mask": Probe(0.5, context={"augmentation": Augmentation()}),
    "augmentation__mixup": Probe(0.4, context={"augmentation": Augmentation()}),
    "embedding": Probe(TokenEmbedding(dim=8), data="tokens"),
    "embedding__dim": Probe(8, context={"embedding": TokenEmbedding()}, data="tokens"),
    "embedding__weights": Probe(
        _embedding_rows, context={"embedding": TokenEmbedding()}, data="tokens"
    ),
    "embedding__freeze": Probe(True, context={"embedding": TokenEmbedding()}, data="tokens"),
    # "auto" is no bag on these tokens (fewer distinct tokens than sequences).
    "bag": Probe(TextBag(), TextBag(mode="join"), data="tokens"),
    "bag__mode": Probe("join", context={"bag": TextBag()}, data="tokens"),
    "bag__ngrams": Probe(2, context={"bag": TextBag()}, data="tokens"),
    "bag__buckets": Probe(16, context={"bag": TextBag(ngrams=2)}, data="tokens"),
    "bag__dropout": Probe(0.0, context={"bag": TextBag()}, data="tokens"),
    "bag__nb": Probe(True, context={"bag": TextBag()}, data="tokens"),
    "bag__nb_ngrams": Probe(2, 3, context={"bag": TextBag(nb=True)}, data="tokens"),
    "bag__nb_buckets": Probe(16, context={"bag": TextBag(nb=True, nb_ngrams=2)}, data="tokens"),
    "bag__subwords": Probe(None, "both", "nb", context={"bag": TextBag(nb=True)}, data="subwords"),
    # A convolutional branch beside the recurrent layers, for numbers.
    "bag__channels": Probe(4, context={"bag": ConvBranch(channels=8)}),
    "bag__levels": Probe(True, context={"bag": ConvBranch(channels=8)}),
    # MiniRocket's fixed features beside the recurrent layers.
    "bag__n_features": Probe(168, context={"bag": RocketBranch(n_features=84)}),
    "bag__max_dilations": Probe(1, context={"bag": RocketBranch(n_features=84 * 4)}, data="long"),
    "bag__head": Probe("ridge", context={"bag": RocketBranch(n_features=84)}),
    "bag__lr_factor": Probe(1.0, 0.5, context={"bag": RocketBranch(n_features=84, head="ridge")}),
    "bag__network_weight": Probe(
        1.0, 0.0, context={"bag": RocketBranch(n_features=84, head="ridge")}
    ),
    "optimizer": Probe("adam", "sgd", "rmsprop", SGD(momentum=0.5)),
    "optimizer__momentum": Probe(0.0, context={"optimizer": SGD()}),
    "optimizer__nesterov": Probe(True, context={"optimizer": SGD()}),
    "lr": Probe(3e-2),
    "weight_decay": Probe(0.5),
    "lr_schedule": Probe("constant"),
    "batch_size": Probe(8),
    "max_epochs": Probe(3),
    "clip_grad_norm": Probe(1e-3),
    "early_stopping": Probe(True),
    "validation_fraction": Probe(0.3, context=_ES),
    "n_iter_no_change": Probe(1, context={**_ES, "tol": 0.5, "max_epochs": 6}),
    "tol": Probe(1.0, context={**_ES, "n_iter_no_change": 2, "max_epochs": 6}),
    "scoring": Probe(None, context=_ES),
    "on_divergence": Probe("keep_best"),
    "class_weight": Probe({0: 5.0, 1: 1.0}),
    "random_state": Probe(1),
    "device": Probe("cuda", DataParallel()),
    "device__backend": Probe("nccl", context={"device": DataParallel(backend="gloo")}),
    "verbose": Probe(1),
    "warm_start": Probe(True),
    # A factory, so that each fit gets its own callback instance.
    "callbacks": Probe(lambda: [("freeze_backbone", Freezer("backbone.*"))]),
    "checkpoint": Probe(lambda: tempfile.mkdtemp(prefix="sklearn_rnn-checkpoint-")),
    "loss": Probe("mae", "huber"),
    "word_features": Probe("id", data="words"),
}
#: Where an estimator needs other probes than the table's.
OVERRIDES = {
    RNNClassifier: {
        # "auto" augments the small probe data: no augmentation differs too.
        "augmentation": Probe(Augmentation(jitter=0.5), None),
        "augmentation__jitter": Probe(0.5, 0.0, context={"augmentation": Augmentation()}),
        "augmentation__scaling": Probe(0.5, 0.0, context={"augmentation": Augmentation()}),
    },
    RNNRegressor: {
        # No NB path: the n-grams' rows in the mean, or none.
        "bag__subwords": Probe(None, context={"bag": TextBag()}, data="subwords"),
        # True stops after n_iter_no_change epochs; "auto" (from 50 samples)
        # runs them all: they differ once a plateau stops it.
        "early_stopping": Probe(
            True, False, context={"n_iter_no_change": 1, "tol": 0.5, "max_epochs": 6}
        ),
    },
    CTCTranscriber: {
        # Digit lines have 8 features per frame: "auto" already uses the front end.
        "frontend": Probe(None, FrameStacking()),
        "frontend__stride": Probe(4, context=_CONV),
        # Near its initialisation the network is unsure, and decoders differ.
        "decoder": Probe(
            "beam", context={"beam_width": 1, "max_epochs": 1, "lr": 1e-4, "frontend": None}
        ),
        "beam_width": Probe(
            1, context={"decoder": "beam", "max_epochs": 1, "lr": 1e-4, "frontend": None}
        ),
    },
    RNNTagger: {
        "frontend__stride": Probe(2, context=_CONV),
        "class_weight": Probe("balanced"),
    },
}
#: Component settings that an estimator refuses rather than ignores.
#: Settings an estimator refuses instead of ignoring (tested where they are).
REFUSED = {
    (RNNRegressor, "augmentation__mixup"),
    (CTCTranscriber, "augmentation__mixup"),
    (RNNRegressor, "bag__nb"),
    # Settings of the naive-Bayes path, which the regressor refuses (above).
    (RNNRegressor, "bag__nb_ngrams"),
    (RNNRegressor, "bag__nb_buckets"),
}


def _probe(cls, name):
    return OVERRIDES.get(cls, {}).get(name, PROBES.get(name))


def _component_settings(cls):
    """``param__setting`` of every setting of every component class that each
    of the estimator's parameters accepts."""
    names = []
    for name, param in cls._parameters.items():
        for constraint in param.constraints:
            if isinstance(constraint, type) and issubclass(constraint, Component):
                names += [f"{name}__{key}" for key in constraint().get_params()]
    return names


def _cases():
    cases = []
    for cls in ESTIMATORS:
        for name in [*cls._parameters, *_component_settings(cls)]:
            if (cls, name) in REFUSED:
                continue
            probe = _probe(cls, name)
            default = cls._parameters.get(name)
            for index, value in enumerate(probe.values):
                if default is not None and repr(value) == repr(default.default):
                    continue  # e.g. bidirectional=True for CTC
                cases.append(pytest.param(cls, name, value, id=f"{cls.__name__}-{name}-{index}"))
    return cases


@pytest.mark.parametrize("cls, name, probe", _cases())
def test_every_parameter_changes_the_fitted_model(cls, name, probe):
    spec = _probe(cls, name)
    settings = {**_BASE, **spec.context}
    baseline = cls(**settings)
    base_value = baseline.get_params()[name]
    value = probe() if callable(probe) and not isinstance(probe, type) else probe
    assert repr(value) != repr(base_value), f"the probe of {name} is its baseline value"
    X, y = _data(cls, spec.data)
    variant = clone(baseline).set_params(**{name: value})
    if name.startswith("device") and (
        isinstance(variant.device, DataParallel) or not torch.cuda.is_available()
    ):
        # Consumed: asking for CUDA where there is none, or for several
        # processes where no launcher started them, is refused, not ignored
        # (tests/test_distributed.py trains on several processes).
        needs_cuda = value in ("cuda", "nccl") and not torch.cuda.is_available()
        with pytest.raises(ValueError, match="CUDA is not available" if needs_cuda else "torchrun"):
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


def test_every_parameter_and_component_setting_has_a_probe():
    # A probe equal to the estimator's default is skipped (bidirectional=True
    # for CTC), so each estimator needs one that differs from its own default.
    for cls in ESTIMATORS:
        missing = [
            name
            for name in [*cls._parameters, *_component_settings(cls)]
            if (cls, name) not in REFUSED
            and (
                _probe(cls, name) is None
                or (
                    name in cls._parameters
                    and not any(
                        repr(value) != repr(cls._parameters[name].default)
                        for value in _probe(cls, name).values
                    )
                )
            )
        ]
        assert not missing, f"{cls.__name__}: parameters without a probe: {missing}"
