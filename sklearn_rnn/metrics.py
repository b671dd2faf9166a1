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
