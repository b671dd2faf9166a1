"""Components: the optional parts of a network and its training, as objects.

Each component is a small scikit-learn style configuration object, passed as
one parameter of an estimator, as a kernel is to
``GaussianProcessRegressor(kernel=...)``: it has ``get_params`` and
``set_params``, so that ``clone`` copies it and ``GridSearchCV`` reaches its
settings through the estimator (``rnnclassifier__frontend__stride``); it is
validated when the estimator fits, shows in the estimator's repr and is saved
by :func:`sklearn_rnn.save`. A component holds no torch object: at ``fit``
the estimator turns it into plain keyword arguments of the torch modules of
:mod:`sklearn_rnn.nn`.

- front ends (``frontend=``): :class:`ConvFrontend`, :class:`FrameStacking`;
- training-time augmentation (``augmentation=``): :class:`Augmentation`;
- beside the recurrent layers (``bag=``): the text bag of embeddings
  :class:`TextBag` for tokens, the convolutional branch :class:`ConvBranch`
  (LSTM-FCN) and MiniRocket's fixed features :class:`RocketBranch` for
  numbers;
- the token embedding (``embedding=``): :class:`TokenEmbedding`;
- the optimizer with its own settings (``optimizer=``): :class:`SGD`;
- data-parallel training on several processes (``device=``): :class:`DataParallel`.

Where an estimator's parameter is "auto", it resolves at ``fit`` to a
component (or None) by a rule on the data's shape (:mod:`sklearn_rnn._auto`),
exposed as a fitted attribute: ``frontend_``, ``augmentation_``, ``bag_``,
``embedding_``.

A new front end is one torch module (registered in
:data:`sklearn_rnn.nn.frontends.FRONTENDS`) and one component here whose
:meth:`~ConvFrontend.module_kwargs` names it.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

from .nn.branches import FCNBranch, MiniRocketBranch
from .nn.frontends import ConvFrontEnd

__all__ = [
    "COMPONENTS",
    "Augmentation",
    "Component",
    "ConvBranch",
    "ConvFrontend",
    "DataParallel",
    "FrameStacking",
    "RocketBranch",
    "SGD",
    "TextBag",
    "TokenEmbedding",
]


class Component(BaseEstimator):
    """Base of the components: a keyword-only ``__init__`` that stores its
    arguments, ``_parameter_constraints``, and :meth:`validate`."""

    #: Settings added after saved files first held the component: a file that
    #: lacks one loads with its default, the behaviour from before it existed.
    _added_settings = frozenset()

    def validate(self, owner):
        """Check the settings; errors name the estimator's parameter ``owner``.

        Parameters
        ----------
        owner : str
            The estimator parameter that holds this component.
        """
        try:
            self._validate_params()
        except ValueError as exc:
            raise ValueError(f"{owner}={self!r}: {exc}") from None

    def __eq__(self, other):
        # Compared by settings, as a fitted estimator compares the component it
        # was fitted with (warm_start) to the one it holds now.
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.get_params(deep=False), other.get_params(deep=False)
        return mine.keys() == theirs.keys() and all(_same(mine[key], theirs[key]) for key in mine)

    __hash__ = None


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b))
        )
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


# --- front ends ------------------------------------------------------------------


class ConvFrontend(Component):
    """Convolution blocks before the recurrent layers (torch module:
    :class:`sklearn_rnn.nn.ConvFrontEnd`).

    Three blocks of ``Conv1d`` → batch normalisation over the real steps →
    ReLU, as in the FCN and LSTM-FCN models of time-series classification
    and the front ends of CRNN and DeepSpeech2. They summarise the input
    and, on long sequences, shorten it. Lengths map through the strides
    exactly; padding never reaches a real step.

    Parameters
    ----------
    channels : int, default=64
        Channels of each block.
    stride : "auto" or int, default="auto"
        Total downsampling (the product of the three blocks' strides; factors
        of two are spread from the first block on, 8 -> (2, 2, 2)). "auto"
        takes the largest power of two, at most 64, that leaves the median
        training length at 64 steps or more: 1 below 128 steps, 2 for
        128-255, 4 for 256-511, and so on. The tagger resolves "auto" to 1
        (one frame per step).
    stack : int, default=1
        Stack this many consecutive frames into one before the blocks (frame
        stacking), shortening the input by that factor first.

    Examples
    --------
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.components import ConvFrontend
    >>> RNNClassifier(frontend=ConvFrontend(channels=128, stride=4))
    RNNClassifier(frontend=ConvFrontend(channels=128, stride=4))
    """

    module = ConvFrontEnd

    _parameter_constraints = {
        "channels": [Interval(Integral, 1, None, closed="left")],
        "stride": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "stack": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, channels=64, stride="auto", stack=1):
        self.channels = channels
        self.stride = stride
        self.stack = stack

    def module_kwargs(self):
        """The backbone's keyword arguments for this front end (``stride``
        resolved): frame stacking and ``("conv", {...})``."""
        return {
            "subsample": int(self.stack),
            "frontend": (
                self.module.name,
                {"channels": int(self.channels), "strides": block_strides(self.stride)},
            ),
        }

    def output_lengths(self, lengths):
        """Frames out for inputs of ``lengths`` (``stride`` resolved):
        ``ceil(L / stack)``, then ``ceil(L / s)`` per block of stride ``s``.

        Parameters
        ----------
        lengths : int or array-like of int
            Input lengths.
        """
        lengths = -(-np.asarray(lengths) // int(self.stack))
        for stride in block_strides(self.stride):
            lengths = -(-lengths // stride)
        return lengths


class FrameStacking(Component):
    """Frame stacking alone: each ``factor`` consecutive steps become one
    step of ``factor`` times the features, before the recurrent layers (no
    learned weights; :func:`sklearn_rnn.nn.subsample_frames`).

    A cheap way to shorten long sequences (speech front ends stack 2-4
    frames). A last partial group is completed with zeros, as padding is.

    Parameters
    ----------
    factor : int, default=2
        Steps per stacked frame.
    """

    _parameter_constraints = {"factor": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, *, factor=2):
        self.factor = factor

    def module_kwargs(self):
        """The backbone's keyword arguments: frame stacking, no front-end module."""
        return {"subsample": int(self.factor), "frontend": None}

    def output_lengths(self, lengths):
        """Frames out for inputs of ``lengths``: ``ceil(L / factor)``.

        Parameters
        ----------
        lengths : int or array-like of int
            Input lengths.
        """
        return -(-np.asarray(lengths) // int(self.factor))


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


# --- beside the recurrent layers ------------------------------------------------


class ConvBranch(Component):
    """A fully convolutional branch beside the recurrent layers, for numeric
    input (LSTM-FCN; torch module: :class:`sklearn_rnn.nn.FCNBranch`).

    Three blocks of ``Conv1d`` (stride 1) → batch normalisation over the real
    steps → ReLU, of ``channels``, ``2 * channels`` and ``channels``
    channels with kernels 8, 5 and 3 (the FCN of Wang et al., 2017), read
    the input beside the recurrent layers; their mean over each sequence's
    real steps (global average pooling) is concatenated to the pooled
    recurrent features before the head, as in LSTM-FCN (Karim et al.,
    2018). The recurrent layers still read the input through ``frontend``.
    Padding never reaches a real step or a mean.

    Parameters
    ----------
    channels : int, default=128
        Channels of the first and last blocks (the middle one has twice as
        many).
    levels : bool, default=False
        Also give the head each sequence's per-feature mean and standard
        deviation over its real steps (its level and amplitude, which the
        normalised convolutions can lose).

    Examples
    --------
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.components import ConvBranch
    >>> RNNClassifier(bag=ConvBranch(channels=64))
    RNNClassifier(bag=ConvBranch(channels=64))
    """

    module = FCNBranch
    #: The blocks' kernel sizes (FCN's).
    kernels = (8, 5, 3)

    _parameter_constraints = {
        "channels": [Interval(Integral, 1, None, closed="left")],
        "levels": ["boolean"],
    }

    def __init__(self, *, channels=128, levels=False):
        self.channels = channels
        self.levels = levels

    def module_kwargs(self):
        """The sequence model's ``branch`` argument."""
        width = int(self.channels)
        return {
            "name": self.module.name,
            "channels": (width, 2 * width, width),
            "kernels": self.kernels,
            "levels": bool(self.levels),
        }


class RocketBranch(Component):
    """MiniRocket's features beside the recurrent layers, for numeric input
    (Dempster et al., 2021; torch module:
    :class:`sklearn_rnn.nn.MiniRocketBranch`).

    The 84 fixed kernels of length 9 of MiniRocket (three weights of 2, six
    of -1), at dilations spaced exponentially up to ``(L - 1) / 8`` for the
    longest training sequence's length ``L``, each over the sum of a random
    subset of 1 to 9 input features (MiniRocket's multivariate recipe).
    Each feature is the proportion of a sequence's real steps where a
    kernel's output exceeds a bias (PPV); the biases are quantiles of the
    kernels' outputs on random training sequences, set when the estimator
    fits, as are the features' means and standard deviations (they are
    read standardised). Nothing in the branch is trained by gradient.

    ``head`` says how the features reach the outputs. ``"joint"``: the
    features join the pooled recurrent features in the network's linear
    head, their weights starting at zero and trained with the rest.
    ``"ridge"``: as in
    MiniRocket, a ridge regression over them, fitted in closed form when the
    estimator fits (``RidgeClassifierCV``'s +1/-1 class columns, or the
    regressor's standardised targets; its penalty chosen among
    ``np.logspace(-3, 3, 10)`` by exact leave-one-out error); its scores are
    added to the network's outputs times a scale fitted on the ridge's
    leave-one-out scores (the cross-entropy's best, or for values the
    least-squares slope), and the network's head starts at zero: the
    untrained model is the ridge, and training grows the recurrent layers'
    correction.

    The features are computed once per fit, over the training (and
    validation) sequences, not at every step; the batches carry them (with
    ``"ridge"``, the ridge's scores: one per output instead of 9,996 per
    sequence); prediction computes them for the sequences it is given. The
    ridge weighs the sequences by ``sample_weight`` (and ``class_weight``);
    a continued fit (``warm_start``, ``partial_fit``) keeps the branch and
    its ridge. Mixup mixes the features (or scores) with the same partner
    and weight as the input; jitter and scaling reach the recurrent layers
    only.
    Padding never counts: a sequence's features are the same alone as in a
    batch. The draws (feature subsets, the sequences that give the biases)
    follow the estimator's ``random_state``.

    ``bag="auto"`` gives it, with ``head="auto"``, to numeric sequences
    whose median training length is at least 64 steps; ``bag=None`` is the
    network without it.

    Parameters
    ----------
    n_features : int, default=9996
        Features: rounded down to a multiple of 84 (MiniRocket's 10,000 gives
        9,996).
    max_dilations : int, default=32
        Most dilations per kernel (MiniRocket's ``max_dilations_per_kernel``).
    head : {"joint", "ridge", "auto"}, default="joint"
        A weight per feature in the network's head, trained with it, or a
        closed-form ridge whose scores join the outputs (opt-in: over seeds
        0-2 it won on PigCVP, PLAID, ArrowHead and Tecator and lost on
        EyesOpenShut and ACSF1; ``benchmarks/journal.md``). ``"auto"``
        (what ``bag="auto"`` gives): ``"ridge"`` for a regressor and for
        three or more classes, ``"joint"`` for two; the fitted ``bag_``
        shows the head chosen.
    lr_factor : "auto" or float, default="auto"
        The network trains at the estimator's ``lr`` times this factor (the
        peak of its one-cycle schedule too). Under the ridge the network
        learns a correction to a model already fitted: at the full rate it
        fits the training rows' small residuals, and costs accuracy on new
        data. ``"auto"``: 0.1 with ``head="ridge"``, 1 with ``head="joint"``
        (:func:`sklearn_rnn._auto.auto_rocket_lr_factor`); the fitted
        ``bag_`` shows the factor used. ``lr_factor=1`` is the behaviour
        before it.
    network_weight : "auto" or float in [0, 1], default="auto"
        With ``head="ridge"``: the weight of the network's outputs beside
        the ridge's scores when predicting (training always adds them
        whole). 1: the trained model as it is; 0: the ridge alone; 0.5: the
        average of the two, an equal-weight ensemble of MiniRocket's ridge
        and the model trained on top of it. ``"auto"``: 0.5 with
        ``head="ridge"`` (over the quality table's seeds it met MiniRocket's
        level on ACSF1, Beef, Lightning7, PLAID and Covid3Month, where the
        whole network did not, and lost no target;
        :data:`sklearn_rnn._auto.AUTO_RIDGE_NETWORK_WEIGHT`), 1 with
        ``head="joint"``; the fitted ``bag_`` shows the weight used.
        ``network_weight=1`` is the behaviour before it. Under the joint
        head a number must be 1 (``fit`` raises ``ValueError`` otherwise).

    Examples
    --------
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.components import RocketBranch
    >>> RNNClassifier(bag=RocketBranch(n_features=84 * 50))
    RNNClassifier(bag=RocketBranch(n_features=4200))
    """

    module = MiniRocketBranch

    _parameter_constraints = {
        "n_features": [Interval(Integral, 84, None, closed="left")],
        "max_dilations": [Interval(Integral, 1, None, closed="left")],
        "head": [StrOptions({"ridge", "joint", "auto"})],
        "lr_factor": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "network_weight": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        n_features=9996,
        max_dilations=32,
        head="joint",
        lr_factor="auto",
        network_weight="auto",
    ):
        self.n_features = n_features
        self.max_dilations = max_dilations
        self.head = head
        self.lr_factor = lr_factor
        self.network_weight = network_weight

    def module_kwargs(self):
        """The sequence model's ``branch`` argument, less what the data and
        the seed give (``reference_length``, ``seed``)."""
        kwargs = {
            "name": self.module.name,
            "n_features": int(self.n_features),
            "max_dilations": int(self.max_dilations),
        }
        if self.head == "ridge":
            kwargs["ridge"] = True
        if not isinstance(self.network_weight, str) and self.network_weight != 1:
            kwargs["network_weight"] = float(self.network_weight)
        return kwargs


#: The components that add a branch beside the recurrent layers (numeric input).
BRANCH_COMPONENTS = (ConvBranch, RocketBranch)


# --- augmentation ----------------------------------------------------------------


class Augmentation(Component):
    """Training-time augmentation of numeric sequences (never of tokens).

    Applied to every training batch, in the module's training mode only:
    prediction never sees it. Padding stays zero, so exactness on padded
    batches is kept.

    Parameters
    ----------
    jitter : "auto" or float, default="auto"
        Standard deviation of Gaussian noise added to every real step of the
        (scaled) input (Um et al., 2017). 0: none.
    scaling : "auto" or float, default="auto"
        Each sequence's features are multiplied by factors drawn from
        N(1, scaling²). 0: none.
    time_mask : float in [0, 1], default=0.0
        One span of up to this fraction of each sequence's real steps is set
        to zero (SpecAugment's time masking, Park et al., 2019). 0: none.
    feature_mask : float in [0, 1], default=0.0
        One span of up to this fraction of consecutive features (mel bands,
        cepstral coefficients) is set to zero at every step of each sequence
        (SpecAugment's frequency masking). 0: none.
    mixup : "auto" or float, default="auto"
        RNNClassifier only: each batch's sequences are mixed with a random
        partner from the same batch, ``lam * x + (1 - lam) * x_partner`` with
        ``lam`` drawn from Beta(mixup, mixup) and folded to at least 0.5, and
        the loss weighs the two labels by ``lam`` and ``1 - lam`` (Zhang et
        al., 2018). A partner of another length is first resampled to the
        sequence's length (linear interpolation), so each sequence keeps its
        length and never meets padding. 0: none. Other estimators take only 0
        or "auto" (which is 0 for them).

    Notes
    -----
    "auto" (:mod:`sklearn_rnn._auto`): a classifier whose ``fit`` trains on
    fewer than 100 numeric sequences gets jitter 0.1 and scaling 0.2, and
    mixup 0.2 when those sequences all have one length; otherwise, and for
    regressors (scaling the input can change what a target depends on), CTC,
    taggers and ``partial_fit`` (whose first batch says nothing of the data's
    size), "auto" is 0. The fitted estimator's ``augmentation_`` holds the
    values used. See ``docs/user_guide/choosing.md``.
    """

    _parameter_constraints = {
        "jitter": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "scaling": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "time_mask": [Interval(Real, 0, 1, closed="both")],
        "feature_mask": [Interval(Real, 0, 1, closed="both")],
        "mixup": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
    }
    _added_settings = frozenset({"feature_mask"})

    def __init__(
        self, *, jitter="auto", scaling="auto", time_mask=0.0, feature_mask=0.0, mixup="auto"
    ):
        self.jitter = jitter
        self.scaling = scaling
        self.time_mask = time_mask
        self.feature_mask = feature_mask
        self.mixup = mixup

    def module_kwargs(self):
        """The torch module's ``augmentation`` argument (mixup is the net's, not
        the module's): the resolved jitter, scaling, time and feature masks."""
        return {
            "jitter": float(self.jitter),
            "scaling": float(self.scaling),
            "time_mask": float(self.time_mask),
            "feature_mask": float(self.feature_mask),
        }

    def is_active(self):
        """Whether any of the resolved settings augments."""
        return any(float(value) > 0 for value in self.get_params().values())


# --- text ------------------------------------------------------------------------


class TextBag(Component):
    """A bag of the sequence's words and word n-grams, the mean of their
    embeddings, for token input (fastText; deep averaging networks; torch
    module: :class:`sklearn_rnn.nn.HashedNgramBag`).

    Parameters
    ----------
    mode : {"only", "join"}, default="only"
        "only": the head reads the bag alone and the recurrent layers are not
        run; "join": the bag is concatenated to the pooled recurrent features
        (a wide-and-deep skip).
    ngrams : int, default=1
        Longest word n-gram: n-grams of 2 to ``ngrams`` consecutive tokens are
        hashed into ``buckets`` shared embedding rows (fastText's hashing
        trick). 1 keeps the words alone.
    buckets : int, default=16384
        Hash buckets (embedding rows) of the n-grams (``ngrams > 1``).
    dropout : float, default=0.3
        Word dropout: in training, each word and n-gram is left out of a
        sequence's mean with this probability (Iyyer et al., 2015).
    nb : bool, default=False
        Classifiers only: add NBSVM's linear path (Wang & Manning 2012) to
        the head's logits, a learnt weight per word (and n-gram bucket) and
        class on its presence in the sequence, scaled by its naive-Bayes
        log-count ratio in the training labels (one class against the rest,
        add-one counts), computed at the start of ``fit``. It reads its own
        n-grams (``nb_ngrams``, ``nb_buckets``).
    nb_ngrams : int, default=1
        Longest word n-gram of the NB path (with ``nb=True``): words and
        n-grams of 2 to ``nb_ngrams`` consecutive tokens (2: NBSVM-bi). The
        words are read exactly, the n-grams hashed into ``nb_buckets``
        buckets of the NB path's own, independent of ``ngrams`` and
        ``buckets``. 1 reads the words alone. Bigrams gained on movie
        sentences and French book reviews and lost on the drug reviews
        (``benchmarks/journal.md``, "The NB path's own bucket table"):
        ``bag="auto"`` gives them to sentence-level text only.
    nb_buckets : int, default=262144
        Hash buckets of the NB path's n-grams (``nb_ngrams > 1``), ``2**18``.
        A bucket costs one weight and one ratio per class (and the
        optimizer's two moments), not an embedding row, so that n-grams
        rarely share one: 2,667 movie sentences hold 33,000 distinct
        bigrams, 2,000 Dutch book reviews 61,000.
        ``TextBag(nb=True, nb_ngrams=ngrams, nb_buckets=buckets)`` is the NB
        path of the versions before these settings, which read the
        embedding path's n-grams and buckets.
    subwords : {"mean", "nb", "both"} or None, default="mean"
        Which paths read the character n-grams of the words when X carries
        them (``SequenceTokenizer(subwords=(3, 5))``, whose output is a
        :class:`~sklearn_rnn.Sequences` with ``subwords``; fastText's
        subwords, Bojanowski et al. 2017): "mean" gives each n-gram id an
        embedding row of its own that enters the mean beside the words'
        (and word n-grams'), "nb" gives it a row of the NB path (a weight
        per class on its presence, scaled by its naive-Bayes ratio; needs
        ``nb=True``), "both" both. None, or X without n-grams: words alone.
        A model fitted with n-grams must be given them to predict; n-gram
        ids never seen in ``fit`` are left out. On movie sentences the mean
        gained most (0.746 -> 0.761; "nb" 0.755, "both" 0.752, seeds 0-2);
        the reviews lost (0.004-0.007 in the mean, 0.01-0.02 in both;
        ``benchmarks/journal.md``, "Issue 26, text: character n-grams").
        No tokenizer gives them by default.

    Notes
    -----
    An estimator's ``bag="auto"`` uses a bag for token sequences with more
    distinct tokens than training sequences (most words then occur in a
    handful of sequences: the recurrent layers memorise them, a mean of
    embeddings generalises): for a classifier ``TextBag(nb=True,
    nb_ngrams=2)`` when the median training sequence holds at most 30 tokens
    (sentences) and ``TextBag(nb=True)`` above, ``TextBag()`` for a
    regressor; else no bag. Float input never has a text bag (from 64 steps
    it gets a :class:`RocketBranch`). See
    ``docs/user_guide/choosing.md``.
    """

    _parameter_constraints = {
        "mode": [StrOptions({"only", "join"})],
        "ngrams": [Interval(Integral, 1, None, closed="left")],
        "buckets": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "nb": ["boolean"],
        "nb_ngrams": [Interval(Integral, 1, None, closed="left")],
        "nb_buckets": [Interval(Integral, 1, None, closed="left")],
        "subwords": [StrOptions({"both", "mean", "nb"}), None],
    }
    _added_settings = frozenset({"subwords"})

    def __init__(
        self,
        *,
        mode="only",
        ngrams=1,
        buckets=2**14,
        dropout=0.3,
        nb=False,
        nb_ngrams=1,
        nb_buckets=2**18,
        subwords="mean",
    ):
        self.mode = mode
        self.ngrams = ngrams
        self.buckets = buckets
        self.dropout = dropout
        self.nb = nb
        self.nb_ngrams = nb_ngrams
        self.nb_buckets = nb_buckets
        self.subwords = subwords

    def validate(self, owner):
        super().validate(owner)
        if self.subwords == "nb" and not self.nb:
            raise ValueError(
                f"{owner}={self!r}: subwords='nb' gives the character n-grams to the NB "
                "path, which needs nb=True."
            )

    def module_kwargs(self):
        """The torch module's ``bag`` argument."""
        return {
            "mode": self.mode,
            "ngrams": int(self.ngrams),
            "buckets": int(self.buckets),
            "dropout": float(self.dropout),
            "nb": bool(self.nb),
            "nb_ngrams": int(self.nb_ngrams),
            "nb_buckets": int(self.nb_buckets),
            "subwords": self.subwords,
        }


class TokenEmbedding(Component):
    """The embedding of token (or word) ids, used when X holds tokens.

    Parameters
    ----------
    dim : int, default=64
        Embedding size.
    weights : array-like of shape (n_tokens, dim) or None, default=None
        Initial rows, e.g. pretrained word vectors: row i for token id i (0
        padding, 1 out of vocabulary; the order of
        ``SequenceTokenizer().get_feature_names_out()``). It needs a row for
        every id in the training data; ids it has no row for are out of
        vocabulary at prediction. None: random rows.
    freeze : bool, default=False
        Keep the embedding fixed in training (e.g. ``weights`` that should
        stay as they are).
    """

    _parameter_constraints = {
        "dim": [Interval(Integral, 1, None, closed="left")],
        "weights": ["array-like", None],
        "freeze": ["boolean"],
    }

    def __init__(self, *, dim=64, weights=None, freeze=False):
        self.dim = dim
        self.weights = weights
        self.freeze = freeze


# --- optimizers ------------------------------------------------------------------


class SGD(Component):
    """Stochastic gradient descent with momentum (``torch.optim.SGD``), as
    ``optimizer=SGD(momentum=0.5)``; ``optimizer="sgd"`` is ``SGD()``.

    Parameters
    ----------
    momentum : float in [0, 1), default=0.9
    nesterov : bool, default=False
        Nesterov momentum (needs ``momentum > 0``).
    """

    _parameter_constraints = {
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
    }

    def __init__(self, *, momentum=0.9, nesterov=False):
        self.momentum = momentum
        self.nesterov = nesterov

    def validate(self, owner):
        super().validate(owner)
        if self.nesterov and self.momentum == 0:
            raise ValueError(f"{owner}={self!r}: Nesterov momentum needs momentum > 0.")

    def optimizer_kwargs(self):
        """``torch.optim.SGD``'s keyword arguments besides the learning rate."""
        return {"momentum": float(self.momentum), "nesterov": bool(self.nesterov)}


# --- data-parallel training --------------------------------------------------------


class DataParallel(Component):
    """Train one network on every process of a ``torch.distributed`` group,
    as ``device=DataParallel()``: PyTorch's ``DistributedDataParallel``.

    Launch the same script on every process the standard way, e.g.
    ``torchrun --nproc_per_node 4 train.py`` (one process per GPU) or with
    ``--nnodes`` and a rendezvous address for several machines. Every process
    calls ``fit`` on the same data; the shuffled, length-bucketed training
    batches are cut as in one process and dealt out in turn, so each process
    reads only its share, and the gradients are averaged across processes
    after every batch. When a process has one batch fewer, it repeats one of
    the epoch's first batches, so that all take the same number of steps.
    Every process ends with the same fitted estimator, an ordinary one: it
    predicts on its own, pickles and saves (save it from rank 0 only).

    ``batch_size`` is per process: ``n`` processes take ``n`` times as many
    samples per step, and ``n`` times fewer steps per epoch.

    Parameters
    ----------
    backend : {"auto", "gloo", "nccl"}, default="auto"
        The process group's backend when ``fit`` creates the group from the
        launcher's environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
        ``MASTER_PORT``, which ``torchrun`` sets); it also picks the device:
        "nccl" trains on the GPU ``cuda:LOCAL_RANK``, "gloo" on the CPU.
        "auto" is "nccl" where CUDA is available, else "gloo". A group that
        the script initialised itself must use this backend.

    Examples
    --------
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.components import DataParallel
    >>> clf = RNNClassifier(device=DataParallel(backend="gloo"))
    >>> # in a script launched with: torchrun --nproc_per_node 2 train.py
    >>> # clf.fit(X, y)
    """

    _parameter_constraints = {
        "backend": [StrOptions({"auto", "gloo", "nccl"})],
    }

    def __init__(self, *, backend="auto"):
        self.backend = backend

    def validate(self, owner):
        super().validate(owner)
        if self.backend == "nccl" and not torch.cuda.is_available():
            raise ValueError(
                f"{owner}={self!r}: the nccl backend trains on GPUs, but CUDA is not "
                'available. Use backend="gloo" for CPU processes.'
            )

    def resolved_backend(self):
        """ "gloo" or "nccl": ``backend`` with "auto" resolved."""
        if self.backend == "auto":
            return "nccl" if torch.cuda.is_available() else "gloo"
        return self.backend


#: Every component class by name: what :func:`sklearn_rnn.load` may rebuild.
COMPONENTS = {
    cls.__name__: cls
    for cls in (
        ConvFrontend,
        FrameStacking,
        ConvBranch,
        RocketBranch,
        Augmentation,
        TextBag,
        TokenEmbedding,
        SGD,
        DataParallel,
    )
}
