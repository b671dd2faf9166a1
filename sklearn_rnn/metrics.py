"""Sequence metrics: character error rate, word error rate, sequence accuracy.

The error rates are corpus-level, as in jiwer and in speech and handwriting
recognition papers: the edit distances of all samples are summed and divided
by the total length of the references, so a long line weighs more than a short
one. Edit distances come from `rapidfuzz`'s Levenshtein distance (unit costs
for insertion, deletion and substitution).

All three functions take ``(y_true, y_pred)`` like scikit-learn's metrics and
work with :func:`sklearn.metrics.make_scorer`; the error rates need
``greater_is_better=False``.
"""

import numpy as np
from rapidfuzz.distance import Levenshtein

__all__ = ["character_error_rate", "sequence_accuracy", "word_error_rate"]


def _as_samples(y, name):
    """Return ``y`` as a list of samples, each a ``str`` or a ``tuple`` of labels.

    Accepts a list, tuple, pandas Series, 1-D array of strings or objects, or a
    2-D array whose rows are label sequences.
    """
    if isinstance(y, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of samples (e.g. a list of strings); got a "
            f"single {type(y).__name__} {y!r:.40}. Wrap one sample in a list: [{y!r:.40}]."
        )
    if hasattr(y, "to_numpy") and not isinstance(y, np.ndarray):  # pandas Series
        y = y.to_numpy()
    if isinstance(y, np.ndarray):
        if y.ndim == 0:
            raise TypeError(f"{name} must be a sequence of samples; got a 0-d array {y!r:.40}.")
        y = list(y)  # a 2-D array gives one row (a label sequence) per sample
    elif not hasattr(y, "__len__") or not hasattr(y, "__iter__"):
        raise TypeError(
            f"{name} must be a sequence of samples (list, tuple, Series or array); "
            f"got {type(y).__name__}."
        )
    samples = []
    for index, sample in enumerate(y):
        if isinstance(sample, str):  # includes numpy.str_
            samples.append(str(sample))
        elif isinstance(sample, (list, tuple, np.ndarray)) and np.ndim(sample) == 1:
            samples.append(tuple(sample.tolist() if isinstance(sample, np.ndarray) else sample))
        else:
            shape = f" of shape {np.shape(sample)}" if isinstance(sample, np.ndarray) else ""
            raise TypeError(
                f"Each sample of {name} must be a str or a 1-D sequence (list, tuple, "
                f"array) of labels; sample {index} is {type(sample).__name__}{shape}: "
                f"{sample!r:.40}."
            )
    return samples


def _check_pair(y_true, y_pred):
    """Validate both arguments and return them as lists of samples."""
    true_samples = _as_samples(y_true, "y_true")
    pred_samples = _as_samples(y_pred, "y_pred")
    if len(true_samples) != len(pred_samples):
        raise ValueError(
            f"y_true and y_pred must have the same number of samples; got "
            f"{len(true_samples)} in y_true and {len(pred_samples)} in y_pred."
        )
    if len(true_samples) == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed.")
    return true_samples, pred_samples


def _encode_pair(reference, hypothesis):
    """Map two samples onto comparable sequences for rapidfuzz.

    Two strings are compared as strings. Otherwise a string is read as its
    characters and every label is replaced by a small integer code, assigned by
    Python equality, because rapidfuzz compares arbitrary hashables by hash and
    would, for example, count the label ``97`` equal to ``"a"``.
    """
    if isinstance(reference, str) and isinstance(hypothesis, str):
        return reference, hypothesis
    codes = {}
    reference_codes = [codes.setdefault(label, len(codes)) for label in reference]
    hypothesis_codes = [codes.setdefault(label, len(codes)) for label in hypothesis]
    return reference_codes, hypothesis_codes


def _error_rate(references, hypotheses, unit):
    """Corpus-level edit distance divided by total reference length."""
    total_distance = 0
    total_length = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        total_distance += Levenshtein.distance(*_encode_pair(reference, hypothesis))
        total_length += len(reference)
    if total_length == 0:
        raise ValueError(
            f"The {unit} error rate is undefined when every reference in y_true is "
            f"empty (total reference length 0, over {len(references)} samples)."
        )
    return total_distance / total_length


def character_error_rate(y_true, y_pred):
    """Character error rate (CER) of predicted sequences against references.

    The sum over samples of the Levenshtein distance between reference and
    prediction, divided by the total number of characters (or labels) in the
    references. 0 is perfect; it exceeds 1 when predictions insert more than
    the references hold.

    Parameters
    ----------
    y_true : sequence of str or of label sequences, length n_samples
        Reference transcriptions: a list, tuple, pandas Series or array of
        strings, or of label sequences (lists, tuples or 1-D arrays of
        hashable labels such as ints). A 2-D array is read one row per sample.
    y_pred : sequence of str or of label sequences, length n_samples
        Predicted transcriptions, in the same forms. A string compared with a
        label sequence is read as its characters.

    Returns
    -------
    cer : float
        Total edit distance divided by total reference length, in ``[0, inf)``.

    Raises
    ------
    ValueError
        If the lengths differ, the input is empty, or every reference is empty.
    TypeError
        If ``y_true`` or ``y_pred`` is a single string rather than a sequence
        of samples, or a sample is neither a string nor a 1-D sequence.

    See Also
    --------
    word_error_rate : The same rate over whitespace-separated words.
    sequence_accuracy : Fraction of exactly right predictions.

    Examples
    --------
    >>> from sklearn_rnn.metrics import character_error_rate
    >>> character_error_rate(["314", "15"], ["314", "16"])
    0.2
    >>> character_error_rate([[3, 1, 4]], [[3, 4]])
    0.3333333333333333

    As a scorer for model selection (scikit-learn negates it):

    >>> from sklearn.metrics import make_scorer
    >>> cer_scorer = make_scorer(character_error_rate, greater_is_better=False)
    """
    references, hypotheses = _check_pair(y_true, y_pred)
    return _error_rate(references, hypotheses, unit="character")


def word_error_rate(y_true, y_pred):
    """Word error rate (WER) of predicted strings against reference strings.

    Each string is split on whitespace into words; the WER is the sum over
    samples of the word-level Levenshtein distance, divided by the total
    number of reference words.

    Parameters
    ----------
    y_true : sequence of str, length n_samples
        Reference transcriptions (list, tuple, pandas Series or array of str).
    y_pred : sequence of str, length n_samples
        Predicted transcriptions.

    Returns
    -------
    wer : float
        Total word edit distance divided by total reference word count, in
        ``[0, inf)``.

    Raises
    ------
    ValueError
        If the lengths differ, the input is empty, a sample is not a string
        (words are undefined for label sequences), or every reference has no
        words.
    TypeError
        If ``y_true`` or ``y_pred`` is a single string rather than a sequence
        of samples, or a sample is neither a string nor a 1-D sequence.

    See Also
    --------
    character_error_rate : The same rate over characters or labels.

    Examples
    --------
    >>> from sklearn_rnn.metrics import word_error_rate
    >>> word_error_rate(["the cat sat", "on the mat"], ["the cat sat", "on a mat"])
    0.16666666666666666
    """
    references, hypotheses = _check_pair(y_true, y_pred)
    for name, samples in (("y_true", references), ("y_pred", hypotheses)):
        for index, sample in enumerate(samples):
            if not isinstance(sample, str):
                # ValueError, as sklearn's metrics give for a kind of target
                # they do not support (e.g. multilabel input to a binary metric).
                raise ValueError(  # noqa: TRY004
                    "word_error_rate needs strings, since words are whitespace-"
                    f"separated parts of a string; sample {index} of {name} is a "
                    "label sequence. Use character_error_rate for label sequences."
                )
    return _error_rate(
        [tuple(text.split()) for text in references],
        [tuple(text.split()) for text in hypotheses],
        unit="word",
    )


def sequence_accuracy(y_true, y_pred):
    """Fraction of samples whose prediction equals the reference exactly.

    Parameters
    ----------
    y_true : sequence of str or of label sequences, length n_samples
        References, in the forms :func:`character_error_rate` accepts.
    y_pred : sequence of str or of label sequences, length n_samples
        Predictions. A string compared with a label sequence is read as its
        characters.

    Returns
    -------
    accuracy : float
        Number of exact matches divided by ``n_samples``, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If the lengths differ or the input is empty.
    TypeError
        If a sample is neither a string nor a 1-D sequence.

    Examples
    --------
    >>> from sklearn_rnn.metrics import sequence_accuracy
    >>> sequence_accuracy(["314", "15", "9"], ["314", "16", "9"])
    0.6666666666666666
    """
    references, hypotheses = _check_pair(y_true, y_pred)
    n_correct = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        if isinstance(reference, str) != isinstance(hypothesis, str):
            reference, hypothesis = tuple(reference), tuple(hypothesis)
        n_correct += reference == hypothesis
    return n_correct / len(references)


# --- per-step labels (sequence labelling) ------------------------------------------
# Appended with sklearn_rnn.tagger.RNNTagger: flatten per-sample tag sequences so
# that any scikit-learn metric applies per step, and score BIO entities.


def _tag_row(row, index, name):
    """One sample's per-step values as a 1-D object array (missing values kept)."""
    import pandas as pd

    if isinstance(row, (str, bytes)):
        raise ValueError(
            f"{name}[{index}] is the string {row!r:.40}; {name} needs one value per time "
            "step of each sample: a list or array per sample (for one label per "
            "character, list(text)). For one label per sequence use RNNClassifier."
        )
    if np.ma.isMaskedArray(row):
        values = np.ma.getdata(row).astype(object)
        values[np.ma.getmaskarray(row)] = None
        row = values
    elif hasattr(row, "to_numpy"):  # pandas Series
        row = row.to_numpy(dtype=object)
    elif isinstance(row, pd.Categorical):
        row = np.asarray(row, dtype=object)
    if isinstance(row, np.ndarray):
        if row.ndim != 1:
            raise ValueError(
                f"{name}[{index}] has shape {row.shape}; each sample's {name} must be "
                "1-D, one value per time step."
            )
        return row.astype(object, copy=False)
    if not hasattr(row, "__len__") or not hasattr(row, "__iter__"):
        raise ValueError(
            f"{name}[{index}] is {type(row).__name__} ({row!r:.40}); {name} needs one "
            "value per time step of each sample: a 1-D list or array per sample. For "
            "one label per sequence use RNNClassifier."
        )
    values = np.empty(len(row), dtype=object)
    values[:] = list(row)
    return values


def _tag_rows(y, name):
    """Per-sample tag sequences as a list of 1-D object arrays (None where missing).

    A 2-D array or DataFrame gives one row per sample; a masked array's masked
    entries are missing (None).
    """
    if isinstance(y, (str, bytes, dict, set, frozenset)) or y is None:
        raise ValueError(
            f"{name} must hold one tag sequence per sample (a list of lists or arrays, a "
            f"2-D array or a masked array); got {type(y).__name__}."
        )
    if hasattr(y, "columns") and hasattr(y, "iloc"):  # DataFrame
        y = y.to_numpy(dtype=object)
    if np.ma.isMaskedArray(y) or (isinstance(y, np.ndarray) and y.ndim == 2):
        data = np.ma.getdata(y).astype(object)
        data[np.ma.getmaskarray(y)] = None
        return list(data)
    if isinstance(y, np.ndarray) and y.dtype != object:
        raise ValueError(
            f"{name} is a {y.ndim}-D array of {y.dtype}; it must hold one tag sequence per "
            "sample (a list of lists or arrays, or a 2-D array)."
        )
    if hasattr(y, "to_list") and not isinstance(y, np.ndarray):  # pandas Series
        y = y.to_list()
    if not hasattr(y, "__len__") or not hasattr(y, "__iter__"):
        raise ValueError(f"{name} must be a sequence of tag sequences; got {type(y).__name__}.")
    return [_tag_row(row, i, name) for i, row in enumerate(y)]


def _flatten_pair(y_true, y_pred):
    """Flat labelled truths, their predictions, and each one's sample index."""
    import pandas as pd

    true_rows = _tag_rows(y_true, "y_true")
    pred_rows = _tag_rows(y_pred, "y_pred")
    if len(true_rows) != len(pred_rows):
        raise ValueError(
            f"y_true and y_pred must have the same number of samples; got "
            f"{len(true_rows)} in y_true and {len(pred_rows)} in y_pred."
        )
    if len(true_rows) == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed.")
    for i, (t, p) in enumerate(zip(true_rows, pred_rows)):
        if len(t) != len(p):
            raise ValueError(
                f"Sample {i} has {len(t)} steps in y_true but {len(p)} in y_pred; they must "
                "match (for padded truths, predict on the padded X so that both have its "
                "width)."
            )
    lengths = np.array([len(t) for t in true_rows], dtype=np.int64)
    flat_true = np.concatenate(true_rows) if len(true_rows) else np.empty(0, dtype=object)
    flat_pred = np.concatenate(pred_rows) if len(pred_rows) else np.empty(0, dtype=object)
    labelled = ~np.asarray(pd.isna(flat_true), dtype=bool)
    unpredicted = labelled & np.asarray(pd.isna(flat_pred), dtype=bool)
    if unpredicted.any():
        position = int(np.flatnonzero(unpredicted)[0])
        sample = int(np.searchsorted(np.cumsum(lengths), position, side="right"))
        step = position - int(np.sum(lengths[:sample]))
        raise ValueError(
            f"y_pred has no prediction (None, NaN or masked) at sample {sample}, step {step}, "
            "where y_true has a label."
        )
    samples = np.repeat(np.arange(len(lengths)), lengths)[labelled]
    return (
        np.asarray(flat_true[labelled].tolist()),
        np.asarray(flat_pred[labelled].tolist()),
        samples,
    )


def flatten_tags(y_true, y_pred):
    """Per-sample tag sequences flattened into two aligned 1-D arrays.

    Concatenates every sample's steps, leaving out the steps whose true label
    is missing (None, NaN or masked), so that any scikit-learn metric applies
    per step: ``accuracy_score(*flatten_tags(y_true, y_pred))``,
    ``classification_report(*flatten_tags(...))``, a confusion matrix.

    Parameters
    ----------
    y_true : list of 1-D array-likes, 2-D array, DataFrame or masked array
        True labels, one per step of each sample (as
        :class:`~sklearn_rnn.RNNTagger` takes them). None, NaN or a masked
        entry marks a step without a label.
    y_pred : list of 1-D array-likes, 2-D array or masked array
        Predicted labels, each sample with as many steps as in ``y_true``
        (as :meth:`RNNTagger.predict <sklearn_rnn.RNNTagger.predict>` returns
        them for the same X).

    Returns
    -------
    y_true_flat : ndarray of shape (n_labelled_steps,)
        The labelled steps' true labels, sample after sample.
    y_pred_flat : ndarray of shape (n_labelled_steps,)
        The predictions at the same steps.

    Raises
    ------
    ValueError
        If the numbers of samples or a sample's numbers of steps differ, or
        a labelled step has no prediction.

    See Also
    --------
    tag_accuracy : Per-step accuracy, as a metric for ``make_scorer``.

    Examples
    --------
    >>> from sklearn.metrics import accuracy_score
    >>> from sklearn_rnn.metrics import flatten_tags
    >>> y_true = [["DT", "NN", None], ["VB"]]
    >>> y_pred = [["DT", "VB", "NN"], ["VB"]]
    >>> t, p = flatten_tags(y_true, y_pred)
    >>> t.tolist(), p.tolist()
    (['DT', 'NN', 'VB'], ['DT', 'VB', 'VB'])
    >>> float(accuracy_score(t, p))
    0.6666666666666666
    """
    flat_true, flat_pred, _ = _flatten_pair(y_true, y_pred)
    return flat_true, flat_pred


def tag_accuracy(y_true, y_pred, *, sample_weight=None):
    """Per-step accuracy over the labelled steps.

    What :meth:`RNNTagger.score <sklearn_rnn.RNNTagger.score>` computes;
    ``make_scorer(tag_accuracy)`` gives a scorer for ``GridSearchCV`` or
    ``cross_val_score`` (the tagger's ``score`` is already their default).

    Parameters
    ----------
    y_true : list of 1-D array-likes, 2-D array or masked array
        True labels per step; missing ones (None, NaN, masked) are skipped.
    y_pred : list of 1-D array-likes, 2-D array or masked array
        Predicted labels, as in :func:`flatten_tags`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample's steps.

    Returns
    -------
    accuracy : float
        The fraction of labelled steps predicted right.

    Examples
    --------
    >>> from sklearn_rnn.metrics import tag_accuracy
    >>> tag_accuracy([["B-PER", "I-PER", "O"], ["O"]], [["B-PER", "O", "O"], ["O"]])
    0.75
    """
    flat_true, flat_pred, samples = _flatten_pair(y_true, y_pred)
    if len(flat_true) == 0:
        raise ValueError("y_true holds no label: every step is missing.")
    correct = flat_true == flat_pred
    if sample_weight is None:
        return float(np.mean(correct))
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (len(_tag_rows(y_true, "y_true")),):
        raise ValueError(
            f"sample_weight must have one weight per sample; got shape {weights.shape}."
        )
    weights = weights[samples]
    return float(np.sum(weights * correct) / np.sum(weights))


def _split_tag(tag):
    """(prefix, type) of a tag, as seqeval reads it: its first character and the
    rest after a "-" ("B-PER" -> ("B", "PER"), "O" -> ("O", "_"))."""
    tag = str(tag)
    return tag[:1], tag[1:].split("-", maxsplit=1)[-1] or "_"


def _end_of_chunk(prev_tag, tag, prev_type, type_):
    return (
        prev_tag in ("E", "S")
        or (prev_tag in ("B", "I") and tag in ("B", "S", "O"))
        or (prev_tag not in ("O", ".") and prev_type != type_)
    )


def _start_of_chunk(prev_tag, tag, prev_type, type_):
    return (
        tag in ("B", "S")
        or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
        or (tag not in ("O", ".") and prev_type != type_)
    )


def bio_entities(tags, *, mode="conlleval"):
    """The entities of one tag sequence, as ``(type, first_step, last_step)``.

    Parameters
    ----------
    tags : sequence of str
        One sample's tags: ``"O"`` outside entities, ``"B-TYPE"`` at an
        entity's first step, ``"I-TYPE"`` inside it (BIO/IOB2; the E- and S-
        of IOBES are read too in ``"conlleval"`` mode).
    mode : {"conlleval", "strict"}, default="conlleval"
        ``"conlleval"`` follows the conlleval script and seqeval's default
        mode: an entity starts at ``B-X``, or at an ``I-X`` that does not
        continue an entity of type X (after ``O`` or another type), and ends
        where the next tag does not continue it. ``"strict"`` follows
        seqeval's strict IOB2 mode: an entity is ``B-X`` followed by any
        ``I-X``; an ``I-X`` that continues no ``B-X`` belongs to no entity.

    Returns
    -------
    entities : list of tuple (str, int, int)
        Each entity's type and its first and last steps (inclusive), in order.

    Examples
    --------
    >>> from sklearn_rnn.metrics import bio_entities
    >>> tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-PER"]
    >>> bio_entities(tags)
    [('PER', 0, 1), ('LOC', 3, 4), ('LOC', 5, 5), ('PER', 6, 6)]
    >>> bio_entities(tags, mode="strict")
    [('PER', 0, 1), ('LOC', 5, 5)]
    """
    if mode not in ("conlleval", "strict"):
        raise ValueError(f"mode must be 'conlleval' or 'strict'; got {mode!r}.")
    tags = [str(tag) for tag in tags]
    entities = []
    if mode == "strict":
        start, current = None, None
        for i, tag in enumerate([*tags, "O"]):
            prefix, _, type_ = tag.partition("-")
            if tag != "O" and (prefix not in ("B", "I") or not type_):
                raise ValueError(
                    f"Tag {tag!r} at step {i} is not 'O', 'B-TYPE' or 'I-TYPE'; strict mode "
                    "reads IOB2 tags only."
                )
            if current is not None and not (prefix == "I" and type_ == current):
                entities.append((current, start, i - 1))
                current = None
            if prefix == "B":
                start, current = i, type_
        return entities
    prev_tag, prev_type, begin = "O", "", 0
    for i, chunk in enumerate([*tags, "O"]):
        tag, type_ = _split_tag(chunk)
        if _end_of_chunk(prev_tag, tag, prev_type, type_):
            entities.append((prev_type, begin, i - 1))
        if _start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return entities


def entity_f1(y_true, y_pred, *, mode="conlleval"):
    """Entity-level F1 of BIO (IOB2) tags, micro-averaged over entity types.

    An entity counts as found only when its type and both its boundaries are
    predicted exactly. Precision is the fraction of predicted entities that
    are true, recall the fraction of true entities predicted; F1 is their
    harmonic mean. This is seqeval's ``f1_score`` (its default, conlleval
    mode, or its strict IOB2 mode with ``mode="strict"``).

    Parameters
    ----------
    y_true : list of 1-D array-likes of str, 2-D array or masked array
        True tags, one sequence per sample. Every step needs a tag.
    y_pred : list of 1-D array-likes of str, 2-D array or masked array
        Predicted tags, each sample with as many steps as in ``y_true``.
    mode : {"conlleval", "strict"}, default="conlleval"
        How tags make entities; see :func:`bio_entities`. ``"conlleval"``:
        an ``I-X`` after ``O`` or after another type starts an entity;
        ``"strict"``: it belongs to no entity.

    Returns
    -------
    f1 : float
        In ``[0, 1]``; 0 when neither y_true nor y_pred holds an entity.

    Raises
    ------
    ValueError
        If the numbers of samples or of steps differ, or a tag is missing.

    Examples
    --------
    >>> from sklearn_rnn.metrics import entity_f1
    >>> y_true = [["B-PER", "I-PER", "O", "B-LOC"]]
    >>> y_pred = [["B-PER", "I-PER", "O", "O"]]
    >>> entity_f1(y_true, y_pred)   # precision 1/1, recall 1/2
    0.6666666666666666
    """
    true_rows = _tag_rows(y_true, "y_true")
    pred_rows = _tag_rows(y_pred, "y_pred")
    _flatten_pair(true_rows, pred_rows)  # the same numbers of samples and steps
    true_entities, pred_entities = set(), set()
    for name, rows, entities in (
        ("y_true", true_rows, true_entities),
        ("y_pred", pred_rows, pred_entities),
    ):
        for i, row in enumerate(rows):
            if any(tag is None or (isinstance(tag, float) and tag != tag) for tag in row):
                raise ValueError(
                    f"{name}[{i}] has a missing tag; entity_f1 needs every step tagged "
                    "(entities cannot be delimited across missing tags)."
                )
            entities.update((i, *entity) for entity in bio_entities(row, mode=mode))
    n_correct = len(true_entities & pred_entities)
    if n_correct == 0:
        return 0.0
    precision = n_correct / len(pred_entities)
    recall = n_correct / len(true_entities)
    return 2 * precision * recall / (precision + recall)


__all__ += ["bio_entities", "entity_f1", "flatten_tags", "tag_accuracy"]
