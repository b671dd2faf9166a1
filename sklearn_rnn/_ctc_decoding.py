"""CTC decoding: greedy (best path) and prefix beam search, in numpy.

Both decoders read per-frame log-probabilities, ``(T, C)`` for one sample or
``(n_samples, T, C)`` for a padded batch, with an explicit ``blank`` index, and
return label indices with blanks and repeats removed. No torch import: a CPU
torch tensor is accepted and converted.

Why our own beam search and not pyctcdecode
-------------------------------------------
pyctcdecode (Kensho, 0.5.0) was evaluated against a brute-force reference (all
paths of small tables enumerated) and against this module; torchaudio's
decoder, the other well-kept option, cannot be installed here. Findings:

* Exactness: with its defaults (``token_min_logp=-5``, ``beam_prune_logp=-10``)
  it never extends a prefix by a label whose per-frame log-probability is
  below -5, so it can miss the most probable labelling. Example: 200 frames
  of P(blank)=0.994, P(a)=0.006: the most probable labelling is "a" (0.365,
  against 0.300 for ""), pyctcdecode returns "". With both thresholds
  disabled it returns "a". Its beam holds one entry per (prefix, last
  symbol) pair, so a prefix can take two slots and the same ``beam_width``
  keeps fewer prefixes: on 300 random tables of T=6 frames and 4 classes,
  width 10 found the brute-force argmax in 239 (pyctcdecode, either setting)
  against 268 (this module); with width 100 both found all 300.
* Alphabet: it decodes to text. Labels must be strings; ``""`` (or ``"_"``,
  ``"<pad>"``) is taken as the blank and ``" "`` (or ``"|"``) as a word break,
  and whitespace is normalised in the output, so label sequences that contain
  spaces, or labels without a one-character spelling, do not round trip. It
  logs warnings for alphabets without a space.
* Cost: it pins ``numpy<2`` and requires ``hypothesis`` and ``pygtrie`` at run
  time; its last release (0.5.0) is from 2023.
* Speed (2-core CPU, random tables, ms per sample): T=60, 11 classes, width
  10: 4.6 here, 9.8 pyctcdecode with defaults, 17.9 without pruning; width
  25: 8.5, 34 and 71; T=200, 30 classes, width 10: 29, 104 and 226. Greedy
  decoding costs about 0.05.

Its value is language-model fusion (KenLM, hotwords), which CTCTranscriber
does not offer. So the package implements the standard CTC prefix beam search
(Graves 2012; Hannun et al. 2014) here, vectorised over beam and classes at
each frame and tested against brute force; pyctcdecode is used only as an optional
cross-check in the tests when it happens to be installed.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np

__all__ = [
    "CTCHypothesis",
    "ctc_beam_decode",
    "ctc_beam_decode_batch",
    "ctc_beam_search",
    "ctc_greedy_decode",
]


class CTCHypothesis(NamedTuple):
    """One CTC labelling and its probability, as returned by the beam search.

    Attributes
    ----------
    tokens : ndarray of shape (n_tokens,), dtype int64
        Label indices, blanks and repeats removed.
    log_prob : float
        Natural log of the probability that the frames spell ``tokens``: the
        sum over all frame alignments (paths) that collapse to it. Exact when
        the beam never had to drop a prefix; otherwise a lower bound.
    """

    tokens: np.ndarray
    log_prob: float


def _to_numpy(array):
    """Return ``array`` as a numpy array, detaching a torch tensor if given."""
    if hasattr(array, "detach") and hasattr(array, "cpu"):  # torch, not imported
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def _check_log_probs(log_probs, ndim):
    """Validate log-probabilities of ``ndim`` dimensions; return a float array."""
    expected = "(T, n_classes)" if ndim == 2 else "(n_samples, T, n_classes)"
    array = _to_numpy(log_probs)
    if array.ndim != ndim:
        hint = (
            " For one sample, pass log_probs[None] or use ctc_beam_decode."
            if ndim == 3 and array.ndim == 2
            else ""
        )
        raise ValueError(
            f"log_probs must be a {ndim}-D array of shape {expected}; got an array "
            f"of shape {array.shape}.{hint}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"log_probs must hold floating-point log-probabilities; got dtype {array.dtype}."
        )
    if array.shape[-1] < 1:
        raise ValueError(
            f"log_probs must have at least one class (the blank); got shape {array.shape}."
        )
    bad = np.isnan(array) | np.isposinf(array)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            "log_probs must not contain NaN or +inf (-inf, a probability of 0, is "
            f"allowed); found {array[position]} at index {position}."
        )
    return array


def _check_blank(blank, n_classes):
    if not isinstance(blank, Integral) or isinstance(blank, bool):
        raise TypeError(f"blank must be an integer class index; got {blank!r}.")
    if not 0 <= blank < n_classes:
        raise ValueError(
            f"blank must be a class index in [0, {n_classes}) for log_probs with "
            f"{n_classes} classes; got {blank}."
        )
    return int(blank)


def _check_lengths(lengths, n_samples, n_steps):
    if lengths is None:
        return np.full(n_samples, n_steps, dtype=np.int64)
    array = _to_numpy(lengths)
    if array.shape != (n_samples,) or not (
        np.issubdtype(array.dtype, np.integer) or array.size == 0
    ):
        raise ValueError(
            f"lengths must be a 1-D integer array with one entry per sample, shape "
            f"({n_samples},); got shape {array.shape} and dtype {array.dtype}."
        )
    bad = np.flatnonzero((array < 0) | (array > n_steps))
    if bad.size:
        raise ValueError(
            f"lengths must lie in [0, {n_steps}] (the padded number of frames); "
            f"sample {bad[0]} has length {array[bad[0]]}."
        )
    return array.astype(np.int64)


def ctc_greedy_decode(log_probs, lengths=None, *, blank):
    """Best-path CTC decoding of a padded batch.

    Takes the most probable class at every frame, merges runs of the same
    class and removes blanks. Vectorised over the batch. This is the
    labelling of the single most probable path, which is not always the most
    probable labelling (see :func:`ctc_beam_decode`).

    Parameters
    ----------
    log_probs : array-like of shape (n_samples, T, n_classes), or list of arrays
        Per-frame log-probabilities (or any scores: only the argmax is used),
        padded to a common ``T``, or a list of ``(T_i, n_classes)`` arrays
        (ragged: no padding). A CPU torch tensor is accepted.
    lengths : array-like of int of shape (n_samples,), default=None
        True number of frames of each sample of a padded batch; frames at or
        after it are padding and ignored. None means every sample has ``T``
        frames. Not used with a list.
    blank : int
        Index of the CTC blank class.

    Returns
    -------
    labels : list of ndarray of int64
        One array per sample of the decoded label indices.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn._ctc_decoding import ctc_greedy_decode
    >>> probs = np.array([[[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.3, 0.7]]])
    >>> ctc_greedy_decode(np.log(probs), blank=0)
    [array([1, 1])]
    """
    if isinstance(log_probs, list):
        return _greedy_decode_ragged(log_probs, blank)
    log_probs = _check_log_probs(log_probs, ndim=3)
    n_samples, n_steps, n_classes = log_probs.shape
    blank = _check_blank(blank, n_classes)
    lengths = _check_lengths(lengths, n_samples, n_steps)
    best = log_probs.argmax(axis=2)
    keep = best != blank
    keep[:, 1:] &= best[:, 1:] != best[:, :-1]
    keep &= np.arange(n_steps)[None, :] < lengths[:, None]
    kept = best[keep].astype(np.int64)  # row-major: sample by sample
    return np.split(kept, np.cumsum(keep.sum(axis=1))[:-1])


def _greedy_decode_ragged(samples, blank):
    """Best-path decoding of ``(T_i, n_classes)`` arrays, on their concatenation."""
    samples = [_check_log_probs(sample, ndim=2) for sample in samples]
    if not samples:
        return []
    n_classes = samples[0].shape[1]
    bad = [i for i, sample in enumerate(samples) if sample.shape[1] != n_classes]
    if bad:
        raise ValueError(
            f"Every sample must have {n_classes} classes (as sample 0); sample {bad[0]} "
            f"has {samples[bad[0]].shape[1]}."
        )
    blank = _check_blank(blank, n_classes)
    lengths = np.array([len(sample) for sample in samples], dtype=np.int64)
    best = np.concatenate(samples).argmax(axis=1)
    keep = best != blank
    starts = np.cumsum(lengths) - lengths
    repeated = np.zeros(len(best), dtype=bool)
    repeated[1:] = best[1:] == best[:-1]
    repeated[starts[lengths > 0]] = False  # a sample's first frame repeats nothing
    keep &= ~repeated
    sample_of_frame = np.repeat(np.arange(len(samples)), lengths)
    counts = np.bincount(sample_of_frame[keep], minlength=len(samples))
    return np.split(best[keep].astype(np.int64), np.cumsum(counts)[:-1])


def ctc_beam_search(log_probs, *, blank, beam_width=10, n_best=None):
    """CTC prefix beam search on one sample: the most probable labellings.

    Keeps, frame by frame, the ``beam_width`` most probable label prefixes.
    Each prefix carries the total probability of the paths that spell it,
    split by whether the path ends in a blank or in its last label, so all
    alignments of a labelling are merged rather than scored path by path
    (Graves 2012, section 7.2; Hannun et al. 2014). When the number of
    distinct prefixes never exceeds ``beam_width`` nothing is pruned and the
    result is exact.

    Parameters
    ----------
    log_probs : array-like of shape (T, n_classes)
        Per-frame natural-log probabilities of one sample (e.g. the output of
        ``log_softmax``), without padding. A CPU torch tensor is accepted.
        ``-inf`` (probability 0) is allowed; NaN and ``+inf`` are not.
    blank : int
        Index of the CTC blank class.
    beam_width : int, default=10
        Number of prefixes kept after each frame.
    n_best : int, default=None
        Number of hypotheses returned; None returns every prefix left in the
        beam (at most ``beam_width``).

    Returns
    -------
    hypotheses : list of CTCHypothesis
        Best first, each with ``tokens`` and ``log_prob``.

    See Also
    --------
    ctc_beam_decode : The best hypothesis only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn._ctc_decoding import ctc_beam_search
    >>> probs = np.array([[0.6, 0.4], [0.6, 0.4]])  # blank=0, one label
    >>> hypotheses = ctc_beam_search(np.log(probs), blank=0)
    >>> [(h.tokens.tolist(), round(float(np.exp(h.log_prob)), 2)) for h in hypotheses]
    [([1], 0.64), ([], 0.36)]
    """
    log_probs = _check_log_probs(log_probs, ndim=2).astype(np.float64, copy=False)
    n_classes = log_probs.shape[1]
    blank = _check_blank(blank, n_classes)
    if not isinstance(beam_width, Integral) or isinstance(beam_width, bool) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer; got {beam_width!r}.")
    if n_best is not None and (
        not isinstance(n_best, Integral) or isinstance(n_best, bool) or n_best < 1
    ):
        raise ValueError(f"n_best must be a positive integer or None; got {n_best!r}.")
    no_finite = np.flatnonzero(~np.isfinite(log_probs).any(axis=1))
    if no_finite.size:
        raise ValueError(
            "Every frame needs at least one class of non-zero probability; frame "
            f"{no_finite[0]} of log_probs is -inf for all {n_classes} classes."
        )

    # The beam, as parallel arrays: prefix i is prefixes[i], with log-probability
    # p_blank[i] of the paths spelling it that end in a blank, p_label[i] of
    # those ending in its last label, last[i] that label (-1 for the empty
    # prefix) and parent[i] the beam index of prefixes[i][:-1] (-1 if absent).
    prefixes = [()]
    p_blank = np.array([0.0])
    p_label = np.array([-np.inf])
    last = np.array([-1])
    parent = np.array([-1])
    for frame in log_probs:
        n_beams = len(prefixes)
        total = np.logaddexp(p_blank, p_label)
        has_last = last >= 0
        last_safe = np.where(has_last, last, 0)
        # The prefix stays the same: a blank follows, or its last label repeats.
        stay_blank = total + frame[blank]
        stay_label = np.where(has_last, p_label + frame[last_safe], -np.inf)
        # The prefix grows by a label; repeating the last label needs a blank
        # in between, so only the blank-ending paths extend with it.
        extend = total[:, None] + frame[None, :]
        rows = np.flatnonzero(has_last)
        extend[rows, last[rows]] = p_blank[rows] + frame[last[rows]]
        extend[:, blank] = -np.inf
        # An extension that spells a prefix already in the beam is merged into it.
        children = np.flatnonzero(parent >= 0)
        merged = extend[parent[children], last[children]]
        stay_label[children] = np.logaddexp(stay_label[children], merged)
        extend[parent[children], last[children]] = -np.inf

        scores = np.concatenate([np.logaddexp(stay_blank, stay_label), extend.ravel()])
        n_keep = min(beam_width, int(np.isfinite(scores).sum()))
        chosen = np.argpartition(-scores, n_keep - 1)[:n_keep]
        chosen = chosen[np.argsort(-scores[chosen], kind="stable")]

        is_stay = chosen < n_beams
        stay_index = np.where(is_stay, chosen, 0)
        extend_index = np.where(is_stay, 0, chosen - n_beams)
        source, label = np.divmod(extend_index, n_classes)
        p_blank = np.where(is_stay, stay_blank[stay_index], -np.inf)
        p_label = np.where(is_stay, stay_label[stay_index], extend.ravel()[extend_index])
        last = np.where(is_stay, last[stay_index], label)
        prefixes = [
            prefixes[index] if stay else prefixes[beam] + (new_label,)
            for index, stay, beam, new_label in zip(
                chosen.tolist(), is_stay.tolist(), source.tolist(), label.tolist(), strict=True
            )
        ]
        position = {prefix: i for i, prefix in enumerate(prefixes)}
        parent = np.array([position.get(prefix[:-1], -1) if prefix else -1 for prefix in prefixes])

    total = np.logaddexp(p_blank, p_label)
    order = np.argsort(-total, kind="stable")[:n_best]
    return [
        CTCHypothesis(tokens=np.array(prefixes[i], dtype=np.int64), log_prob=float(total[i]))
        for i in order
    ]


def ctc_beam_decode(log_probs, *, blank, beam_width=10):
    """Most probable CTC labelling of one sample, by prefix beam search.

    Unlike :func:`ctc_greedy_decode`, this sums the probabilities of all
    alignments of a labelling, so it finds a labelling spelled by many fairly
    likely paths over one spelled by the single most likely path.

    Parameters
    ----------
    log_probs : array-like of shape (T, n_classes)
        Per-frame natural-log probabilities of one sample, without padding.
    blank : int
        Index of the CTC blank class.
    beam_width : int, default=10
        Number of prefixes kept after each frame. Larger is slower and closer
        to exact; exact once it covers every prefix that occurs.

    Returns
    -------
    hypothesis : CTCHypothesis
        ``tokens`` (int64 label indices) and their ``log_prob``.

    Examples
    --------
    Two frames that each favour the blank (0.6) over label 1 (0.4): the single
    best path is blank-blank (0.36), yet "1" is spelled by three paths
    (0.16 + 0.24 + 0.24 = 0.64).

    >>> import numpy as np
    >>> from sklearn_rnn._ctc_decoding import ctc_beam_decode, ctc_greedy_decode
    >>> log_probs = np.log([[0.6, 0.4], [0.6, 0.4]])
    >>> ctc_greedy_decode(log_probs[None], blank=0)
    [array([], dtype=int64)]
    >>> hypothesis = ctc_beam_decode(log_probs, blank=0)
    >>> hypothesis.tokens, round(float(np.exp(hypothesis.log_prob)), 2)
    (array([1]), 0.64)
    """
    return ctc_beam_search(log_probs, blank=blank, beam_width=beam_width, n_best=1)[0]


def ctc_beam_decode_batch(log_probs, lengths=None, *, blank, beam_width=10):
    """Beam-search decoding of a padded batch, one sample at a time.

    Parameters
    ----------
    log_probs : array-like of shape (n_samples, T, n_classes), or list of arrays
        Per-frame natural-log probabilities, padded to a common ``T``, or a
        list of ``(T_i, n_classes)`` arrays.
    lengths : array-like of int of shape (n_samples,), default=None
        True number of frames of each sample of a padded batch; None means
        ``T`` for all. Not used with a list.
    blank : int
        Index of the CTC blank class.
    beam_width : int, default=10
        Number of prefixes kept after each frame.

    Returns
    -------
    hypotheses : list of CTCHypothesis
        The best hypothesis of each sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn._ctc_decoding import ctc_beam_decode_batch
    >>> log_probs = np.log([[[0.6, 0.4], [0.6, 0.4]], [[0.1, 0.9], [0.9, 0.1]]])
    >>> [h.tokens.tolist() for h in ctc_beam_decode_batch(log_probs, [2, 1], blank=0)]
    [[1], [1]]
    """
    if isinstance(log_probs, list):
        return [ctc_beam_decode(sample, blank=blank, beam_width=beam_width) for sample in log_probs]
    log_probs = _check_log_probs(log_probs, ndim=3)
    n_samples, n_steps, n_classes = log_probs.shape
    _check_blank(blank, n_classes)
    lengths = _check_lengths(lengths, n_samples, n_steps)
    return [
        ctc_beam_decode(log_probs[i, :length], blank=blank, beam_width=beam_width)
        for i, length in enumerate(lengths.tolist())
    ]
