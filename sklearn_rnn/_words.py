"""Words as the input of RNNTagger: a word vocabulary and spelling features.

A tagger given already split words (``X[i]`` a list of str, one per step)
learns, in ``fit``, a vocabulary of the lower-cased words and one of their
spelling features; each step then becomes a row of integer ids, stored as
float32 (exact below 2**24) so that the rows travel through the package's
float-sequence path unchanged, and the tagger's module embeds them:

- column 0: the word's id (0 pads, 1 is out of vocabulary);
- with spelling features, one column per feature of :func:`spelling`: the
  word's prefixes of 1-3 letters, its suffixes of 1-4 letters (lower-cased)
  and its shape (character classes, case included: "Mid-1990s" -> "Xx-dx").

Words and features seen fewer than :data:`MIN_COUNT` times in ``fit`` are
out of vocabulary (id 1) already in training, so that the network learns
what to do with an unknown word: read its spelling.
"""

import collections

import numpy as np
import pandas as pd

__all__ = ["MIN_COUNT", "as_words", "fit_vocabularies", "spelling", "word_ids"]

#: Words and spelling features seen fewer times than this in fit are out of vocabulary.
MIN_COUNT = 2
PREFIXES = (1, 2, 3)
SUFFIXES = (1, 2, 3, 4)
#: Spelling features per word (the columns after the word id).
N_SPELLING = len(PREFIXES) + len(SUFFIXES) + 1
_PAD, _OOV = 0, 1


def _shape(word):
    """Character classes with repeats collapsed: "Mid-1990s" -> "Xx-dx" (at most 6)."""
    classes = []
    for char in word:
        kind = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not classes or classes[-1] != kind:
            classes.append(kind)
    return "".join(classes)[:6]


def spelling(word):
    """The spelling features of ``word``: prefixes, suffixes and shape, as strings."""
    low = word.lower()
    return (
        [f"p{k}:{low[:k]}" for k in PREFIXES]
        + [f"s{k}:{low[-k:]}" for k in SUFFIXES]
        + [f"shape:{_shape(word)}"]
    )


def _is_word_list(sample):
    if isinstance(sample, np.ndarray):
        return sample.ndim == 1 and sample.dtype.kind in "OU"
    return isinstance(sample, (list, tuple))


def as_words(X):
    """X as a list of lists of str when it holds already split words, else None.

    Words: a list (or Series) of samples, each a list, tuple or 1-D str/object
    array of str, one per step. Anything else (numbers, token ids, arrays,
    ``Sequences``) gives None and takes the package's usual path. A sample
    that is empty, or that holds something other than str, raises ValueError
    naming it.
    """
    if hasattr(X, "to_list") and not hasattr(X, "columns"):  # Series of word lists
        X = X.to_list()
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return None
    first = X[0]
    if not _is_word_list(first) or len(first) == 0 or not isinstance(first[0], str):
        return None
    words = []
    for i, sample in enumerate(X):
        if not _is_word_list(sample):
            raise ValueError(
                f"X[0] is a list of words but X[{i}] is {type(sample).__name__}; give every "
                "sample as a list of str words (one per step)."
            )
        sample = [str(word) if isinstance(word, np.str_) else word for word in sample]
        if len(sample) == 0:
            raise ValueError(f"X[{i}] has no word; every sample needs at least one step.")
        for step, word in enumerate(sample):
            if not isinstance(word, str):
                raise ValueError(
                    f"X[{i}][{step}] is {word!r:.40} of type {type(word).__name__}; a sample "
                    "of words must hold str only."
                )
        words.append(sample)
    return words


def _vocabulary(counts):
    """Ids from 2, most frequent first (ties alphabetical), for items seen >= MIN_COUNT times."""
    kept = sorted(
        (item for item, n in counts.items() if n >= MIN_COUNT), key=lambda t: (-counts[t], t)
    )
    return {item: index for index, item in enumerate(kept, start=2)}


def fit_vocabularies(words, with_spelling):
    """``(word_vocabulary, spelling_vocabulary or None)`` of the training words."""
    flat = pd.Series([word for sample in words for word in sample], dtype=object)
    word_counts = flat.str.lower().value_counts()
    vocabulary = _vocabulary(dict(zip(word_counts.index.tolist(), word_counts.tolist())))
    if not with_spelling:
        return vocabulary, None
    counts = collections.Counter()
    for word, n in flat.value_counts().items():
        for feature in spelling(word):
            counts[feature] += n
    return vocabulary, _vocabulary(counts)


def word_ids(words, vocabulary, spelling_vocabulary):
    """Each sample's ``(T_i, 1 [+ N_SPELLING])`` float32 array of ids (see the module)."""
    flat = np.empty(sum(map(len, words)), dtype=object)
    flat[:] = [word for sample in words for word in sample]
    codes, uniques = pd.factorize(flat)
    columns = 1 if spelling_vocabulary is None else 1 + N_SPELLING
    table = np.empty((len(uniques), columns), dtype=np.float32)
    for row, word in enumerate(uniques.tolist()):
        table[row, 0] = vocabulary.get(word.lower(), _OOV)
        if spelling_vocabulary is not None:
            table[row, 1:] = [spelling_vocabulary.get(f, _OOV) for f in spelling(word)]
    rows = table[codes]
    ends = np.cumsum([len(sample) for sample in words])
    return np.split(rows, ends[:-1])
