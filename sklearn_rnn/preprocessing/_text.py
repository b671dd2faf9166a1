"""SequenceTokenizer: text to integer token sequences."""

from itertools import chain, compress, repeat
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from .._validation import OOV_TOKEN_ID, Sequences, _gather_index, check_sequences

#: Default word pattern: CountVectorizer's, but keeping one-letter words ("a", "I").
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"
#: Names of the reserved ids in ``get_feature_names_out``.
PAD_TOKEN = "<pad>"
OOV_TOKEN = "<oov>"
_N_RESERVED = 2
#: bytes.translate tables keeping the ASCII word characters of ``\w``
#: (``[A-Za-z0-9_]``), lower-cased in the second, and zeroing every other byte.
_ASCII_WORD_TABLE = bytes(
    byte if byte < 128 and (chr(byte).isalnum() or chr(byte) == "_") else 0 for byte in range(256)
)
_ASCII_LOWER_WORD_TABLE = bytes(_ASCII_WORD_TABLE).lower()


def _is_token_list(document):
    """A document given as its tokens: a list, tuple, 1-D array or Series."""
    if isinstance(document, np.ndarray):
        return document.ndim == 1
    return isinstance(document, (list, tuple, pd.Series))


def check_documents(X, *, allow_split=False):
    """Validate raw text input and return it as a list of str.

    Parameters
    ----------
    X : iterable of str, pandas Series, or one-column DataFrame or 2-D array
        With ``allow_split=True``, also an iterable of already-split
        documents (lists, tuples or 1-D arrays of str tokens).
    allow_split : bool, default=False
        Accept already-split documents.

    Returns
    -------
    documents : list of str, or list of lists of str
        The latter only for already-split documents (every document then is
        a list of tokens; mixing both forms raises ValueError).
    """
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "Iterable over raw text documents expected, string object received; "
            "wrap a single document in a list: [text]."
        )
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"A DataFrame of text must have exactly one column; got {X.shape[1]} "
                f"columns {list(X.columns)}. Select the text column, e.g. X['text'], "
                "or use a ColumnTransformer."
            )
        X = X.iloc[:, 0]
    if hasattr(X, "to_numpy"):
        X = X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(
                f"Text input must be 1-D (one document per sample); got an array of shape {X.shape}."
            )
        documents = X.tolist()
    else:
        try:
            documents = list(X)
        except TypeError:
            raise ValueError(
                f"Text input must be an iterable of strings; got {type(X).__name__}."
            ) from None
    if len(documents) == 0:
        raise ValueError("Found 0 documents while a minimum of 1 is required.")
    if allow_split and _is_token_list(documents[0]):
        return _check_split_documents(documents)
    for index, document in enumerate(documents):
        if not isinstance(document, str):
            split = " (or, when already split, a list of str tokens)" if allow_split else ""
            raise ValueError(
                f"Document {index} is {document!r:.60} of type {type(document).__name__}; "
                f"every document must be a string{split}. Fill or drop missing text first, "
                "e.g. X.fillna('')."
            )
    return documents


def _check_split_documents(documents):
    """Already-split documents as lists of str, naming the first bad one."""
    split = []
    for index, document in enumerate(documents):
        if not _is_token_list(document):
            raise ValueError(
                f"Document 0 is a list of tokens but document {index} is "
                f"{document!r:.60} of type {type(document).__name__}; give every document "
                "in one form: all strings (raw text) or all lists of str tokens."
            )
        tokens = list(document)
        for position, token in enumerate(tokens):
            if not isinstance(token, str):
                raise ValueError(
                    f"Document {index} is a list of tokens, and its token {position} is "
                    f"{token!r:.60} of type {type(token).__name__}; every token must be a "
                    "string."
                )
        split.append(tokens)
    return split


class SequenceTokenizer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turn text into integer token sequences for the package's estimators.

    Documents are split by scikit-learn's own analyzer (that of
    :class:`~sklearn.feature_extraction.text.CountVectorizer`), a vocabulary
    is learnt from the training text, and each document becomes a 1-D int64
    array of ids. Documents already split into tokens (a list of words per
    sample, as tagged corpora come) are taken as they are: each token becomes
    exactly one id, so per-token labels stay aligned with the ids (only
    ``lowercase`` and ``strip_accents`` apply to them). Id 0 (:data:`~sklearn_rnn.PAD_TOKEN_ID`) is reserved for
    padding and id 1 (:data:`~sklearn_rnn.OOV_TOKEN_ID`) for tokens outside
    the vocabulary; real tokens get ids from 2 on, most frequent first.

    An empty document (no token) becomes the one-token sequence ``[1]`` (out
    of vocabulary) with ``empty_document="oov"``, or raises a ``ValueError``
    with ``empty_document="error"``: never a zero-length sequence.

    Parameters
    ----------
    level : {"word", "char"}, default="word"
        Split into words (by ``token_pattern``) or into single characters
        (runs of white space count as one space).
    lowercase : bool, default=True
        Lower-case the text before splitting.
    token_pattern : str or None, default=None
        Regular expression of a word, as in ``CountVectorizer``; None uses
        ``r"(?u)\\b\\w+\\b"``, which keeps one-letter words such as "a" and "I"
        (``CountVectorizer``'s default drops them). Only for ``level="word"``.
    analyzer : callable or None, default=None
        A function from a document to its list of tokens; when given it
        replaces ``level``, ``lowercase``, ``token_pattern`` and
        ``strip_accents`` (as a callable ``analyzer`` does in ``CountVectorizer``).
    strip_accents : {"ascii", "unicode"} or None, default=None
        Remove accents, as in ``CountVectorizer``.
    max_vocab : int or None, default=None
        Keep only the ``max_vocab`` most frequent tokens (ties broken
        alphabetically); the reserved ids come on top, so ids run up to
        ``max_vocab + 1``. None keeps every token.
    min_freq : int, default=1
        Drop tokens seen fewer times than this in the training text.
    empty_document : {"oov", "error"}, default="oov"
        What an empty document becomes (see above).
    subwords : tuple of (int, int) or None, default=None
        ``(min_n, max_n)``: also give each token's character n-grams of
        ``min_n`` to ``max_n`` characters, of the token between the boundary
        marks "<" and ">" (fastText's subwords, Bojanowski et al. 2017:
        ``(3, 5)`` gives "<go", "go>", "<go>" for "go"), which a
        :class:`~sklearn_rnn.components.TextBag` reads beside the words. The
        n-grams of the training tokens (all of them, also those
        ``min_freq`` or ``max_vocab`` leave out of the vocabulary) get ids
        from 1, most frequent first; a token out of the vocabulary still
        brings the n-grams of its spelling that training saw. The output is
        then a :class:`~sklearn_rnn.Sequences` (the token ids, and the
        n-gram ids as its ``subwords``), not a list. None: words alone.
        ``(3, 5)`` gained on sentence-level text in the classifier's bag
        and lost on reviews (``benchmarks/journal.md``, "Issue 26, text:
        character n-grams").

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to id, for the real tokens (ids ≥ 2).
    vocab_size_ : int
        Number of ids, the two reserved ones included (an embedding's size).
    token_counts_ : ndarray of shape (vocab_size_,)
        Occurrences of each id's token in the training text (0 for the
        reserved ids).
    subword_vocabulary_ : dict of str to int or None
        With ``subwords``: character n-gram to id (from 1); else None.
    n_features_in_ : int
        Always 1 (one text column).
    feature_names_in_ : ndarray of shape (1,)
        The text column's name, defined only when X was a DataFrame.

    See Also
    --------
    SequencePadder : Pad the token sequences to a fixed length.

    Examples
    --------
    >>> from sklearn_rnn.preprocessing import SequenceTokenizer
    >>> tokenizer = SequenceTokenizer().fit(["I am not happy", "I am happy"])
    >>> [ids.tolist() for ids in tokenizer.transform(["I am sad", ""])]
    [[4, 2, 1], [1]]
    >>> [tokens.tolist() for tokens in tokenizer.inverse_transform([[4, 2, 1]])]
    [['i', 'am', '<oov>']]

    Already-split documents: one id per token, punctuation included.

    >>> words = SequenceTokenizer(lowercase=False).fit([["Hi", "!"], ["Hi", ",", "you"]])
    >>> [ids.tolist() for ids in words.transform([["you", "?", "Hi"]])]
    [[5, 1, 2]]
    """

    _parameter_constraints = {
        "level": [StrOptions({"word", "char"})],
        "lowercase": ["boolean"],
        "token_pattern": [str, None],
        "analyzer": [callable, None],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None],
        "max_vocab": [Interval(Integral, 1, None, closed="left"), None],
        "min_freq": [Interval(Integral, 1, None, closed="left")],
        "empty_document": [StrOptions({"oov", "error"})],
        "subwords": [tuple, list, None],
    }

    def __init__(
        self,
        *,
        level="word",
        lowercase=True,
        token_pattern=None,
        analyzer=None,
        strip_accents=None,
        max_vocab=None,
        min_freq=1,
        empty_document="oov",
        subwords=None,
    ):
        self.level = level
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.analyzer = analyzer
        self.strip_accents = strip_accents
        self.max_vocab = max_vocab
        self.min_freq = min_freq
        self.empty_document = empty_document
        self.subwords = subwords

    def build_analyzer(self):
        """Return the callable that splits one document into its tokens.

        It is ``CountVectorizer(...).build_analyzer()`` with this tokenizer's
        settings.

        Returns
        -------
        analyzer : callable
        """
        if self.analyzer is not None:
            return CountVectorizer(analyzer=self.analyzer).build_analyzer()
        if self.level == "char":
            if self.token_pattern is not None:
                raise ValueError(
                    "token_pattern applies to level='word' only; set token_pattern=None "
                    "with level='char'."
                )
            vectorizer = CountVectorizer(
                analyzer="char",
                ngram_range=(1, 1),
                lowercase=self.lowercase,
                strip_accents=self.strip_accents,
            )
        else:
            pattern = DEFAULT_TOKEN_PATTERN if self.token_pattern is None else self.token_pattern
            vectorizer = CountVectorizer(
                analyzer="word",
                token_pattern=pattern,
                lowercase=self.lowercase,
                strip_accents=self.strip_accents,
            )
        return vectorizer.build_analyzer()

    def _tokenize(self, X):
        """Documents -> (codes, uniques, per-document token counts).

        ``uniques`` is an object array of the distinct tokens and ``codes``
        (one per token, documents one after the other) index it.
        """
        documents = check_documents(X, allow_split=True)
        if documents and not isinstance(documents[0], str):
            codes, uniques, lengths = self._tokenize_split(documents)
        elif self.analyzer is None and self.level == "word" and self.token_pattern is None:
            codes, uniques, lengths = self._tokenize_default_words(documents)
        else:
            codes, uniques, lengths = _tokenize_each(self.build_analyzer(), documents)
        if self.empty_document == "error" and not lengths.all():
            index = int(np.flatnonzero(lengths == 0)[0])
            raise ValueError(
                f"Document {index} ({documents[index][:40]!r}) has no token; set "
                "empty_document='oov' to make it a one-token out-of-vocabulary sequence, "
                "or drop it."
            )
        return codes, uniques, lengths

    def _tokenize_split(self, documents):
        """Already-split documents: each token as it is (lower-cased and
        accent-stripped when asked), never split further or dropped."""
        unused = [
            (name, value)
            for name, value, default in [
                ("analyzer", self.analyzer, None),
                ("token_pattern", self.token_pattern, None),
                ("level", self.level, "word"),
            ]
            if value is not default and value != default
        ]
        if unused:
            name, value = unused[0]
            raise ValueError(
                f"{name}={value!r} splits raw text, but the documents are already split "
                f"into tokens (lists of str); leave {name} at its default, or pass the "
                "documents as strings."
            )
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        flat = np.empty(int(lengths.sum()), dtype=object)
        flat[:] = list(chain.from_iterable(documents))
        codes, uniques = _factorize_objects(flat)
        if self.lowercase or self.strip_accents is not None:
            # Once per distinct token; tokens that become equal share a code.
            preprocess = CountVectorizer(
                lowercase=self.lowercase, strip_accents=self.strip_accents
            ).build_preprocessor()
            cleaned = np.empty(len(uniques), dtype=object)
            cleaned[:] = [preprocess(token) for token in uniques.tolist()]
            merged, uniques = _factorize_objects(cleaned)
            codes = merged[codes]
        return codes, uniques, lengths

    def _tokenize_default_words(self, documents):
        """The default word analyzer, ASCII documents on their bytes.

        Gives exactly what ``build_analyzer()`` gives document by document
        (tests check it). ASCII documents, usually nearly all of a corpus, go
        through :func:`_factorize_ascii_words` together, the others through
        the analyzer; the two sets of tokens are merged back in document order.
        """
        # The one fast path, kept because it pays in a pipeline: in
        # make_pipeline(SequenceTokenizer(), RNNClassifier(...)) the tokenizer takes
        # 97 ms of predict on W4's 20,000 documents instead of 611 ms document by
        # document, 35 % of the pipeline's predict time (4 % of fit), and 15 ms instead
        # of 39 ms on 600 real reviews (6 not ASCII), 14 % of predict (2 % of fit).
        # `python benchmarks/tokenizer_pipeline.py`; benchmarks/README.md.
        is_ascii = np.fromiter(map(str.isascii, documents), dtype=bool, count=len(documents))
        if not is_ascii.any():
            return _tokenize_each(self.build_analyzer(), documents)
        if is_ascii.all():  # accent stripping leaves ASCII text unchanged
            return _factorize_ascii_words(documents, self.lowercase)
        codes, uniques, lengths = _factorize_ascii_words(
            list(compress(documents, is_ascii)), self.lowercase
        )
        others = np.flatnonzero(~is_ascii)
        other_codes, other_uniques, other_lengths = _tokenize_each(
            self.build_analyzer(), [documents[i] for i in others]
        )
        merged, all_uniques = _factorize_objects(np.concatenate([uniques, other_uniques]))
        codes = np.concatenate([merged[codes], merged[len(uniques) + other_codes]])
        all_lengths = np.empty(len(documents), dtype=np.int64)
        all_lengths[is_ascii], all_lengths[others] = lengths, other_lengths
        document_of_token = np.concatenate(
            [np.repeat(np.flatnonzero(is_ascii), lengths), np.repeat(others, other_lengths)]
        )
        return codes[np.argsort(document_of_token, kind="stable")], all_uniques, all_lengths

    def _check_feature_names(self, X, reset):
        if hasattr(X, "columns"):
            _check_feature_names(self, X, reset=reset)
        elif reset and hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def fit(self, X, y=None):
        """Learn the vocabulary.

        Parameters
        ----------
        X : iterable of str, pandas Series or one-column DataFrame
            The documents, or the documents already split into tokens
            (an iterable of lists of str).
        y : None
            Ignored.

        Returns
        -------
        self : SequenceTokenizer
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Learn the vocabulary and return the token sequences.

        Parameters
        ----------
        X : iterable of str, pandas Series or one-column DataFrame
            The documents, or the documents already split into tokens
            (an iterable of lists of str).
        y : None
            Ignored.

        Returns
        -------
        X_tokens : list of ndarray of shape (T_i,), dtype int64, or Sequences
            A :class:`~sklearn_rnn.Sequences` with ``subwords``.
        """
        codes, uniques, lengths = self._fit(X)
        return self._output(self._code_to_id[codes], codes, uniques, lengths)

    def _ngram_range(self):
        """``subwords`` checked: ``(min_n, max_n)`` or None."""
        if self.subwords is None:
            return None
        value = self.subwords
        if (
            len(value) != 2
            or not all(isinstance(n, Integral) and not isinstance(n, bool) for n in value)
            or not 1 <= value[0] <= value[1]
        ):
            raise ValueError(
                "The 'subwords' parameter of SequenceTokenizer must be None or (min_n, "
                "max_n), the shortest and longest character n-grams of each token, with "
                f"1 <= min_n <= max_n, e.g. (3, 5). Got {value!r} instead."
            )
        return int(value[0]), int(value[1])

    def _output(self, ids, codes, uniques, lengths):
        """Token ids per document; with ``subwords``, a Sequences that also
        holds each document's character n-gram ids."""
        sequences = _split(ids, lengths)
        if self.subword_vocabulary_ is None:
            return sequences
        low, high = self._ngram_range()
        vocabulary = self.subword_vocabulary_
        per_token = [
            np.fromiter(
                (vocabulary[g] for g in _char_ngrams(token, low, high) if g in vocabulary),
                dtype=np.int64,
            )
            for token in uniques.tolist()
        ]
        counts = np.fromiter(map(len, per_token), dtype=np.int64, count=len(per_token))
        table_offsets = np.concatenate([[0], np.cumsum(counts)])
        table = np.concatenate(per_token) if per_token else np.zeros(0, np.int64)
        source, token_counts = _gather_index(table_offsets, codes)
        # N-grams per document: those of its tokens, in order.
        document = np.repeat(np.arange(len(lengths)), lengths)
        sub_lengths = np.bincount(document, weights=token_counts, minlength=len(lengths))
        sub_offsets = np.concatenate([[0], np.cumsum(sub_lengths.astype(np.int64))])
        words = Sequences.from_list(sequences)
        words.subwords = Sequences(table[source].astype(np.int64, copy=False), sub_offsets)
        return words

    def _fit(self, X):
        self._validate_params()
        ngram_range = self._ngram_range()
        codes, uniques, lengths = self._tokenize(X)
        self._check_feature_names(X, reset=True)
        self.n_features_in_ = 1
        counts = np.bincount(codes, minlength=len(uniques))
        alphabetical = np.empty(len(uniques), dtype=np.int64)
        alphabetical[np.argsort(uniques.astype(str), kind="stable")] = np.arange(len(uniques))
        order = np.lexsort((alphabetical, -counts))
        order = order[counts[order] >= self.min_freq]
        if self.max_vocab is not None:
            order = order[: self.max_vocab]
        ids = np.arange(_N_RESERVED, _N_RESERVED + len(order), dtype=np.int64)
        self._code_to_id = np.full(len(uniques), OOV_TOKEN_ID, dtype=np.int64)
        self._code_to_id[order] = ids
        tokens = uniques[order]
        self.vocabulary_ = dict(zip(tokens.tolist(), ids.tolist()))
        self.vocab_size_ = _N_RESERVED + len(order)
        self.token_counts_ = np.concatenate([np.zeros(_N_RESERVED, dtype=np.int64), counts[order]])
        self._id_to_token = np.concatenate([np.array([PAD_TOKEN, OOV_TOKEN], dtype=object), tokens])
        self.subword_vocabulary_ = None
        if ngram_range is not None:
            self.subword_vocabulary_ = _ngram_vocabulary(uniques.tolist(), counts, *ngram_range)
        return codes, uniques, lengths

    def transform(self, X):
        """Turn documents into token id sequences.

        Parameters
        ----------
        X : iterable of str, pandas Series or one-column DataFrame
            The documents, or the documents already split into tokens
            (an iterable of lists of str).

        Returns
        -------
        X_tokens : list of ndarray of shape (T_i,), dtype int64, or Sequences
            One array per document; tokens outside the vocabulary get
            ``OOV_TOKEN_ID`` (1), an empty document is ``[1]``. With
            ``subwords``, a :class:`~sklearn_rnn.Sequences` of the same
            ids whose ``subwords`` holds each document's character n-gram
            ids (none for an empty document).
        """
        check_is_fitted(self, "vocabulary_")
        codes, uniques, lengths = self._tokenize(X)
        self._check_feature_names(X, reset=False)
        # One dict lookup per distinct token, then one gather for all tokens.
        code_to_id = np.fromiter(
            map(self.vocabulary_.get, uniques, repeat(OOV_TOKEN_ID)),
            dtype=np.int64,
            count=len(uniques),
        )
        if getattr(self, "subword_vocabulary_", None) is not None:
            return self._output(code_to_id[codes], codes, uniques, lengths)
        return _split(code_to_id[codes], lengths)

    def inverse_transform(self, X):
        """Map token ids back to tokens.

        Parameters
        ----------
        X : list of 1-D int arrays, or a padded (masked) array
            Token sequences, as returned by :meth:`transform` (or by
            ``SequencePadder``, whose padding is skipped).

        Returns
        -------
        X_tokens : list of ndarray of str (dtype object)
            Id 0 gives ``"<pad>"``; id 1 and ids outside the vocabulary give
            ``"<oov>"``. Join them to get text, e.g. ``" ".join(tokens)``
            (``"".join`` for ``level="char"``).
        """
        check_is_fitted(self, "vocabulary_")
        sequences = check_sequences(X, allow_tokens=True)
        if not sequences.is_tokens:
            raise ValueError(
                "inverse_transform expects integer token sequences (1-D int arrays); "
                f"got float sequences with {sequences.n_features} feature(s) per step."
            )
        ids = np.where(sequences.data < self.vocab_size_, sequences.data, OOV_TOKEN_ID)
        return _split(self._id_to_token[ids], sequences.lengths, empty_id=None)

    def get_feature_names_out(self, input_features=None):
        """Token of each id, the reserved ``"<pad>"`` and ``"<oov>"`` first.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (vocab_size_,)
            Entry ``i`` is the token of id ``i``.
        """
        check_is_fitted(self, "vocabulary_")
        return self._id_to_token.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags


def _char_ngrams(token, low, high):
    """The character n-grams of ``"<token>"`` of ``low`` to ``high`` characters
    (fastText's subwords), shorter first, each in order of position."""
    marked = f"<{token}>"
    return [marked[i : i + n] for n in range(low, high + 1) for i in range(len(marked) - n + 1)]


def _ngram_vocabulary(tokens, counts, low, high):
    """N-gram -> id from 1 over the distinct ``tokens`` (occurring ``counts``
    times): most frequent first, ties alphabetical."""
    totals = {}
    for token, count in zip(tokens, np.asarray(counts).tolist()):
        for gram in _char_ngrams(token, low, high):
            totals[gram] = totals.get(gram, 0) + count
    ordered = sorted(totals, key=lambda gram: (-totals[gram], gram))
    return {gram: index for index, gram in enumerate(ordered, start=1)}


def _split(values, lengths, empty_id=OOV_TOKEN_ID):
    """Cut a flat array into per-document arrays; empty ones become ``[empty_id]``."""
    if empty_id is not None and not lengths.all():
        out_lengths = np.maximum(lengths, 1)
        out = np.full(int(out_lengths.sum()), empty_id, dtype=values.dtype)
        out_starts = np.cumsum(out_lengths) - out_lengths
        in_starts = np.cumsum(lengths) - lengths
        out[np.arange(len(values)) + np.repeat(out_starts - in_starts, lengths)] = values
        values, lengths = out, out_lengths
    ends = np.cumsum(lengths)
    return [values[start:end] for start, end in zip((ends - lengths).tolist(), ends.tolist())]


def _tokenize_each(analyzer, documents):
    """``(codes, uniques, lengths)`` of ``documents``, ``analyzer`` called on each."""
    tokenized = list(map(analyzer, documents))
    lengths = np.fromiter(map(len, tokenized), dtype=np.int64, count=len(tokenized))
    flat = np.empty(int(lengths.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(tokenized))
    codes, uniques = _factorize_objects(flat)
    return codes, uniques, lengths


def _factorize_objects(values):
    """Object array -> (int64 codes, object array of distinct values), hashed in C."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _factorize_ascii_words(documents, lowercase):
    """Tokens (maximal runs of ``[A-Za-z0-9_]``) of ASCII documents.

    Returns ``(codes, uniques, lengths)`` as ``SequenceTokenizer._tokenize``
    does, without a Python string per token. The documents are joined by
    newlines (not word characters) into one byte string, in which one
    ``bytes.translate`` lower-cases and zeroes the non-word bytes; numpy finds
    the word runs. Each token's bytes are read 8 at a time as little-endian
    uint64 keys (bytes past the token's end masked to 0) that pandas
    factorizes in C; tokens longer than 8 bytes then get their codes refined
    by their next 8 bytes, and so on. Only one string per distinct token is
    built.
    """
    raw = "\n".join(["", *documents, ""]).encode("ascii")
    text = raw.translate(_ASCII_LOWER_WORD_TABLE if lowercase else _ASCII_WORD_TABLE)
    is_word = np.frombuffer(text, dtype=np.uint8) != 0
    # The text starts and ends with a newline: word runs start and end in pairs.
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    token_lengths = ends - starts
    # Tokens per document: how many start before each document's closing newline.
    doc_ends = np.cumsum(np.fromiter(map(len, documents), dtype=np.int64, count=len(documents)) + 1)
    lengths = np.diff(np.searchsorted(starts, doc_ends), prepend=0).astype(np.int64)
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), lengths
    # Unaligned uint64 at every byte offset (8 zero bytes appended for the last ones).
    padded = text + bytes(8)
    words = np.ndarray(shape=(len(text),), dtype="<u8", buffer=padded, strides=(1,))
    keep = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)

    codes, uniques = pd.factorize(words[starts] & keep[np.minimum(token_lengths, 8)])
    codes, n_codes = codes.astype(np.int64, copy=False), len(uniques)
    for offset in range(8, int(token_lengths.max()), 8):
        # Only tokens longer than ``offset`` change: they get fresh codes from
        # (current code, next 8 bytes); codes left without a token are dropped.
        rows = np.flatnonzero(token_lengths > offset)
        tail = words[starts[rows] + offset] & keep[np.minimum(token_lengths[rows] - offset, 8)]
        tail_codes, tail_uniques = pd.factorize(tail)
        pair_codes, pair_uniques = pd.factorize(codes[rows] * len(tail_uniques) + tail_codes)
        codes[rows] = n_codes + pair_codes
        used = np.bincount(codes, minlength=n_codes + len(pair_uniques)) > 0
        codes = (np.cumsum(used) - 1)[codes]
        n_codes = int(used.sum())
    # Any occurrence of a code spells its token.
    occurrence = np.empty(n_codes, dtype=np.int64)
    occurrence[codes] = np.arange(len(codes))
    uniques = np.empty(n_codes, dtype=object)
    uniques[:] = [
        text[a:b].decode("ascii")
        for a, b in zip(starts[occurrence].tolist(), ends[occurrence].tolist())
    ]
    return codes, uniques, lengths
