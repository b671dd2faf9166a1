"""The table of implementations: every benchmark row, declared once.

A :class:`Row` says what to build (``build``), on which workload, with which
options, what it needs to exist (``requires``) and which row it is compared
against (``reference``). Its label is derived from a fixed description plus
its options, and the harness checks after ``fit`` that every option is a
parameter of the fitted estimator with that value (``get_params(deep=True)``)
and, where the fitted torch module records it, that the module runs it too:
a row cannot say ``pooling="mean"`` and run something else.

Adding a row is one entry in :data:`TABLE`. A builder is called as
``build(device, epochs, **options)`` and must hand every option to the
estimator it returns; the base configuration every row of a workload shares
lives in the builder.

This module imports no torch: builders import lazily, inside the child
process that runs the row.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from workloads import W1, W2, W3, W4, W4_TOKENIZERS, WORKLOADS

RNN_CLASSIFIER = "sklearn_rnn:RNNClassifier"
RNN_REGRESSOR = "sklearn_rnn:RNNRegressor"
RNN_TAGGER = "sklearn_rnn:RNNTagger"
TOKENIZER = "sklearn_rnn.preprocessing:SequenceTokenizer"
# The package counts as importable once this exists (an empty directory
# imports as a namespace package).
PACKAGE_MARKER = RNN_CLASSIFIER

W3_GRID = {"hidden_size": [32, 64], "lr": [1e-3, 3e-3]}
W3_FOLDS = 3


def resolve(requirement):
    """The object named ``"module:attribute"``."""
    module_name, attribute = requirement.split(":")
    return getattr(importlib.import_module(module_name), attribute)


def format_options(options):
    """``cell="gru", bidirectional=True``: how a row's options appear in its label."""
    return ", ".join(
        f'{key}="{value}"' if isinstance(value, str) else f"{key}={value!r}"
        for key, value in options.items()
    )


@dataclass(frozen=True, eq=False)
class Row:
    """One row of the results: its builder, workload, options and reference.

    ``reference`` is the name of the row whose median the ratios divide by
    (``None``: the row itself, a baseline). ``requires`` lists
    ``"module:attribute"`` names; when one cannot be imported the row is
    reported as not available instead of run.
    """

    name: str
    workload: object
    build: Callable
    description: str
    options: dict = field(default_factory=dict)
    reference: str | None = None
    requires: tuple = ()

    @property
    def label(self):
        if not self.options:
            return self.description
        return f"{self.description}, {format_options(self.options)}"

    @property
    def compared_to(self):
        return self.reference or self.name

    def make(self, device):
        """The estimator this row runs, options included."""
        return self.build(device, self.workload.epochs, **self.options)


# --------------------------------------------------------------------------
# Builders: ``build(device, epochs, **options) -> estimator``.
# --------------------------------------------------------------------------

# The model and training of the hand-written references: no front end, a constant
# learning rate, no weight decay, no gradient clipping. Pinned, since the
# estimators' defaults differ (a convolutional front end for numeric input, a
# one-cycle schedule, AdamW with weight decay 1e-2, "mean+max+last" pooling since
# commit 7b1820b; gradient clipping at norm 1, which the loops never did and
# which took 17 % of w1_lstm's fit on an H100: benchmarks/profile_fit.py).
REFERENCE_TRAINING = dict(
    frontend=None,
    lr_schedule="constant",
    weight_decay=0.0,
    early_stopping=False,
    clip_grad_norm=None,
)
# What every RNNClassifier row shares (W1, W3's inner estimator, W4).
CLASSIFIER_BASE = dict(
    cell="lstm",
    hidden_size=64,
    num_layers=1,
    bidirectional=False,
    pooling="last",
    batch_size=64,
    lr=1e-3,
    optimizer="adam",
    random_state=0,
    **REFERENCE_TRAINING,
)
# The tagger rows of W1: the classifier's backbone and training, a head at every step.
TAGGER_BASE = {key: value for key, value in CLASSIFIER_BASE.items() if key != "pooling"}
# What every RNNRegressor row shares (W2).
REGRESSOR_BASE = dict(
    loss="mse",
    pooling="last",
    batch_size=64,
    lr=1e-3,
    optimizer="adam",
    random_state=0,
    **REFERENCE_TRAINING,
)


def rnn_classifier(device, epochs, **options):
    """``sklearn_rnn.RNNClassifier``."""
    params = {**CLASSIFIER_BASE, "max_epochs": epochs, "device": device, **options}
    return resolve(RNN_CLASSIFIER)(**params)


def rnn_regressor(device, epochs, **options):
    """``sklearn_rnn.RNNRegressor``."""
    params = {**REGRESSOR_BASE, "max_epochs": epochs, "device": device, **options}
    return resolve(RNN_REGRESSOR)(**params)


class PerStepLabels:
    """W1 as sequence labelling: each sequence's label at every one of its steps.

    Wraps an ``RNNTagger``: ``fit``/``score`` repeat each sequence's label
    along its steps, so that the tagger trains the classifier's backbone on
    the same data with one output (and one loss term) per step.
    ``get_params(deep=True)`` and ``net_`` are the tagger's, for the
    harness's checks of the row's options.
    """

    def __init__(self, tagger):
        self.tagger = tagger

    def get_params(self, deep=True):
        params = {"tagger": self.tagger}
        if deep:
            params.update({f"tagger__{k}": v for k, v in self.tagger.get_params().items()})
        return params

    @property
    def net_(self):
        return self.tagger.net_

    @staticmethod
    def _steps(X, y):
        import numpy as np

        return [np.full(len(x), label) for x, label in zip(X, y, strict=True)]

    def fit(self, X, y):
        self.tagger.fit(X, self._steps(X, y))
        return self

    def predict(self, X):
        return self.tagger.predict(X)

    def score(self, X, y):
        return self.tagger.score(X, self._steps(X, y))


def rnn_tagger_per_step(device, epochs, **options):
    """``sklearn_rnn.RNNTagger`` on W1, the sequence's label at every step."""
    params = {**TAGGER_BASE, "max_epochs": epochs, "device": device, **options}
    return PerStepLabels(resolve(RNN_TAGGER)(**params))


def sequence_tokenizer(device, epochs, **options):
    """``sklearn_rnn.preprocessing.SequenceTokenizer``."""
    return resolve(TOKENIZER)(**options)


def rnn_classifier_defaults(device, epochs, **options):
    """``sklearn_rnn.RNNClassifier`` at its defaults (the issue's speed bar for
    them), only ``max_epochs``, ``device``, ``random_state`` and, as its
    reference has no validation split, ``early_stopping=False`` set."""
    params = {"max_epochs": epochs, "device": device, "random_state": 0, "early_stopping": False}
    return resolve(RNN_CLASSIFIER)(**params, **options)


def defaults_loop(device, epochs, **options):
    """Hand-written loop of the defaults' recipe around the package's module."""
    import references

    return references.DefaultsLoop(max_epochs=epochs, device=device, **options)


def padded_loop(device, epochs, **options):
    """Hand-written LSTM loop: bucketing, per-batch padding (``packed=True``: packing)."""
    import references

    return references.PaddedLSTMClassifier(max_epochs=epochs, device=device, **options)


def gru_loop(device, epochs, **options):
    """Hand-written GRU regression loop on the 3-D array."""
    import references

    return references.GRURegressor(max_epochs=epochs, device=device, **options)


def plain_skorch(device, epochs, **options):
    """Plain skorch as users write it: global padding, a module that packs."""
    import references

    return references.PlainSkorchClassifier(max_epochs=epochs, device=device, **options)


def python_tokenizer(device, epochs, **options):
    """The pure-Python tokenization loop."""
    import references

    return references.PythonTokenizer(**options)


def tokenized(tokenizer, classifier):
    """A builder of ``make_pipeline(tokenizer, classifier)``; options go to the classifier."""

    def build(device, epochs, **options):
        from sklearn.pipeline import make_pipeline

        return make_pipeline(tokenizer(device, epochs), classifier(device, epochs, **options))

    return build


def grid_search(estimator):
    """A builder of W3's ``GridSearchCV`` over ``estimator``; options go to the search."""

    def build(device, epochs, **options):
        from sklearn.model_selection import GridSearchCV

        return GridSearchCV(
            estimator(device, epochs),
            W3_GRID,
            cv=W3_FOLDS,
            refit=False,
            error_score="raise",
            **options,
        )

    return build


# --------------------------------------------------------------------------
# The table. Order is the order of the report's rows and of each repeat.
# --------------------------------------------------------------------------

TABLE = (
    # W1: variable-length classification.
    Row("w1_padded", W1, padded_loop, "hand-written loop + length bucketing", {"packed": False}),
    Row(
        "w1_packed",
        W1,
        padded_loop,
        "hand-written loop + length bucketing",
        {"packed": True},
        reference="w1_padded",
    ),
    Row(
        "w1_defaults_loop",
        W1,
        defaults_loop,
        "hand-written loop of the default recipe (conv front end, mean+max+last, AdamW, one-cycle)",
    ),
    Row(
        "w1_defaults",
        W1,
        rnn_classifier_defaults,
        "sklearn_rnn RNNClassifier at its defaults (early_stopping=False)",
        reference="w1_defaults_loop",
        requires=(RNN_CLASSIFIER,),
    ),
    Row(
        "w1_skorch",
        W1,
        plain_skorch,
        "plain skorch: global padding, module packs",
        reference="w1_padded",
    ),
    Row(
        "w1_lstm",
        W1,
        rnn_classifier,
        "sklearn_rnn RNNClassifier",
        {"cell": "lstm"},
        reference="w1_padded",
        requires=(RNN_CLASSIFIER,),
    ),
    Row(
        "w1_lstm_bi",
        W1,
        rnn_classifier,
        "sklearn_rnn RNNClassifier",
        {"cell": "lstm", "bidirectional": True},
        reference="w1_padded",
        requires=(RNN_CLASSIFIER,),
    ),
    Row(
        "w1_gru",
        W1,
        rnn_classifier,
        "sklearn_rnn RNNClassifier",
        {"cell": "gru"},
        reference="w1_padded",
        requires=(RNN_CLASSIFIER,),
    ),
    Row(
        "w1_lstm_mean",
        W1,
        rnn_classifier,
        "sklearn_rnn RNNClassifier",
        {"cell": "lstm", "pooling": "mean"},
        reference="w1_padded",
        requires=(RNN_CLASSIFIER,),
    ),
    # W1 as tagging: the same backbone with a head at every step, against one
    # label per sequence (the row above with the same cell and directions).
    Row(
        "w1_tagger",
        W1,
        rnn_tagger_per_step,
        "sklearn_rnn RNNTagger, the label at every step",
        {"cell": "lstm", "bidirectional": False},
        reference="w1_lstm",
        requires=(RNN_TAGGER,),
    ),
    Row(
        "w1_tagger_bi",
        W1,
        rnn_tagger_per_step,
        "sklearn_rnn RNNTagger, the label at every step",
        {"cell": "lstm", "bidirectional": True},
        reference="w1_lstm_bi",
        requires=(RNN_TAGGER,),
    ),
    # W2: fixed-length regression.
    Row("w2_gru", W2, gru_loop, "hand-written GRU loop on the 3-D array", {"hidden_size": 32}),
    Row(
        "w2_rnn",
        W2,
        rnn_regressor,
        "sklearn_rnn RNNRegressor",
        {"cell": "gru", "hidden_size": 32},
        reference="w2_gru",
        requires=(RNN_REGRESSOR,),
    ),
    # W3: grid search, 1 and 2 jobs; each compared with its own n_jobs=1.
    Row("w3_padded_1", W3, grid_search(padded_loop), "hand-written padded loop", {"n_jobs": 1}),
    Row(
        "w3_padded_2",
        W3,
        grid_search(padded_loop),
        "hand-written padded loop",
        {"n_jobs": 2},
        reference="w3_padded_1",
    ),
    Row(
        "w3_rnn_1",
        W3,
        grid_search(rnn_classifier),
        "sklearn_rnn RNNClassifier",
        {"n_jobs": 1},
        requires=(RNN_CLASSIFIER,),
    ),
    Row(
        "w3_rnn_2",
        W3,
        grid_search(rnn_classifier),
        "sklearn_rnn RNNClassifier",
        {"n_jobs": 2},
        reference="w3_rnn_1",
        requires=(RNN_CLASSIFIER,),
    ),
    # W4: text; tokenizers alone, then tokenizer + classifier.
    Row("w4_python_tokenizer", W4_TOKENIZERS, python_tokenizer, "pure-Python tokenization loop"),
    Row(
        "w4_tokenizer",
        W4_TOKENIZERS,
        sequence_tokenizer,
        "SequenceTokenizer",
        reference="w4_python_tokenizer",
        requires=(TOKENIZER,),
    ),
    Row(
        "w4_padded",
        W4,
        tokenized(python_tokenizer, padded_loop),
        "pure-Python tokenizer + hand-written padded LSTM",
    ),
    Row(
        "w4_rnn",
        W4,
        tokenized(sequence_tokenizer, rnn_classifier),
        "SequenceTokenizer + RNNClassifier",
        reference="w4_padded",
        requires=(TOKENIZER, RNN_CLASSIFIER),
    ),
)
BY_NAME = {row.name: row for row in TABLE}
REQUIREMENTS = sorted({requirement for row in TABLE for requirement in row.requires})


def validate_table(table=TABLE):
    """Structural checks of the table; raises ``ValueError`` listing every problem."""
    problems = []
    names = [row.name for row in table]
    by_name = {row.name: row for row in table}
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"row name {name!r} is declared more than once")
    labels = {}
    for row in table:
        if row.workload not in WORKLOADS:
            problems.append(f"{row.name}: workload {row.workload!r} is not in workloads.WORKLOADS")
        if not callable(row.build):
            problems.append(f"{row.name}: build is not callable")
        for key in row.options:
            if not (isinstance(key, str) and key.replace("__", "_").isidentifier()):
                problems.append(f"{row.name}: option {key!r} is not a parameter name")
        reference = by_name.get(row.compared_to)
        if reference is None:
            problems.append(f"{row.name}: reference {row.reference!r} is not a row")
        elif reference.workload is not row.workload:
            problems.append(
                f"{row.name}: reference {reference.name!r} runs another workload "
                f"({reference.workload.name}, not {row.workload.name})"
            )
        key = (row.workload.name, row.label)
        if key in labels:
            problems.append(
                f"{row.name} and {labels[key]} have the same label {row.label!r}: "
                "rows that differ must differ in their options or description"
            )
        labels[key] = row.name
        for requirement in row.requires:
            if requirement.count(":") != 1:
                problems.append(
                    f"{row.name}: requirement {requirement!r} is not 'module:attribute'"
                )
    if problems:
        raise ValueError("invalid benchmark table:\n  " + "\n  ".join(problems))


validate_table()
