"""Every estimator parameter, declared once.

A :class:`Param` gives a parameter's default, its constraint and its
documentation, and whether it is a keyword argument of the torch module
(``module=True``: the backbone's flat parameters and ``pooling``; the
components ``frontend``, ``augmentation``, ``bag`` and ``embedding`` are
resolved into module arguments by the estimator). The estimators'
``_parameter_constraints`` and the Parameters section of their docstrings are
derived from these declarations. sklearn's explicit ``__init__`` stays
(``clone`` and ``get_params`` read its signature); ``tests/test_params.py``
checks that each signature and assignment block matches its declaration, and
that every parameter, and every setting of every component, changes the
fitted model. The data-dependent "auto" rules live in :mod:`sklearn_rnn._auto`.
"""

import os
from dataclasses import dataclass, replace
from numbers import Integral, Real

import torch
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, StrOptions

from .components import (
    SGD,
    Augmentation,
    ConvBranch,
    ConvFrontend,
    DataParallel,
    FrameStacking,
    RocketBranch,
    TextBag,
    TokenEmbedding,
)
from .nn.backbone import CELLS, check_pooling

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "sgd": torch.optim.SGD,
}


@dataclass(frozen=True)
class Param:
    """One estimator parameter.

    Parameters
    ----------
    default : object
        The value of the ``__init__`` default.
    constraints : list
        sklearn ``_parameter_constraints`` entries.
    type : str
        The numpydoc type, without the default (added from ``default``).
    doc : str
        The description.
    module : bool
        Whether the value is passed as is to the torch module.
    check : callable or None
        A further check of the value, beyond ``constraints`` (which sklearn's
        constraint types cannot express); ``check_doc`` says what it requires.
    """

    default: object
    constraints: list
    type: str
    doc: str
    module: bool = False
    check: object = None
    check_doc: str = ""


def _positive_int():
    return [Interval(Integral, 1, None, closed="left")]


# The backbone: keyword arguments of the torch module.
BACKBONE = {
    "cell": Param(
        "lstm",
        [StrOptions(set(CELLS)), None],
        '{"lstm", "gru", "rnn_tanh", "rnn_relu"} or None',
        "Recurrent cell. LSTM is the default: on CPU it runs one fused oneDNN\n"
        "kernel and is several times faster per step than GRU or a vanilla RNN\n"
        "(see ``benchmarks/README.md``). None: no recurrent layers; the front\n"
        "end's outputs are pooled directly, a fully convolutional network\n"
        '(FCN) whose ``frontend`` "auto" is then "conv" (``hidden_size``,\n'
        "``num_layers`` and ``bidirectional`` are unused). Pool it with\n"
        '``pooling="mean+max"`` (an FCN\'s global pooling): the last frame of a\n'
        "convolution sees only the sequence's end. Measured better on one set\n"
        "of long series with two per class, worse on the others tried\n"
        "(``docs/user_guide/choosing.md``).",
        module=True,
    ),
    "hidden_size": Param(
        64,
        _positive_int(),
        "int",
        "Units per recurrent layer and direction.",
        module=True,
    ),
    "num_layers": Param(1, _positive_int(), "int", "Stacked recurrent layers.", module=True),
    "bidirectional": Param(
        False,
        ["boolean"],
        "bool",
        "Add a backward direction (exact within each sequence's length).",
        module=True,
    ),
    "dropout": Param(
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Dropout between stacked layers and on the recurrent output.",
        module=True,
    ),
}

POOLING = {
    "pooling": Param(
        "mean+max+last",
        [str],
        'str, one of {"last", "mean", "max", "attention"} or several joined by "+"',
        "How a sequence's outputs become one vector: the output at its true last\n"
        "step (with the backward direction's final state when bidirectional),\n"
        "the mean or max over its real steps, or an attention-weighted mean\n"
        "(a learned score per step, softmax over the real steps). Several\n"
        'joined by "+" are concatenated.',
        module=True,
        check=check_pooling,
        check_doc='one of "last", "mean", "max", "attention", or several of them joined by "+"',
    ),
}

# The optional parts of the network and its training: one component each
# (sklearn_rnn.components), "auto" resolved at fit by sklearn_rnn._auto.
FRONTEND = {
    "frontend": Param(
        "auto",
        [StrOptions({"auto"}), ConvFrontend, FrameStacking, None],
        '"auto", ConvFrontend, FrameStacking or None',
        "What the input goes through before the recurrent layers: a\n"
        ":class:`~sklearn_rnn.components.ConvFrontend` (convolution blocks that\n"
        "summarise the input and, on long sequences, shorten it), a\n"
        ":class:`~sklearn_rnn.components.FrameStacking`, or None (the input\n"
        'goes to the recurrent layers directly). "auto" uses ``ConvFrontend()``\n'
        "for numeric sequences whose median training length is at least 64 steps\n"
        "or that have more than 4 features per step; short, narrow sequences\n"
        "and token sequences go to the recurrent layers directly (there the\n"
        "front end blurred the order an LSTM reads, and overfit small text\n"
        'corpora: ``docs/user_guide/choosing.md``); with ``cell=None``, "auto"\n'
        "is always ``ConvFrontend()``. ``frontend_`` holds the front end used,\n"
        "its stride resolved.",
    ),
}

AUGMENTATION = {
    "augmentation": Param(
        "auto",
        [StrOptions({"auto"}), Augmentation, None],
        '"auto", Augmentation or None',
        "Training-time augmentation of numeric sequences (jitter, scaling, time\n"
        'and feature masking, mixup): an :class:`~sklearn_rnn.components.Augmentation`. "auto"\n'
        'is ``Augmentation()``, whose own "auto" settings augment a classifier\'s\n'
        "small numeric training sets (fewer than 100 sequences) and nothing\n"
        "else; None: none. ``augmentation_`` holds the settings used (None when\n"
        "nothing augments).",
    ),
}

# Token input: the embedding, and a bag of words beside or instead of the recurrent layers.
EMBEDDING = {
    "embedding": Param(
        None,
        [TokenEmbedding, None],
        "TokenEmbedding or None",
        "The embedding of token ids, used when X holds integer tokens: a\n"
        ":class:`~sklearn_rnn.components.TokenEmbedding` (size, pretrained rows,\n"
        "freezing). None: ``TokenEmbedding()``, or ``TokenEmbedding(dim=16)``\n"
        'under the sentence bag that ``bag="auto"`` gives a classifier.\n'
        "``embedding_`` holds the one used (None for float input).",
    ),
}

BAG = {
    "bag": Param(
        "auto",
        [StrOptions({"auto"}), TextBag, ConvBranch, RocketBranch, None],
        '"auto", TextBag, ConvBranch, RocketBranch or None',
        "What the head reads beside (or instead of) the recurrent layers. For\n"
        "token input: a :class:`~sklearn_rnn.components.TextBag`, the mean of\n"
        "the embeddings of the sequence's words (and word n-grams), read alone\n"
        'or beside the recurrent layers. "auto" uses a bag alone for token\n'
        "sequences with more distinct tokens than training sequences: for a\n"
        "classifier with NBSVM's naive-Bayes path, ``TextBag(nb=True)``, and\n"
        "``TextBag(nb=True, nb_ngrams=2)`` where the median sequence holds at\n"
        "most 30 tokens (sentences); ``TextBag()`` for a regressor; else none.\n"
        "None: the recurrent layers alone. A TextBag is\n"
        "ignored for float input. For numeric input: a\n"
        ":class:`~sklearn_rnn.components.ConvBranch`, convolutions beside the\n"
        "recurrent layers whose mean joins the head (LSTM-FCN), or a\n"
        ":class:`~sklearn_rnn.components.RocketBranch`, MiniRocket's fixed\n"
        'dilated-kernel features, computed once per fit; "auto" gives\n'
        "numeric sequences of a median length of at least 64 steps\n"
        '``RocketBranch(head="auto")``: a closed-form ridge on its features\n'
        "for a regressor and three or more classes, the joint head for two\n"
        "(not in ``partial_fit``); shorter ones none.\n"
        "``bag_`` holds the bag or branch used. See\n"
        "``docs/user_guide/choosing.md``.",
    ),
}


# Optimisation: the optimizer, the batch iterator and the training loop.
TRAINING = {
    "optimizer": Param(
        "adamw",
        [StrOptions(set(OPTIMIZERS)), SGD, type],
        '{"adamw", "adam", "rmsprop", "sgd"}, SGD or torch optimizer class',
        "The optimizer. AdamW applies ``weight_decay`` decoupled from the\n"
        "gradient (Loshchilov and Hutter, 2019); with Adam, RMSprop and SGD it\n"
        'is an L2 penalty. "sgd" is ``SGD()``, momentum 0.9; an\n'
        ":class:`~sklearn_rnn.components.SGD` sets its momentum.",
    ),
    "lr": Param(
        3e-3,
        [Interval(Real, 0, None, closed="neither")],
        "float",
        "Learning rate.",
    ),
    "weight_decay": Param(
        1e-2,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Weight decay passed to the optimizer.",
    ),
    "lr_schedule": Param(
        "onecycle",
        [StrOptions({"onecycle", "constant"})],
        '{"onecycle", "constant"}',
        'How the learning rate moves during ``fit``. "onecycle" warms up to\n'
        "``lr`` over the first 30 % of the planned optimizer steps and anneals\n"
        "to ``lr / 10**4`` (Smith and Topin, 2019), which lets small data sets\n"
        'train long without diverging; "constant" keeps ``lr``. ``partial_fit``\n'
        "always uses a constant rate.",
    ),
    "batch_size": Param(32, _positive_int(), "int", "Samples per batch."),
    "max_epochs": Param(
        "auto",
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        '"auto" or int',
        "Passes over the training data (fewer when early stopping ends training).\n"
        '"auto" counts the budget in optimizer steps, so that small and large\n'
        "data sets both train properly: enough epochs for 1,000 steps, at least\n"
        "20 and at most 300 (50 samples in batches of 32: 300 epochs; 600\n"
        "samples: 53 epochs; 8,000 samples: 20 epochs, with early stopping on).\n"
        "With mixup (``augmentation_`` holds it) the steps and the cap double:\n"
        "2,000 steps, at most 600 epochs.",
    ),
    "clip_grad_norm": Param(
        1.0,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        "Clip the gradient norm at this value; None disables clipping.",
    ),
    "early_stopping": Param(
        "auto",
        [StrOptions({"auto"}), "boolean"],
        '"auto" or bool',
        "Stop when the validation loss (or ``scoring``) has not improved by\n"
        "``tol`` (relative) for ``n_iter_no_change`` epochs; the best weights\n"
        "are restored. The validation set is ``X_val, y_val`` given to ``fit``,\n"
        'else ``validation_fraction`` of the data held out. "auto" enables it\n'
        "when ``X_val`` is given or there are at least 2000 training samples.",
    ),
    "validation_fraction": Param(
        0.1,
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Fraction of the training data held out for early stopping.",
    ),
    "n_iter_no_change": Param(
        5,
        _positive_int(),
        "int",
        "Epochs without improvement before early stopping ends training.",
    ),
    "tol": Param(
        1e-4,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Relative improvement of the validation loss that counts for early stopping.",
    ),
    "scoring": Param(
        "loss",
        [StrOptions({"loss"}), StrOptions(set(get_scorer_names())), callable, None],
        "str, callable or None",
        "What the validation set is scored by, as in sklearn's\n"
        '``HistGradientBoostingClassifier``: "loss" records only the validation\n'
        "loss; a scorer name or callable ``scorer(estimator, X, y)`` (None: the\n"
        "estimator's ``score``) is also recorded per epoch as ``valid_score`` in\n"
        "``history_``, and early stopping monitors it instead of the loss.",
    ),
    "on_divergence": Param(
        "raise",
        [StrOptions({"raise", "keep_best"})],
        '{"raise", "keep_best"}',
        "What to do when a training batch's loss becomes NaN or infinite.\n"
        '"raise" stops with ``TrainingDivergedError``, naming the epoch and the\n'
        'remedy. "keep_best" stops training there, keeps the weights of the best\n'
        "epoch so far (by the validation loss or ``scoring`` when early stopping\n"
        "is on, else the last finished epoch), records ``diverged`` in\n"
        "``history_`` and warns ``TrainingDivergedWarning``; a divergence in\n"
        "the first epoch still raises, as no epoch has finished.",
    ),
}

RUNTIME = {
    "random_state": Param(
        None,
        ["random_state"],
        "int, RandomState instance or None",
        "Seeds weight initialisation, batch order, dropout and the validation\n"
        "split. The same value gives the same model on CPU.",
    ),
    "device": Param(
        "auto",
        [StrOptions({"auto", "cpu"}), str, DataParallel],
        '{"auto", "cpu", "cuda"}, str or DataParallel',
        '"auto" uses CUDA when it is available. ``DataParallel()`` trains on\n'
        "every process of a ``torch.distributed`` group launched by ``torchrun``\n"
        "(one per GPU, on one machine or several), each reading its share of\n"
        "the batches; see :class:`~sklearn_rnn.components.DataParallel`.",
    ),
    "verbose": Param(
        0,
        ["verbose"],
        "int",
        "When positive, print a progress bar and a line per epoch.",
    ),
    "warm_start": Param(
        False,
        ["boolean"],
        "bool",
        "When True, ``fit`` continues training the fitted network.",
    ),
    "callbacks": Param(
        None,
        [list, None],
        "list of (str, skorch Callback) or None",
        "Extra skorch callbacks, added to the ones the estimator sets up.",
        # A factory, so that each fit gets its own callback instance.
    ),
    "checkpoint": Param(
        None,
        [str, os.PathLike, None],
        "str, path-like or None",
        "A directory where ``fit`` saves the training state (weights, optimizer,\n"
        "random generators, history) at the end of every epoch, in the\n"
        "safetensors format of :func:`sklearn_rnn.save`. A fit that is killed\n"
        "loses at most the epoch in progress: the same ``fit`` (same parameters\n"
        "and data) with the same ``checkpoint`` resumes from the last saved epoch\n"
        "and ends with the weights an uninterrupted fit gives. The file, named\n"
        "after the estimator, its parameters and its data, is deleted when the fit\n"
        "completes. ``partial_fit`` and warm-started fits do not use it.",
    ),
}


def declare(*groups, **overrides):
    """Merge groups of declarations, in order; ``overrides`` replace fields.

    ``overrides`` maps a name to a :class:`Param` (added at the end when new)
    or to a dict of fields to replace (``lr={"default": 1e-2}``).
    """
    params = {}
    for group in groups:
        params.update(group)
    for name, value in overrides.items():
        params[name] = replace(params[name], **value) if isinstance(value, dict) else value
    return params


def _format_default(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


def parameters_doc(params):
    """The numpydoc Parameters entries of ``params`` (indented for a class docstring)."""
    lines = []
    for name, param in params.items():
        lines.append(f"{name} : {param.type}, default={_format_default(param.default)}")
        lines.extend(f"        {line}" for line in param.doc.splitlines())
    return "\n    ".join(lines)


def fill_doc(cls):
    """Derive ``_parameter_constraints`` and the Parameters docstring from ``_parameters``.

    The class docstring holds ``{parameters}`` (and optionally
    ``{shared_attributes}``) where the generated text goes; the docstring of
    the class's own ``fit`` may hold ``{validation_set}``, the ``X_val`` entry.
    """
    cls._parameter_constraints = {
        name: list(param.constraints) for name, param in cls._parameters.items()
    }
    cls.__doc__ = cls.__doc__.replace("{parameters}", parameters_doc(cls._parameters)).replace(
        "{shared_attributes}", SHARED_ATTRIBUTES
    )
    fit = vars(cls).get("fit")
    if fit is not None and fit.__doc__:
        fit.__doc__ = fit.__doc__.replace("{validation_set}", VALIDATION_SET)
    return cls


# The X_val entry of the estimators' fit docstrings (indented for a method).
VALIDATION_SET = """X_val : sequences, default=None
            A validation set, in any form X takes (as
            ``HistGradientBoostingClassifier.fit``'s): its loss, and its score
            when ``scoring`` is not "loss", are recorded per epoch in
            ``history_``, and early stopping ("auto" turns it on) monitors it
            instead of holding out ``validation_fraction`` of X. In a
            ``Pipeline``, route it with sklearn's metadata routing
            (``set_config(enable_metadata_routing=True)``, then
            ``set_fit_request(X_val=True, y_val=True)``); it reaches this
            estimator as given, not transformed by the earlier steps, so pass it
            in the form the final step reads (``docs/user_guide``)."""


SHARED_ATTRIBUTES = """n_features_in_ : int
        Features per time step (the number of columns for 2-D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, defined only when X was a DataFrame.
    vocab_size_ : int or None
        Embedding rows when X held integer tokens, else None.
    net_ : skorch.NeuralNet
        The fitted skorch net (module, optimizer, callbacks, history).
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss`` with early stopping).
    n_epochs_ : int
        Epochs trained.
    bucketing_ : bool
        Whether the last fit drew length-bucketed training batches: always
        for CTCTranscriber and RNNTagger, from 2,000 training sequences for
        the others (random batches learned better on a few hundred).
    frontend_ : ConvFrontend, FrameStacking or None
        The front end used (``frontend`` with "auto" resolved, its stride too).
    embedding_ : TokenEmbedding or None
        The token embedding used; None for float input.
    device_ : str
        The device used."""
