"""RNNTagger: one label per time step (sequence labelling), trained with per-step cross-entropy.

Part-of-speech tagging, named-entity (BIO) tagging, activity segmentation of
sensor streams: every step of every sequence gets a label. The pieces, all in
this module:

- the targets: :func:`step_labels` reads y in any of its forms (a list of
  per-sample label arrays, a 2-D array for fixed-length X, the masked output
  of ``SequencePadder``) into one flat array aligned with X's steps, with the
  missing labels (None, NaN, masked) marked;
- the torch module :class:`RNNTaggerModel`: the package's backbone and a
  linear head applied at every step (logits);
- the loss :class:`StepCrossEntropy`: per-step cross-entropy that skips
  unlabelled steps, reduced by the net over the labelled steps of a batch;
- the estimator :class:`RNNTagger`, which also takes already split words
  (``X[i]`` a list of str), embedded from a word vocabulary and spelling
  features learnt in ``fit`` (:mod:`sklearn_rnn._words`).
"""

import numbers

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseSequenceEstimator
from ._params import BACKBONE, EMBEDDING, FRONTEND, RUNTIME, TRAINING, Param, declare, fill_doc
from ._registry import register_estimator
from ._validation import Sequences, check_sample_weight_array, rebuild_steps
from ._words import as_words, fit_vocabularies, word_ids
from .export import _TaggerGraph
from .metrics import _tag_row, tag_accuracy
from .nn.heads import RNNTaggerModel
from .nn.losses import MISSING_LABEL, StepCrossEntropy

__all__ = ["RNNTagger", "RNNTaggerModel", "StepCrossEntropy", "step_labels"]

#: The code of a step without a label in the encoded targets (skipped by the loss).
MISSING = MISSING_LABEL


# --- targets: one label per step -----------------------------------------------


def _masked_steps(y, sequences, what):
    """Flat values and missing flags of a 2-D (masked) ``y`` aligned with X's steps.

    When X is a masked array of the same width, its real steps are read (so
    pre- and post-padding both align exactly). Otherwise each row's real steps
    are its first ``T_i`` entries (post-padding), or its last ``T_i`` when only
    that reading puts every unmasked entry inside the sample (pre-padding).
    """
    data = np.ma.getdata(y)
    mask = np.ma.getmaskarray(y)
    n_rows, width = data.shape
    lengths = sequences.lengths
    form = sequences.form
    if form is not None and form.kind == "masked" and tuple(form.shape[:2]) == (n_rows, width):
        real = ~(form.mask if form.mask.ndim == 2 else form.mask.all(axis=2))
    else:
        longer = np.flatnonzero(lengths > width)
        if len(longer):
            i = int(longer[0])
            raise ValueError(
                f"{what} is 2-D with {width} steps per row, but X[{i}] has {lengths[i]} "
                f"time steps; {what} needs one value per step of each sample. For sequences "
                "of different lengths give a list of per-sample arrays, or a masked array "
                "(the output of SequencePadder)."
            )
        given = ~mask
        any_given = given.any(axis=1)
        first = np.argmax(given, axis=1)
        last = width - 1 - np.argmax(given[:, ::-1], axis=1)
        post = ~any_given | (last < lengths)
        pre = ~any_given | (first >= width - lengths)
        columns = np.arange(width)
        if post.all():
            real = columns < lengths[:, None]
        elif pre.all():
            real = columns >= (width - lengths)[:, None]
        else:
            i = int(np.flatnonzero(~(post | pre))[0])
            raise ValueError(
                f"{what}[{i}] has values at steps {first[i]} to {last[i]} of its row, which "
                f"do not fit X[{i}]'s {lengths[i]} time steps after post- or pre-padding; "
                f"check that X and {what} are aligned (pass X as the masked array it was "
                "padded to, to align them exactly)."
            )
    values = data[real].astype(object)
    values[mask[real]] = None
    return values


def _as_step_values(y, sequences, what):
    """``y`` as one flat object array aligned with X's steps (``sequences.data``)."""
    n_samples = len(sequences)
    lengths = sequences.lengths
    if y is None:
        raise ValueError(f"RNNTagger requires {what} to be passed, but the target {what} is None.")
    if isinstance(y, (str, bytes, dict, set, frozenset)):
        raise ValueError(
            f"{what} must hold one sequence of per-step values per sample (a list of "
            f"arrays, a 2-D array or a masked array); got {type(y).__name__}."
        )
    if hasattr(y, "columns") and hasattr(y, "iloc"):  # DataFrame: one row per sample
        y = y.to_numpy(dtype=object)
    if np.ma.isMaskedArray(y) or (isinstance(y, np.ndarray) and y.ndim == 2):
        if y.ndim != 2:
            raise ValueError(f"A masked {what} must be 2-D; got shape {y.shape}.")
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} samples but {what} has {len(y)}; they must match.")
        if not np.ma.isMaskedArray(y) and np.any(sequences.lengths != y.shape[1]):
            i = int(np.flatnonzero(sequences.lengths != y.shape[1])[0])
            raise ValueError(
                f"{what} is a 2-D array of {y.shape[1]} steps per row, but X[{i}] has "
                f"{sequences.lengths[i]} time steps. For sequences of different lengths give "
                f"{what} as a list of per-sample arrays, or as a masked array (the output of "
                "SequencePadder)."
            )
        return _masked_steps(np.ma.asarray(y), sequences, what)
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype != object:
        raise ValueError(
            f"{what} is a 1-D array of {y.dtype} values, one per sample; RNNTagger needs "
            "one value per time step of each sample (a list of per-sample arrays, or a "
            "2-D array for sequences of equal length). For one label per sequence use "
            "RNNClassifier."
        )
    if isinstance(y, np.ndarray) and y.ndim > 2:
        raise ValueError(f"{what} must be 1-D (of sequences) or 2-D; got shape {y.shape}.")
    if hasattr(y, "to_list") and not isinstance(y, np.ndarray):  # pandas Series of rows
        y = y.to_list()
    if not hasattr(y, "__len__") or not hasattr(y, "__iter__"):
        raise ValueError(f"{what} must be a sequence of per-sample values; got {type(y).__name__}.")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but {what} has {len(y)}; they must match.")
    rows = [_tag_row(row, i, what) for i, row in enumerate(y)]
    for i, (row, length) in enumerate(zip(rows, lengths.tolist())):
        if len(row) != length:
            raise ValueError(
                f"{what}[{i}] has {len(row)} values but X[{i}] has {length} time steps; "
                f"{what} needs exactly one value per step (None or NaN for a step without "
                "a label)."
            )
    return np.concatenate(rows) if rows else np.empty(0, dtype=object)


def _locate(sequences, position):
    """(sample, step) of a flat step position."""
    sample = int(np.searchsorted(sequences.offsets, position, side="right") - 1)
    return sample, int(position - sequences.offsets[sample])


def step_labels(y, sequences):
    """Read per-step labels into one flat array aligned with X's steps.

    Parameters
    ----------
    y : list of 1-D array-likes, 2-D array, DataFrame or masked array
        One label per time step of each sample: a list (or Series) of
        per-sample label arrays or lists of the samples' lengths; a 2-D array
        when every sample has the same length; or a 2-D masked array (the
        output of ``SequencePadder`` on integer labels), whose masked entries
        are padding or missing labels. A missing label is None, NaN, pandas'
        NA or a masked entry; pandas Categoricals give their categories.
    sequences : Sequences
        The validated X (its lengths, and for masked X its mask, align y).

    Returns
    -------
    labels : ndarray of shape (total_steps,)
        The labelled steps' labels, typed (int64, float64 or str); only the
        steps where ``missing`` is False, in X's step order.
    missing : ndarray of bool of shape (total_steps,)
        The steps without a label.
    """
    flat = _as_step_values(y, sequences, "y")
    missing = np.asarray(pd.isna(flat), dtype=bool)
    values = flat[~missing]
    if len(values) == 0:
        return np.empty(0), missing
    types = set(map(type, values.tolist()))
    text = {t for t in types if issubclass(t, str)}
    number = {t for t in types if issubclass(t, (numbers.Number, np.number, np.bool_))}
    other = types - text - number
    if other:
        position = next(p for p in np.flatnonzero(~missing).tolist() if type(flat[p]) in other)
        sample, step = _locate(sequences, position)
        raise ValueError(
            f"y[{sample}][{step}] is {type(flat[position]).__name__} ({flat[position]!r:.40}); "
            "a label must be a scalar (int, str, ...)."
        )
    if text and number:
        raise ValueError(
            "The labels in y mix strings and numbers, which cannot be compared; use "
            "labels of one type, for example str."
        )
    labels = np.asarray(values.tolist())
    check_classification_targets(labels)
    return labels, missing


def _encode(labels, missing, classes, sequences):
    """Codes ``0..n_classes-1`` per step, :data:`MISSING` where there is no label."""
    codes = np.full(len(missing), MISSING, dtype=np.int64)
    if len(labels):
        index = np.minimum(np.searchsorted(classes, labels), len(classes) - 1)
        unseen = classes[index] != labels
        if np.any(unseen):
            first = int(np.flatnonzero(unseen)[0])
            sample, step = _locate(sequences, int(np.flatnonzero(~missing)[first]))
            raise ValueError(
                f"y[{sample}][{step}] = {labels[first].item()!r} is not among the classes "
                f"seen in the first fit: {classes.tolist()}."
            )
        codes[~missing] = index
    return codes


def _label_rows(labels, missing, sequences):
    """:func:`step_labels`' output as per-sample object arrays, None where a
    label is missing (the form :mod:`sklearn_rnn.metrics` reads)."""
    flat = np.empty(len(missing), dtype=object)
    flat[~missing] = labels.tolist()
    return Sequences(flat, sequences.offsets).to_list()


def _class_weights(class_weight, classes, codes):
    """Weight of each class (float32, indexed by code) for the codes of a fit.

    "balanced" is scikit-learn's (:func:`~sklearn.utils.class_weight.compute_class_weight`)
    over the labelled steps: ``n_labelled_steps / (n_present_classes * its steps)``;
    a class without a step here weighs 1 (it weighs no step). A dict's labels
    that are not classes are ignored.
    """
    weights = np.ones(len(classes), dtype=np.float32)
    if class_weight == "balanced":
        labelled = codes[codes != MISSING]
        present = np.unique(labelled)
        if len(present):
            weights[present] = compute_class_weight("balanced", classes=present, y=labelled)
        return weights
    for label, weight in class_weight.items():
        index = np.flatnonzero(classes == label)
        if len(index):
            weights[index[0]] = weight
    return weights


def _step_weights(step_weight, sequences):
    """Per-step weights, flat and aligned with X's steps (missing entries weigh 0)."""
    flat = _as_step_values(step_weight, sequences, "step_weight")
    missing = np.asarray(pd.isna(flat), dtype=bool)
    flat[missing] = 0.0
    try:
        weights = flat.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("step_weight must hold numbers.") from None
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        sample, step = _locate(sequences, int(np.flatnonzero(bad)[0]))
        raise ValueError(
            f"step_weight[{sample}][{step}] is {weights[~np.isfinite(weights) | (weights < 0)][0]};"
            " step weights must be finite and non-negative."
        )
    return weights.astype(np.float32)


class _Targets(list):
    """The encoded targets: one ``(codes, weights or None)`` pair per sample,
    with the flat codes and the validated X they align with."""

    def __init__(self, codes, sequences):
        offsets = sequences.offsets.tolist()
        super().__init__((codes[a:b], None) for a, b in zip(offsets[:-1], offsets[1:]))
        self.codes = codes
        self.sequences = sequences

    def set_weights(self, weights):
        """Attach per-step weights (flat, in step order)."""
        offsets = self.sequences.offsets.tolist()
        for i, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
            self[i] = (self[i][0], weights[a:b])


def _collate_tags(rows):
    """Pad a batch's targets: ``{"labels": (B, T) int64 (-1: none), "weights": (B, T)}``."""
    lengths = [len(codes) for codes, _ in rows]
    width = max(lengths)
    labels = torch.full((len(rows), width), MISSING, dtype=torch.int64)
    weighted = rows[0][1] is not None
    weights = torch.zeros((len(rows), width), dtype=torch.float32) if weighted else None
    for i, (codes, row_weights) in enumerate(rows):
        labels[i, : len(codes)] = torch.from_numpy(codes)
        if weighted:
            weights[i, : len(codes)] = torch.from_numpy(row_weights)
    return {"labels": labels, "weights": weights} if weighted else {"labels": labels}


# --- the estimator ----------------------------------------------------------------

_WORD_FEATURES = Param(
    "auto",
    [StrOptions({"auto", "spelling", "id"})],
    '{"auto", "spelling", "id"}',
    "How a word is embedded when X holds already split words (``X[i]`` a\n"
    'list of str, one per step). "id": its lower-cased form\'s id in the\n'
    "vocabulary learnt in fit (words seen once there are out of vocabulary,\n"
    'so that the network learns the unknown word). "spelling": also its\n'
    "prefixes of 1-3 letters, suffixes of 1-4 letters and shape (case,\n"
    "digits, punctuation), each embedded, so that an unknown word is read\n"
    'from its spelling. "auto" is "spelling" (on POS tagging it beats "id",\n'
    "most on unknown words: benchmarks/tasks.md). Unused for numeric and\n"
    "token-id X.",
    module=True,
)


@register_estimator
@fill_doc
class RNNTagger(BaseSequenceEstimator):
    """Sequence labelling: one label per time step, with a recurrent network.

    Part-of-speech tags for the words of a sentence, BIO entity tags, the
    activity at each instant of a sensor stream: ``fit(X, y)`` with ``y[i]``
    holding one label per step of ``X[i]``. A bidirectional network (the
    default) reads the whole sequence before labelling a step;
    ``bidirectional=False`` gives a causal tagger, whose label at step ``t``
    depends on steps ``0..t`` only.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted: the union of the labels in y. Column ``k`` of
        :meth:`predict_proba` is ``classes_[k]``.
    word_vocabulary_ : dict of str to int or None
        For word input: the lower-cased words seen at least twice in fit
        (in the first call of :meth:`partial_fit`), with their ids (from 2;
        1 is out of vocabulary). None otherwise.
    spelling_vocabulary_ : dict of str to int or None
        For word input with ``word_features="spelling"``: the spelling
        features (``"s3:ing"``, ``"shape:Xx"``...) seen at least twice in
        fit (in the first call of :meth:`partial_fit`), with their ids.
        None otherwise.
    {shared_attributes}

    See Also
    --------
    RNNClassifier : One label per sequence.
    CTCTranscriber : A label sequence per sample, without alignment.
    sklearn_rnn.metrics.flatten_tags : Per-step truths and predictions, for any sklearn metric.
    sklearn_rnn.metrics.entity_f1 : Entity-level F1 of BIO tags.

    Notes
    -----
    **Targets.** y holds one label per time step of each sample, in any of
    these forms: a list (or Series) of per-sample label arrays or lists; a
    2-D array ``(n_samples, T)`` when X has fixed length; or the masked
    output of ``SequencePadder`` applied to integer labels (with X padded the
    same way, or ragged: see :func:`step_labels`). Labels are ints, strings
    or pandas Categoricals. A missing label (None, NaN, pandas' NA, a masked
    entry) is left out of the loss, so partly labelled sequences train on
    their labelled steps only; ``fit`` refuses a label sequence whose length
    differs from its sample's, naming the sample.

    **Loss.** The per-step cross-entropy is averaged over the labelled steps
    of each batch. ``sample_weight`` weighs every step of a sequence,
    ``class_weight`` every step of a class, and the ``step_weight`` argument
    of :meth:`fit` single steps; the three multiply.

    **Outputs.** :meth:`predict` and :meth:`predict_proba` return one row per
    step, in X's order and form: a list of per-sample arrays for ragged X, a
    2-D (3-D for probabilities) array for fixed-length X, a masked array with
    X's mask for masked X. They are exact: a step's prediction never depends
    on padding or on the other samples of its batch.

    **Words.** X may hold already split words (a list of str per sample, as
    tagged corpora come): the tagger learns a word vocabulary in fit and,
    with ``word_features="spelling"`` (the default), each word's prefixes,
    suffixes and shape, which tell it about words it never saw. Each step is
    then a row of ids (``n_features_in_`` counts them). Token ids from
    ``SequenceTokenizer`` carry no spelling: the network sees only the id.

    **Resolution.** Tagging needs one output per input step.
    ``ConvFrontend(stride="auto")`` is stride 1 here (no "auto"
    shortening), and when a front end's stride or frame stacking shortens
    the sequence, the head predicts every step that a shortened frame stands
    for.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.tagger import RNNTagger
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(4, 12), 2) for _ in range(40)]
    >>> y = [np.where(x[:, 0] > 0, "up", "down") for x in X]
    >>> tagger = RNNTagger(hidden_size=16, max_epochs=3, random_state=0).fit(X, y)
    >>> [labels.shape for labels in tagger.predict(X[:2])] == [x.shape[:1] for x in X[:2]]
    True
    """

    _parameters = declare(
        BACKBONE,
        FRONTEND,
        EMBEDDING,
        TRAINING,
        {
            "class_weight": Param(
                None,
                [dict, StrOptions({"balanced"}), None],
                'dict, "balanced" or None',
                "Weights of the classes in the per-step loss, as in sklearn's linear\n"
                'models; "balanced" is sklearn\'s compute_class_weight over the\n'
                "labelled steps of the data given to fit (or to one partial_fit\n"
                "call): n_labelled_steps / (n_classes present * its steps); a\n"
                "class absent from those steps weighs 1.",
            ),
            "word_features": _WORD_FEATURES,
        },
        RUNTIME,
        # A step's label depends on what follows it as much as on what precedes it.
        bidirectional={"default": True},
        frontend={
            "doc": "What the input goes through before the recurrent layers: a\n"
            ":class:`~sklearn_rnn.components.ConvFrontend`, a\n"
            ":class:`~sklearn_rnn.components.FrameStacking` or None, as for\n"
            "RNNClassifier. A front end that shortens the sequence (a stride or\n"
            "frame stacking above 1) makes the head predict the labels of all the\n"
            "steps a shortened frame stands for (one row of logits per step), so\n"
            'every step still gets its own label; ``ConvFrontend(stride="auto")``\n'
            'is stride 1 here (the tagger never shortens unasked). "auto": as for\n'
            "RNNClassifier on numbers and token ids; None for words.",
        },
    )
    _module_class = RNNTaggerModel
    #: Fitted attributes its files hold (besides the base's), with their types.
    _saved_attributes = {"classes_": np.ndarray}
    #: y holds one label per step of each sample (read by the package's sequence checks).
    _labels_per_step = True
    _always_buckets = True

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        frontend="auto",
        embedding=None,
        optimizer="adamw",
        lr=0.003,
        weight_decay=0.01,
        lr_schedule="onecycle",
        batch_size=32,
        max_epochs="auto",
        clip_grad_norm=1.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=0.0001,
        scoring="loss",
        on_divergence="raise",
        class_weight=None,
        word_features="auto",
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        callbacks=None,
        checkpoint=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.frontend = frontend
        self.embedding = embedding
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.on_divergence = on_divergence
        self.class_weight = class_weight
        self.word_features = word_features
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.checkpoint = checkpoint

    def fit(self, X, y, sample_weight=None, *, step_weight=None, X_val=None, y_val=None):
        """Fit the network.

        Parameters
        ----------
        X : sequences
            Any form the package accepts (3-D or 2-D array, DataFrame, list or
            Series of ``(T_i, n_features)`` arrays, integer token sequences,
            masked output of ``SequencePadder``).
        y : list of 1-D array-likes, 2-D array or masked array
            One label per time step of each sample (see Notes); None, NaN or
            a masked entry marks a step without a label.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence (of each of its steps' losses).
        step_weight : list of 1-D array-likes or 2-D array, default=None
            Weight of each step, in the forms y takes (NaN or masked: 0).
        X_val : sequences, default=None
            A validation set, as in :meth:`RNNClassifier.fit
            <sklearn_rnn.RNNClassifier.fit>`: its loss (and score when
            ``scoring`` is not "loss") is recorded per epoch, and early
            stopping monitors it.
        y_val : list of 1-D array-likes, 2-D array or masked array, default=None
            Per-step labels of ``X_val``, as y.

        Returns
        -------
        self : RNNTagger
        """
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val, step_weight=step_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None, step_weight=None):
        """Train for one epoch on (X, y), initialising on the first call.

        As with scikit-learn's incremental estimators, the first call fixes
        what the model reads: the labels (``classes``), the number of
        features and, for word input, the vocabularies. Later calls, and a
        ``warm_start`` fit, keep them.

        **Words.** The first call learns ``word_vocabulary_`` and
        ``spelling_vocabulary_`` from its X alone, by :meth:`fit`'s rule (the
        lower-cased words, and the spelling features, seen at least twice in
        that X); the network's embedding tables are sized by them. A word
        that the first call's X did not hold twice is out of vocabulary in
        every later call, in training as in :meth:`predict`: its word id is
        the out-of-vocabulary id, so the tagger reads it from its spelling
        features (those seen twice in the first call; with
        ``word_features="id"``, from nothing but that id). Make the first
        call's X a large, representative sample of the corpus (it may be
        larger than the later batches), or use :meth:`fit` when the corpus
        fits in memory. Token-id input is alike: ids above the largest one
        in the first call's X are out of vocabulary.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`, or samples of words (lists of str).
        y : list of 1-D array-likes, 2-D array or masked array
            As in :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            Every label; needed on the first call when this data does not hold
            them all.
        sample_weight : array-like of shape (n_samples,), default=None
        step_weight : list of 1-D array-likes or 2-D array, default=None

        Returns
        -------
        self : RNNTagger
        """
        return self._fit(
            X, y, sample_weight, partial=True, classes=classes, step_weight=step_weight
        )

    # --- hooks of the base ----------------------------------------------------

    def _criterion(self):
        return StepCrossEntropy, {}

    def _validate_X(self, X, reset):
        """X as the base validates it; words become rows of ids first."""
        words = None if isinstance(X, Sequences) else as_words(X)
        if reset:
            self.word_vocabulary_ = self.spelling_vocabulary_ = None
            if words is not None:
                self.word_vocabulary_, self.spelling_vocabulary_ = fit_vocabularies(
                    words, with_spelling=self.word_features in ("auto", "spelling")
                )
        elif words is not None and getattr(self, "word_vocabulary_", None) is None:
            raise ValueError(
                f"{type(self).__name__} was fitted on numeric or token-id sequences; X holds "
                "words (lists of str). Fit on words to tag words."
            )
        elif words is None and not isinstance(X, Sequences) and self.word_vocabulary_ is not None:
            raise ValueError(
                f"{type(self).__name__} was fitted on words (lists of str); X holds something "
                "else. Give each sample as its list of words."
            )
        if words is not None:
            X = word_ids(words, self.word_vocabulary_, self.spelling_vocabulary_)
        return super()._validate_X(X, reset)

    def _resolve_frontend(self, sequences, cell):
        if self.frontend == "auto" and self.word_vocabulary_ is not None:
            return None  # as for token ids: the steps are embeddings
        return super()._resolve_frontend(sequences, cell)

    def _auto_stride(self, lengths):
        # One frame per step, which tagging needs most: the tagger never
        # shortens unasked.
        return 1

    def _resolve_module_kwargs(self, sequences, partial=False):
        kwargs = super()._resolve_module_kwargs(sequences, partial=partial)
        if self.word_vocabulary_ is None:
            kwargs["word_features"] = None
        else:
            spelling = self.spelling_vocabulary_
            kwargs["word_features"] = "id" if spelling is None else "spelling"
            kwargs["word_vocab_size"] = len(self.word_vocabulary_) + 2
            kwargs["spelling_vocab_size"] = None if spelling is None else len(spelling) + 2
        return kwargs

    def _n_outputs(self):
        return len(self.classes_)

    def _target_collate(self):
        return _collate_tags

    @staticmethod
    def _split_codes(codes, sequences):
        return _Targets(codes, sequences)

    def _fit_targets(self, y, sequences, classes=None):
        labels, missing = step_labels(y, sequences)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
        elif len(labels) == 0:
            raise ValueError("y holds no label: every step is missing.")
        else:
            classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(
                f"y holds a single class ({classes.tolist()}); a tagger needs at least 2 classes."
            )
        self.classes_ = classes
        return self._split_codes(_encode(labels, missing, classes, sequences), sequences)

    def _encode_targets(self, y, sequences):
        labels, missing = step_labels(y, sequences)
        return self._split_codes(_encode(labels, missing, self.classes_, sequences), sequences)

    def _sample_weights(self, sample_weight, targets, n_samples, *, step_weight=None):
        """Per-sequence weights (the base's), and the per-step weights (class
        weights times ``step_weight``) written into the training targets."""
        weights = super()._sample_weights(sample_weight, targets, n_samples)
        if self.class_weight is None and step_weight is None:
            return weights
        codes, sequences = targets.codes, targets.sequences
        per_step = np.ones(len(codes), dtype=np.float32)
        if self.class_weight is not None:
            per_step *= _class_weights(self.class_weight, self.classes_, codes)[
                np.maximum(codes, 0)
            ]
        if step_weight is not None:
            per_step *= _step_weights(step_weight, sequences)
        targets.set_weights(per_step)
        return weights

    def _validation_data(self, X, y, sequences, targets, weights, X_val, y_val, partial):
        # A masked y aligns with X through X's mask; the held-out part is
        # scored on ragged storage, so it gets its labels as per-sample rows.
        if np.ma.isMaskedArray(y):
            y = _label_rows(*step_labels(y, sequences), sequences)
        return super()._validation_data(X, y, sequences, targets, weights, X_val, y_val, partial)

    # --- prediction -----------------------------------------------------------

    def predict_log_proba(self, X):
        """Log-probabilities of the classes at every step.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        log_proba : list of ndarray of shape (T_i, n_classes), or ndarray
            One array per sample for ragged X; ``(n_samples, T, n_classes)``
            for fixed-length X; a masked array with X's mask for masked X.
            Columns follow ``classes_``.
        """
        sequences, logits = self._predict_steps(X)
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return rebuild_steps(logits, sequences)

    def predict_proba(self, X):
        """Probabilities of the classes at every step.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        proba : list of ndarray of shape (T_i, n_classes), or ndarray
            One array per sample for ragged X; ``(n_samples, T, n_classes)``
            for fixed-length X; a masked array with X's mask for masked X.
            Columns follow ``classes_``; each row sums to 1.
        """
        sequences, logits = self._predict_steps(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return rebuild_steps(proba, sequences)

    def _predict_labels(self, X):
        """Validated X and the label of every step, flat in step order."""
        sequences, logits = self._predict_steps(X)
        return sequences, self.classes_[np.argmax(logits, axis=1)]

    def predict(self, X):
        """The label of every step.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        y_pred : list of ndarray of shape (T_i,), or ndarray
            One label array per sample (each of its sample's length) for
            ragged X, in X's order; ``(n_samples, T)`` for fixed-length X; a
            masked array with X's mask for masked X.
        """
        sequences, labels = self._predict_labels(X)
        return rebuild_steps(labels, sequences)

    def score(self, X, y, sample_weight=None):
        """Per-step accuracy over the labelled steps.

        :func:`sklearn_rnn.metrics.tag_accuracy` of y (aligned with X's steps
        as :meth:`fit` aligns it) and :meth:`predict`'s labels.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.
        y : list of 1-D array-likes, 2-D array or masked array
            True labels per step; missing ones are skipped, labels never seen
            in fit count as errors.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence's steps.

        Returns
        -------
        score : float
            The fraction of labelled steps predicted right.
        """
        sequences, predicted = self._predict_labels(X)
        labels, missing = step_labels(y, sequences)
        if len(labels) == 0:
            raise ValueError("y holds no label: every step is missing.")
        if sample_weight is not None:
            sample_weight = check_sample_weight_array(sample_weight, len(sequences))
        return tag_accuracy(
            _label_rows(labels, missing, sequences),
            Sequences(predicted, sequences.offsets).to_list(),
            sample_weight=sample_weight,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        return tags

    def _onnx_graph(self, module):
        """The fitted network ``module`` in the graph :func:`~sklearn_rnn.to_onnx`
        exports: per-step probabilities and logits."""
        return _TaggerGraph(module, self.vocab_size_)
