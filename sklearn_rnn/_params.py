"""Every estimator parameter, declared once.

A :class:`Param` gives a parameter's default, its constraint, its
documentation and its route: where ``fit`` (or ``predict``) consumes it. The
estimators' ``_parameter_constraints`` and the Parameters section of their
docstrings are derived from these declarations, and the module's keyword
arguments are every parameter routed to ``"module"``. sklearn's explicit
``__init__`` stays (``clone`` and ``get_params`` read its signature); a test
checks that each signature matches its declaration, and another that every
declared parameter changes the fitted model, its training or its predictions.
"""

import os
import tempfile
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Freezer

from .nn.backbone import CELLS, check_pooling
from .nn.bag import BAGS

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "sgd": torch.optim.SGD,
}

#: Where a parameter is consumed. "module": a keyword argument of the torch
#: module; "optimizer", "criterion", "iterator": skorch's optimizer, loss and
#: batch iterators; "training": the training loop and its callbacks;
#: "prediction": only read by ``predict``.
ROUTES = ("module", "optimizer", "criterion", "iterator", "training", "prediction")


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
    route : str
        One of :data:`ROUTES`.
    probes : tuple
        Non-default values that must each change the fitted model, its
        training or its predictions (the every-parameter test).
    probe_context : dict
        Other parameters set in both fits of that test, where the parameter
        only acts under them (``momentum`` with ``optimizer="sgd"``).
    probe_data : {"ragged", "tokens", "words"}
        The data that test fits on ("words": already split words, which only
        RNNTagger takes).
    check : callable or None
        A further check of the value, beyond ``constraints`` (which sklearn's
        constraint types cannot express); ``check_doc`` says what it requires.
    """

    default: object
    constraints: list
    type: str
    doc: str
    route: str
    probes: tuple = ()
    probe_context: dict = field(default_factory=dict)
    probe_data: str = "ragged"
    check: object = None
    check_doc: str = ""

    def __post_init__(self):
        if self.route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}; got {self.route!r}.")


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
        "module",
        probes=("gru", "rnn_tanh", "rnn_relu", None),
    ),
    "hidden_size": Param(
        64,
        _positive_int(),
        "int",
        "Units per recurrent layer and direction.",
        "module",
        probes=(16,),
    ),
    "num_layers": Param(
        1, _positive_int(), "int", "Stacked recurrent layers.", "module", probes=(2,)
    ),
    "bidirectional": Param(
        False,
        ["boolean"],
        "bool",
        "Add a backward direction (exact within each sequence's length).",
        "module",
        probes=(True, False),
    ),
    "dropout": Param(
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Dropout between stacked layers and on the recurrent output.",
        "module",
        probes=(0.5,),
    ),
    "embedding_dim": Param(
        64,
        _positive_int(),
        "int",
        "Embedding size, used when X holds integer token sequences.",
        "module",
        probes=(8,),
        probe_data="tokens",
    ),
    "subsample": Param(
        1,
        _positive_int(),
        "int",
        "Stack this many consecutive frames into one before the recurrent\n"
        "layers, shortening long sequences by that factor.",
        "module",
        probes=(2,),
    ),
    "frontend": Param(
        "auto",
        [StrOptions({"auto", "conv"}), None],
        '"auto", "conv" or None',
        "A learned front end before the recurrent layers: convolution blocks\n"
        "(Conv1d, batch normalisation over real steps, ReLU) that summarise the\n"
        "input and, on long sequences, shorten it (``frontend_stride``). None\n"
        'feeds the input to the recurrent layers directly. "auto" uses it for\n'
        "numeric sequences whose median training length is at least 64 steps\n"
        "or that have more than 4 features per step; short, narrow sequences\n"
        "and token sequences go to the recurrent layers directly (there the\n"
        "front end blurred the order an LSTM reads, and overfit small text\n"
        'corpora: ``docs/user_guide/choosing.md``); with ``cell=None``, "auto"\n'
        'is always "conv".',
        "module",
        probes=("conv",),
    ),
    "frontend_stride": Param(
        "auto",
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        '"auto" or int',
        "Total downsampling of the front end (the product of its three blocks'\n"
        'strides). "auto" takes the largest power of two, at most 64, that\n'
        "leaves the median training length at 64 steps or more: 1 below 128\n"
        "steps, 2 for 128-255, 4 for 256-511, and so on. Lengths map through\n"
        "the strides exactly; padding never reaches a real step.",
        "module",
        probes=(4,),
        probe_context={"frontend": "conv"},
    ),
    "frontend_channels": Param(
        64,
        _positive_int(),
        "int",
        "Channels of the front end's convolution blocks.",
        "module",
        probes=(16,),
        probe_context={"frontend": "conv"},
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
        "module",
        probes=("last", "mean", "max", "attention"),
        check=check_pooling,
        check_doc='one of "last", "mean", "max", "attention", or several of them joined by "+"',
    ),
}

# Training-time augmentation of numeric input (in the module's training mode).
AUGMENTATION = {
    "augment_jitter": Param(
        "auto",
        [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        '"auto" or float',
        "Training-time augmentation of numeric sequences (Um et al., 2017): the\n"
        "standard deviation of Gaussian noise added to every real step of the\n"
        '(scaled) input. 0: none. "auto": see ``augment_scaling``.',
        "module",
        probes=(0.5,),
    ),
    "augment_scaling": Param(
        "auto",
        [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        '"auto" or float',
        "Training-time augmentation of numeric sequences: each sequence's\n"
        "features are multiplied by factors drawn from N(1, augment_scaling²).\n"
        '0: none. "auto", here and in ``augment_jitter``: jitter 0.1 and\n'
        "scaling 0.2 when a classifier's ``fit`` trains on fewer than 100\n"
        "numeric sequences, else none (``partial_fit``, whose first batch\n"
        "says nothing of the data's size: none; regressors: none, as scaling\n"
        "the input can change what a regression target depends on).\n"
        "``augmentation_`` holds the values used. See\n"
        "``docs/user_guide/choosing.md``.",
        "module",
        probes=(0.5,),
    ),
    "augment_time_mask": Param(
        0.0,
        [Interval(Real, 0, 1, closed="both")],
        "float in [0, 1]",
        "Training-time augmentation of numeric sequences: one span of up to this\n"
        "fraction of each sequence's real steps is set to zero (SpecAugment's\n"
        "time masking, Park et al., 2019). 0: none.",
        "module",
        probes=(0.5,),
    ),
}

# Token input: a bag of words beside, or instead of, the recurrent layers.
TEXT = {
    "bag": Param(
        "auto",
        [StrOptions({"auto", *BAGS}), None],
        '"auto", "only", "join" or None',
        "For token input: a bag of the sequence's words (and word n-grams,\n"
        "``bag_ngrams``), the mean of their embeddings, as in fastText and deep\n"
        'averaging networks. "only": the head reads the bag alone and the\n'
        'recurrent layers are not run; "join": the bag is concatenated to the\n'
        "pooled recurrent features (a wide-and-deep skip); None: the recurrent\n"
        'layers alone. "auto" uses "only" for token sequences with more\n'
        "distinct tokens than training sequences (most words then occur in a\n"
        "handful of sequences: the recurrent layers memorise them, a mean of\n"
        "embeddings generalises), else None. Float input never has a bag.\n"
        "See ``docs/user_guide/choosing.md``.",
        "module",
        probes=("only", "join"),
        probe_data="tokens",
    ),
    "bag_ngrams": Param(
        1,
        _positive_int(),
        "int",
        "Longest word n-gram in the bag: n-grams of 2 to ``bag_ngrams``\n"
        "consecutive tokens are hashed into ``bag_buckets`` shared embedding\n"
        "rows (fastText's hashing trick). 1 keeps the words alone.",
        "module",
        probes=(2,),
        probe_context={"bag": "only"},
        probe_data="tokens",
    ),
    "bag_buckets": Param(
        2**14,
        _positive_int(),
        "int",
        "Hash buckets (embedding rows) of the bag's n-grams (``bag_ngrams > 1``).",
        "module",
        probes=(16,),
        probe_context={"bag": "only", "bag_ngrams": 2},
        probe_data="tokens",
    ),
    "bag_dropout": Param(
        0.3,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Word dropout of the bag: in training, each word and n-gram is left out\n"
        "of a sequence's mean with this probability (Iyyer et al., 2015).",
        "module",
        probes=(0.0,),
        probe_context={"bag": "only"},
        probe_data="tokens",
    ),
    "embedding_weights": Param(
        None,
        ["array-like", None],
        "array-like of shape (n_tokens, embedding_dim) or None",
        "Initial rows of the token embedding, e.g. pretrained word vectors:\n"
        "row i for token id i (0 padding, 1 out of vocabulary; the order of\n"
        "``SequenceTokenizer().get_feature_names_out()``). It needs a row for\n"
        "every id in the training data; ids it has no row for are out of\n"
        "vocabulary at prediction. None: random rows.",
        "training",
        # A factory: one row per id of the test's tokens (2..19), embedding_dim 64.
        probes=(lambda: np.random.RandomState(0).randn(20, 64).astype(np.float32),),
        probe_data="tokens",
    ),
    "freeze_embedding": Param(
        False,
        ["boolean"],
        "bool",
        "Keep the token embedding fixed in training (e.g. ``embedding_weights``\n"
        "that should stay as they are).",
        "module",
        probes=(True,),
        probe_data="tokens",
    ),
}

# Optimisation: the optimizer, the batch iterator and the training loop.
TRAINING = {
    "optimizer": Param(
        "adamw",
        [StrOptions(set(OPTIMIZERS)), type],
        '{"adamw", "adam", "rmsprop", "sgd"} or torch optimizer class',
        "The optimizer. AdamW applies ``weight_decay`` decoupled from the\n"
        "gradient (Loshchilov and Hutter, 2019); with Adam, RMSprop and SGD it\n"
        "is an L2 penalty.",
        "optimizer",
        probes=("adam", "sgd", "rmsprop"),
    ),
    "lr": Param(
        3e-3,
        [Interval(Real, 0, None, closed="neither")],
        "float",
        "Learning rate.",
        "optimizer",
        probes=(3e-2,),
    ),
    "momentum": Param(
        0.9,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        'Momentum of ``optimizer="sgd"`` (ignored by the other optimizers).',
        "optimizer",
        probes=(0.0,),
        probe_context={"optimizer": "sgd"},
    ),
    "weight_decay": Param(
        1e-2,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Weight decay passed to the optimizer.",
        "optimizer",
        probes=(0.5,),
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
        "training",
        probes=("constant",),
    ),
    "batch_size": Param(32, _positive_int(), "int", "Samples per batch.", "iterator", probes=(8,)),
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
        "training",
        probes=(3,),
    ),
    "clip_grad_norm": Param(
        1.0,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        "Clip the gradient norm at this value; None disables clipping.",
        "training",
        probes=(1e-3,),
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
        "training",
        probes=(True,),
    ),
    "validation_fraction": Param(
        0.1,
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Fraction of the training data held out for early stopping.",
        "training",
        probes=(0.3,),
        probe_context={"early_stopping": True},
    ),
    "n_iter_no_change": Param(
        5,
        _positive_int(),
        "int",
        "Epochs without improvement before early stopping ends training.",
        "training",
        probes=(1,),
        probe_context={"early_stopping": True, "tol": 0.5, "max_epochs": 6},
    ),
    "tol": Param(
        1e-4,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Relative improvement of the validation loss that counts for early stopping.",
        "training",
        probes=(1.0,),
        probe_context={"early_stopping": True, "n_iter_no_change": 2, "max_epochs": 6},
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
        "training",
        probes=(None,),
        probe_context={"early_stopping": True},
    ),
    "bucketing": Param(
        "auto",
        [StrOptions({"auto"}), "boolean"],
        '"auto" or bool',
        "Draw training batches of similar lengths, so that per-batch padding\n"
        'stays small; False draws them at random. "auto" draws them at random\n'
        "when fit is given fewer than 2000 sequences and bucketed from 2000:\n"
        "on a few hundred ragged sequences, bucketed batches repeat nearly the\n"
        "same length groups every epoch, and random ones learned better\n"
        "(``benchmarks/README.md``), while padding costs little at that size.\n"
        "``bucketing_`` holds the choice. Sequences of one length are batched\n"
        "identically either way.",
        "iterator",
        probes=(True,),
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
        "training",
        probes=("keep_best",),
    ),
}

#: The ``bucketing`` override of the frame-level estimators (CTCTranscriber,
#: RNNTagger): bucketed batches by default. Random ones were measured better
#: for sequence-level targets only; on digit lines they read worse.
BUCKETED = {"default": True, "probes": (False,)}

RUNTIME = {
    "random_state": Param(
        None,
        ["random_state"],
        "int, RandomState instance or None",
        "Seeds weight initialisation, batch order, dropout and the validation\n"
        "split. The same value gives the same model on CPU.",
        "training",
        probes=(1,),
    ),
    "device": Param(
        "auto",
        [StrOptions({"auto", "cpu"}), str],
        '{"auto", "cpu", "cuda"} or str',
        '"auto" uses CUDA when it is available.',
        "training",
        probes=("cuda",),
    ),
    "verbose": Param(
        0,
        ["verbose"],
        "int",
        "When positive, print a progress bar and a line per epoch.",
        "training",
        probes=(1,),
    ),
    "warm_start": Param(
        False,
        ["boolean"],
        "bool",
        "When True, ``fit`` continues training the fitted network.",
        "training",
        probes=(True,),
    ),
    "callbacks": Param(
        None,
        [list, None],
        "list of (str, skorch Callback) or None",
        "Extra skorch callbacks, added to the ones the estimator sets up.",
        "training",
        # A factory, so that each fit gets its own callback instance.
        probes=(lambda: [("freeze_backbone", Freezer("backbone.*"))],),
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
        "training",
        probes=(lambda: tempfile.mkdtemp(prefix="sklearn_rnn-checkpoint-"),),
    ),
}


#: The optimizer steps that ``max_epochs="auto"`` aims for, and its epoch bounds.
AUTO_STEPS, AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS = 1000, 20, 300
#: Mixup trains on a new blend of the data every epoch, a harder task that
#: takes longer to fit: with it, "auto" gives this many times the steps and
#: the epoch cap.
AUTO_MIXUP_BUDGET = 2
#: ``frontend_stride="auto"`` keeps the median length at or above this many steps.
AUTO_STRIDE_MIN_LENGTH, AUTO_STRIDE_MAX = 64, 64
#: ``frontend="auto"`` uses the front end from this median length, or above
#: this many features per step.
AUTO_FRONTEND_MIN_LENGTH, AUTO_FRONTEND_MAX_NARROW_FEATURES = 64, 4


def auto_frontend(sequences):
    """The front end of ``frontend="auto"`` for the training sequences: "conv" or None."""
    if sequences.is_tokens:
        return None
    long = np.median(sequences.lengths) >= AUTO_FRONTEND_MIN_LENGTH
    return "conv" if long or sequences.n_features > AUTO_FRONTEND_MAX_NARROW_FEATURES else None


def auto_bag(sequences):
    """The bag of ``bag="auto"`` for the training sequences: "only" or None."""
    if not sequences.is_tokens:
        return None
    return "only" if len(np.unique(sequences.data)) > len(sequences) else None


#: ``augment_*="auto"``: a classifier trained on fewer numeric sequences than
#: this is augmented with this jitter and scaling.
AUTO_AUGMENT_MAX_SAMPLES, AUTO_AUGMENT_JITTER, AUTO_AUGMENT_SCALING = 100, 0.1, 0.2
#: Mixup's Beta concentration of ``augment_mixup="auto"`` on the same small data,
#: when its sequences have one length.
AUTO_AUGMENT_MIXUP = 0.2


def auto_augmentation(sequences, augments):
    """Jitter, scaling and mixup of ``augment_*="auto"`` for the training
    sequences: ``{"jitter": float, "scaling": float, "mixup": float}``;
    ``augments`` is whether the estimator augments at all (classifiers)."""
    small = augments and not sequences.is_tokens and len(sequences) < AUTO_AUGMENT_MAX_SAMPLES
    # Mixup interpolates step by step, and ragged partners must first be
    # resampled to a common length, which lost on the ragged gestures.
    one_length = len(sequences) > 0 and sequences.lengths.min() == sequences.lengths.max()
    return {
        "jitter": AUTO_AUGMENT_JITTER if small else 0.0,
        "scaling": AUTO_AUGMENT_SCALING if small else 0.0,
        "mixup": AUTO_AUGMENT_MIXUP if small and one_length else 0.0,
    }


def auto_max_epochs(n_samples, batch_size, mixup=False):
    """Epochs of ``max_epochs="auto"`` for ``n_samples`` training samples;
    with ``mixup`` the steps and the epoch cap are ``AUTO_MIXUP_BUDGET`` times
    as many."""
    scale = AUTO_MIXUP_BUDGET if mixup else 1
    steps_per_epoch = -(-n_samples // batch_size)
    epochs = -(-AUTO_STEPS * scale // steps_per_epoch)
    return int(min(max(epochs, AUTO_MIN_EPOCHS), AUTO_MAX_EPOCHS * scale))


def auto_frontend_stride(lengths):
    """Total stride of ``frontend_stride="auto"`` for training ``lengths``."""
    median = float(np.median(lengths))
    stride = 1
    while stride < AUTO_STRIDE_MAX and median / (2 * stride) >= AUTO_STRIDE_MIN_LENGTH:
        stride *= 2
    return stride


def block_strides(total):
    """Three block strides whose product is ``total``, factors of two spread
    from the first block on (8 -> (2, 2, 2), 16 -> (4, 2, 2)); any odd factor
    goes to the last block."""
    strides = [1, 1, 1]
    remaining = int(total)
    while remaining % 2 == 0:
        strides[strides.index(min(strides))] *= 2
        remaining //= 2
    strides[2] *= remaining
    return tuple(strides)


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
        Whether the last fit drew length-bucketed training batches
        (``bucketing`` with "auto" resolved).
    device_ : str
        The device used."""
