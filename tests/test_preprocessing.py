"""Tests of sklearn_rnn.preprocessing: tokenizer, padder, scaler and the pandas helpers."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from sklearn_rnn import OOV_TOKEN_ID, PAD_TOKEN_ID, RNNClassifier, Sequences
from sklearn_rnn._validation import check_sequences
from sklearn_rnn.preprocessing import (
    LongToSequences,
    SequencePadder,
    SequenceScaler,
    SequenceTokenizer,
    long_to_sequences,
    make_windows,
    sequences_to_long,
    windows_to_frame,
)

# --- SequenceTokenizer -------------------------------------------------------


def _ids(sequences):
    return [s.tolist() for s in sequences]


def test_tokenizer_keeps_one_letter_words_and_reserves_ids():
    tokenizer = SequenceTokenizer().fit(["I saw a cat", "a cat"])
    assert set(tokenizer.vocabulary_) == {"i", "saw", "a", "cat"}
    assert min(tokenizer.vocabulary_.values()) == 2
    assert tokenizer.vocab_size_ == 6
    names = tokenizer.get_feature_names_out()
    assert names[PAD_TOKEN_ID] == "<pad>" and names[OOV_TOKEN_ID] == "<oov>"
    assert all(names[i] == token for token, i in tokenizer.vocabulary_.items())
    # Most frequent first, ties alphabetical.
    assert tokenizer.vocabulary_ == {"a": 2, "cat": 3, "i": 4, "saw": 5}


def test_tokenizer_unseen_tokens_map_to_oov_and_empty_document():
    tokenizer = SequenceTokenizer().fit(["good movie"])
    out = tokenizer.transform(["good dog", "", "!!!"])
    assert _ids(out) == [
        [tokenizer.vocabulary_["good"], OOV_TOKEN_ID],
        [OOV_TOKEN_ID],
        [OOV_TOKEN_ID],
    ]
    assert all(s.dtype == np.int64 for s in out)
    with pytest.raises(ValueError, match=r"Document 1 \('!!'\) has no token"):
        SequenceTokenizer(empty_document="error").fit(["fine", "!!"])


def test_tokenizer_output_is_read_as_tokens_by_the_validator():
    out = SequenceTokenizer().fit_transform(["a b c", "d"])
    assert check_sequences(out).is_tokens


def test_tokenizer_subwords_give_the_character_ngrams_of_each_token():
    tokenizer = SequenceTokenizer(subwords=(3, 4)).fit(["go going", "going"])
    # The n-grams of "<go>" and "<going>", most frequent first, ties alphabetical.
    grams = ["<go", "<goi", "goi", "goin", "ing", "ing>", "ng>", "oin", "oing", "<go>", "go>"]
    assert tokenizer.subword_vocabulary_ == {gram: i for i, gram in enumerate(grams, start=1)}
    out = tokenizer.transform(["go gone", "", "going"])
    plain = SequenceTokenizer(subwords=None).fit(["go going", "going"])
    plain = plain.transform(["go gone", "", "going"])
    # The ids are those without subwords; an empty document is [1] with no n-gram.
    assert isinstance(out, Sequences) and _ids(out.to_list()) == _ids(plain)
    ids = tokenizer.subword_vocabulary_
    # "gone" is out of the vocabulary but brings the n-grams of its spelling
    # that training saw ("<go"); each token's n-grams follow the previous one's.
    assert _ids(out.subwords.to_list()) == [
        [ids["<go"], ids["go>"], ids["<go>"], ids["<go"]],
        [],
        [ids[g] for g in ["<go", "goi", "oin", "ing", "ng>", "<goi", "goin", "oing", "ing>"]],
    ]
    assert check_sequences(out).subwords is out.subwords
    fitted = SequenceTokenizer(subwords=[3, 4]).fit_transform(["go going", "going"])
    assert _ids(fitted.subwords.to_list())[0][:4] == [
        ids["<go"],
        ids["go>"],
        ids["<go>"],
        ids["<go"],
    ]
    # Taking samples keeps their n-grams.
    assert _ids(out.take([2, 0]).subwords.to_list())[1] == _ids(out.subwords.to_list())[0]
    # None (the default): the words alone, as a list.
    none = SequenceTokenizer().fit(["go"])
    assert none.subword_vocabulary_ is None and isinstance(none.transform(["go"]), list)


@pytest.mark.parametrize("subwords", [(5, 3), (0, 2), (3,), ("a", 4), (True, 3)])
def test_tokenizer_subwords_refuses_bad_ranges(subwords):
    with pytest.raises(ValueError, match="'subwords' parameter of SequenceTokenizer"):
        SequenceTokenizer(subwords=subwords).fit(["go going"])


def test_tokenizer_char_level_and_lowercase():
    tokenizer = SequenceTokenizer(level="char").fit(["Ab  a"])
    # Runs of white space count as one space (CountVectorizer's char analyzer).
    assert [t.tolist() for t in tokenizer.inverse_transform(tokenizer.transform(["Ab  a"]))] == [
        ["a", "b", " ", "a"]
    ]
    cased = SequenceTokenizer(lowercase=False).fit(["The the"])
    assert set(cased.vocabulary_) == {"The", "the"}


def test_tokenizer_custom_pattern_and_callable_analyzer():
    pattern = SequenceTokenizer(token_pattern=r"[a-z]{2,}").fit(["a bb ccc"])
    assert set(pattern.vocabulary_) == {"bb", "ccc"}
    split = SequenceTokenizer(analyzer=lambda doc: doc.split("|")).fit(["x|Y|x"])
    assert split.vocabulary_ == {"x": 2, "Y": 3}
    with pytest.raises(ValueError, match="token_pattern applies to level='word' only"):
        SequenceTokenizer(level="char", token_pattern=r"\w").fit(["ab"])


def test_tokenizer_max_vocab_and_min_freq():
    docs = ["a a a b b c", "a b d"]
    assert set(SequenceTokenizer(max_vocab=2).fit(docs).vocabulary_) == {"a", "b"}
    assert set(SequenceTokenizer(min_freq=2).fit(docs).vocabulary_) == {"a", "b"}
    tokenizer = SequenceTokenizer(max_vocab=1).fit(docs)
    assert _ids(tokenizer.transform(["a b"])) == [[2, OOV_TOKEN_ID]]
    assert tokenizer.token_counts_.tolist() == [0, 0, 4]


def test_tokenizer_accepts_series_and_one_column_frame():
    docs = ["x y", "y"]
    expected = _ids(SequenceTokenizer().fit_transform(docs))
    assert _ids(SequenceTokenizer().fit_transform(pd.Series(docs))) == expected
    frame = pd.DataFrame({"review": docs})
    tokenizer = SequenceTokenizer().fit(frame)
    assert tokenizer.feature_names_in_.tolist() == ["review"]
    assert _ids(tokenizer.transform(frame)) == expected
    assert (
        _ids(SequenceTokenizer().fit_transform(np.array(docs, dtype=object).reshape(-1, 1)))
        == expected
    )
    with pytest.raises(ValueError, match="exactly one column"):
        SequenceTokenizer().fit(pd.DataFrame({"a": docs, "b": docs}))


@pytest.mark.parametrize(
    "bad, match",
    [
        (["ok", 3.5], r"Document 1 is 3.5 of type float"),
        (pd.Series(["ok", None, "x"]), r"Document 1 is nan"),  # pandas' missing string
        (["ok", None], r"Document 1 is None of type NoneType"),
        (pd.Series(["ok", "fine", np.nan], dtype=object), r"Document 2 is nan"),
        ("just one string", r"string object received"),
        ([], r"0 documents"),
    ],
)
def test_tokenizer_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        SequenceTokenizer().fit(bad)


def test_tokenizer_inverse_transform_skips_padding_of_padded_input():
    tokenizer = SequenceTokenizer().fit(["hello big world", "hi"])
    padded = SequencePadder().fit_transform(tokenizer.transform(["hello big world", "hi"]))
    restored = tokenizer.inverse_transform(padded)
    assert [r.tolist() for r in restored] == [["hello", "big", "world"], ["hi"]]
    assert tokenizer.inverse_transform([np.array([0, 1, 99])])[0].tolist() == [
        "<pad>",
        "<oov>",
        "<oov>",
    ]
    with pytest.raises(ValueError, match="expects integer token sequences"):
        tokenizer.inverse_transform([np.array([0.5, 1.5])])


_WORDS = st.sampled_from(["a", "I", "not", "good", "Bad", "film", "x1", "é", "Café", "it’s"])
_DOCS = st.lists(st.lists(_WORDS, max_size=6).map(" ".join), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(docs=_DOCS)
def test_tokenizer_round_trip_property(docs):
    tokenizer = SequenceTokenizer().fit(docs)
    analyze = tokenizer.build_analyzer()
    restored = tokenizer.inverse_transform(tokenizer.transform(docs))
    for doc, tokens in zip(docs, restored):
        expected = analyze(doc) or ["<oov>"]  # an empty document is one OOV token
        assert tokens.tolist() == expected


@settings(max_examples=40, deadline=None)
@given(
    docs=_DOCS, lowercase=st.booleans(), strip_accents=st.sampled_from([None, "ascii", "unicode"])
)
def test_tokenizer_batched_default_path_equals_per_document_analyzer(
    docs, lowercase, strip_accents
):
    """The default word path (ASCII documents on bytes, the others by the analyzer,
    merged back in order) gives exactly CountVectorizer's per-document analyzer."""
    fast = SequenceTokenizer(lowercase=lowercase, strip_accents=strip_accents)
    slow = SequenceTokenizer(
        lowercase=lowercase, strip_accents=strip_accents, analyzer=fast.build_analyzer()
    )
    assert _ids(fast.fit_transform(docs)) == _ids(slow.fit_transform(docs))
    assert fast.vocabulary_ == slow.vocabulary_


def test_tokenizer_mixed_ascii_and_other_documents_keep_document_order():
    docs = ["b a", "Café b", "", "a a’b", "Été", "b", "été a"]
    fast = SequenceTokenizer()
    slow = SequenceTokenizer(analyzer=fast.build_analyzer())
    assert _ids(fast.fit_transform(docs)) == _ids(slow.fit_transform(docs))
    assert fast.vocabulary_ == slow.vocabulary_ == {"a": 2, "b": 3, "été": 4, "café": 5}
    restored = fast.inverse_transform(fast.transform(docs[::-1]))
    expected = [["été", "a"], ["b"], ["été"], ["a", "a", "b"], ["<oov>"], ["café", "b"], ["b", "a"]]
    assert [t.tolist() for t in restored] == expected


_TOKENS = st.lists(
    st.lists(st.sampled_from(["The", "the", "Café", "cafe", "'s", "--", ".", "", "a b", "x1"])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(documents=_TOKENS, lowercase=st.booleans(), strip_accents=st.sampled_from([None, "ascii"]))
def test_tokenizer_already_split_documents_give_one_id_per_token_property(
    documents, lowercase, strip_accents
):
    """A word is one id, whatever it holds (punctuation, spaces, nothing): tags
    stay aligned. Tokens are only lower-cased and accent-stripped, as asked."""
    tokenizer = SequenceTokenizer(lowercase=lowercase, strip_accents=strip_accents)
    ids = tokenizer.fit_transform(documents)
    assert [len(i) for i in ids] == [max(len(d), 1) for d in documents]
    clean = CountVectorizer(lowercase=lowercase, strip_accents=strip_accents).build_preprocessor()
    for tokens, restored in zip(documents, tokenizer.inverse_transform(ids)):
        assert restored.tolist() == ([clean(t) for t in tokens] or ["<oov>"])
    assert _ids(tokenizer.transform(documents)) == _ids(ids)


def test_tokenizer_already_split_documents_in_every_container():
    words = [["The", "cat", "'s", "."], ["A", "dog", "--", "!"]]
    tokenizer = SequenceTokenizer(lowercase=False)
    reference = _ids(tokenizer.fit_transform(words))
    assert [len(r) for r in reference] == [4, 4] and len(tokenizer.vocabulary_) == 8
    for form in (
        [tuple(w) for w in words],
        [np.array(w, dtype=object) for w in words],
        pd.Series(words),
        pd.DataFrame({"words": words}),
    ):
        assert _ids(SequenceTokenizer(lowercase=False).fit_transform(form)) == reference
    # Joining with spaces and splitting with the default pattern would lose the
    # punctuation and misalign the tags; split documents keep every token.
    joined = SequenceTokenizer().fit_transform([" ".join(w) for w in words])
    assert [len(r) for r in joined] == [3, 2]
    assert _ids(tokenizer.transform([["dog", "unseen"], []])) == [
        [tokenizer.vocabulary_["dog"], OOV_TOKEN_ID],
        [OOV_TOKEN_ID],
    ]
    with pytest.raises(ValueError, match=r"Document 1 \(\[\]\) has no token"):
        SequenceTokenizer(empty_document="error").fit([["a"], []])


@pytest.mark.parametrize(
    "documents, params, match",
    [
        ([["a"], "b c"], {}, r"Document 0 is a list of tokens but document 1 is 'b c'"),
        (["b c", ["a"]], {}, r"Document 1 is \['a'\] of type list; every document must be a"),
        ([["a", "b"], ["c", 3]], {}, r"Document 1 is a list of tokens, and its token 1 is 3"),
        ([["a", None]], {}, r"its token 1 is None of type NoneType"),
        ([["a"]], {"level": "char"}, r"level='char' splits raw text, but the documents are"),
        ([["a"]], {"token_pattern": r"\w+"}, r"token_pattern=.* splits raw text"),
        ([["a"]], {"analyzer": str.split}, r"analyzer=.* splits raw text"),
    ],
)
def test_tokenizer_already_split_documents_errors(documents, params, match):
    with pytest.raises(ValueError, match=match):
        SequenceTokenizer(**params).fit(documents)


# --- SequencePadder ----------------------------------------------------------

RAGGED = [np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]), np.array([[4.0, 40.0]])]


@pytest.mark.parametrize(
    "padding, truncating, maxlen, expected",
    [
        ("post", "pre", None, [[1, 2, 3], [4, None, None]]),
        ("pre", "pre", None, [[1, 2, 3], [None, None, 4]]),
        ("post", "pre", 2, [[2, 3], [4, None]]),
        ("post", "post", 2, [[1, 2], [4, None]]),
        ("pre", "post", 4, [[None, 1, 2, 3], [None, None, None, 4]]),
    ],
)
def test_padder_padding_and_truncating(padding, truncating, maxlen, expected):
    padder = SequencePadder(maxlen=maxlen, padding=padding, truncating=truncating, value=-1)
    out = padder.fit_transform(RAGGED)
    assert out.shape == (2, len(expected[0]), 2)
    first = out[:, :, 0]
    assert first.tolist() == expected  # masked entries come out as None
    assert np.all(np.ma.getdata(out)[np.ma.getmaskarray(out)] == -1)
    assert out.dtype == np.float64


def test_padder_forms_and_dtypes():
    tokens = [np.array([5, 6, 7]), np.array([8])]
    out = SequencePadder().fit_transform(tokens)
    assert out.ndim == 2 and out.dtype == np.int64
    assert np.ma.getdata(out)[1].tolist() == [8, PAD_TOKEN_ID, PAD_TOKEN_ID]
    univariate = SequencePadder().fit_transform([np.array([1.0, 2.0]), np.array([3.0])])
    assert univariate.ndim == 2 and univariate.dtype == np.float64
    x32 = SequencePadder().fit_transform(np.zeros((3, 4, 2), dtype=np.float32))
    assert x32.shape == (3, 4, 2) and x32.dtype == np.float32 and not x32.mask.any()
    assert SequencePadder(dtype=np.float16).fit_transform(RAGGED).dtype == np.float16
    # Longer sequences at transform are truncated to the length learnt in fit.
    padder = SequencePadder().fit([np.ones(2), np.ones(3)])
    assert padder.maxlen_ == 3
    assert padder.transform([np.arange(5.0), np.ones(1)]).tolist() == [
        [2.0, 3.0, 4.0],
        [1.0, None, None],
    ]


@pytest.mark.parametrize("maxlen", [0, -3])
def test_padder_rejects_maxlen_below_one(maxlen):
    with pytest.raises(ValueError, match="'maxlen' parameter of SequencePadder must be"):
        SequencePadder(maxlen=maxlen).fit(RAGGED)


def test_padder_nan_error_names_the_sample():
    with pytest.raises(
        ValueError,
        match=r"NaN, infinity or a value too large for float\d+ \(sample 1, time step 0\)",
    ):
        SequencePadder().fit([np.ones(3), np.array([np.nan, 1.0])])


@pytest.fixture(scope="module")
def small_task():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 9), 2).astype(np.float32) for _ in range(40)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    return X, y


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_classifier_after_padder_equals_ragged(small_task, padding):
    from sklearn.pipeline import make_pipeline

    X, y = small_task
    params = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu", bidirectional=True)
    ragged = RNNClassifier(**params).fit(X, y)
    padded = make_pipeline(SequencePadder(padding=padding), RNNClassifier(**params)).fit(X, y)
    np.testing.assert_allclose(
        padded.predict_proba(X), ragged.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    # Truncation: the same as the ragged sequences cut to their last 4 steps.
    truncated = make_pipeline(
        SequencePadder(maxlen=4, padding=padding), RNNClassifier(**params)
    ).fit(X, y)
    cut = [x[-4:] for x in X]
    np.testing.assert_allclose(
        truncated.predict_proba(X),
        RNNClassifier(**params).fit(cut, y).predict_proba(cut),
        rtol=1e-5,
        atol=1e-6,
    )


_RAGGED_FLOATS = st.integers(1, 3).flatmap(
    lambda n_features: st.lists(
        hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 6), st.just(n_features)),
            elements=st.floats(-1e3, 1e3, allow_nan=False, width=32),
        ),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=40, deadline=None)
@given(
    X=_RAGGED_FLOATS,
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
)
def test_padder_round_trip_property(X, padding, truncating):
    padder = SequencePadder(padding=padding, truncating=truncating).fit(X)
    restored = padder.inverse_transform(padder.transform(X))
    assert len(restored) == len(X)
    for original, back in zip(X, restored):
        np.testing.assert_array_equal(back, original)


@settings(max_examples=30, deadline=None)
@given(
    tokens=st.lists(
        hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(0, 50)), min_size=1, max_size=6
    ),
    maxlen=st.integers(1, 7),
    truncating=st.sampled_from(["pre", "post"]),
)
def test_padder_token_round_trip_up_to_truncation_property(tokens, maxlen, truncating):
    padder = SequencePadder(maxlen=maxlen, truncating=truncating).fit(tokens)
    restored = padder.inverse_transform(padder.transform(tokens))
    for original, back in zip(tokens, restored):
        expected = original[-maxlen:] if truncating == "pre" else original[:maxlen]
        assert back.tolist() == expected.tolist()


# --- SequenceScaler ----------------------------------------------------------


def test_scaler_statistics_ignore_padding():
    X = [np.array([[1.0], [3.0]]), np.array([[5.0]])]
    padded = SequencePadder(value=1000).fit_transform(X)
    for data in (X, padded):
        scaler = SequenceScaler().fit(data)
        np.testing.assert_allclose(scaler.center_, [3.0])
        np.testing.assert_allclose(scaler.scale_, [np.std([1.0, 3.0, 5.0])])
        assert scaler.n_steps_seen_ == 3
    out = SequenceScaler().fit(padded).transform(padded)
    assert np.ma.isMaskedArray(out)
    np.testing.assert_array_equal(out.mask, padded.mask)
    assert np.ma.getdata(out)[1, 1] == 1000  # padding left untouched


@pytest.mark.parametrize(
    "method, center, scale",
    [("standard", 2.0, np.sqrt(2.0)), ("minmax", 0.0, 4.0), ("robust", 2.0, 2.0)],
)
def test_scaler_methods(method, center, scale):
    X = [np.array([0.0, 1.0, 2.0]), np.array([3.0, 4.0])]
    scaler = SequenceScaler(method=method).fit(X)
    np.testing.assert_allclose(scaler.center_, [center])
    np.testing.assert_allclose(scaler.scale_, [scale])
    out = scaler.transform(X)
    assert [o.shape for o in out] == [(3,), (2,)]  # 1-D samples stay 1-D
    np.testing.assert_allclose(out[1], (X[1] - center) / scale)


def test_scaler_keeps_form_of_each_input():
    rng = np.random.RandomState(0)
    X3 = rng.randn(4, 5, 2)
    scaler = SequenceScaler().fit(X3)
    out3 = scaler.transform(X3)
    assert isinstance(out3, np.ndarray) and out3.shape == X3.shape
    np.testing.assert_allclose(out3.reshape(-1, 2).mean(axis=0), 0, atol=1e-12)
    ragged = [X3[0], X3[1, :2]]
    out_ragged = scaler.transform(ragged)
    assert isinstance(out_ragged, list) and [o.shape for o in out_ragged] == [(5, 2), (2, 2)]
    np.testing.assert_allclose(out_ragged[1], out3[1, :2])
    X2 = rng.randn(4, 6).astype(np.float32)
    out2 = SequenceScaler().fit_transform(X2)
    assert out2.shape == X2.shape and out2.dtype == np.float32
    np.testing.assert_allclose(out2.mean(), 0, atol=1e-5)  # one statistic over all columns


def test_scaler_set_output_pandas_for_tabular_input():
    frame = pd.DataFrame(
        np.arange(12.0).reshape(4, 3), columns=["t0", "t1", "t2"], index=list("abcd")
    )
    scaler = SequenceScaler().set_output(transform="pandas").fit(frame)
    out = scaler.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["t0", "t1", "t2"] and out.index.tolist() == list("abcd")
    # Non-tabular output keeps its form even with pandas output configured.
    ragged_scaler = (
        SequenceScaler().set_output(transform="pandas").fit([np.ones((2, 3)), np.zeros((1, 3))])
    )
    assert isinstance(ragged_scaler.transform([np.ones((2, 3))]), list)
    with pytest.raises(ValueError, match="transform must be"):
        SequenceScaler().set_output(transform="xml")


def test_scaler_rejects_nan_naming_sample():
    with pytest.raises(ValueError, match=r"sample 2, time step 1"):
        SequenceScaler().fit([np.ones(2), np.ones(3), np.array([1.0, np.nan])])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    X=_RAGGED_FLOATS,
    method=st.sampled_from(["standard", "minmax", "robust"]),
    padded=st.booleans(),
    per_sequence=st.sampled_from(["auto", False, True]),
)
def test_scaler_round_trip_property(X, method, padded, per_sequence):
    data = SequencePadder().fit_transform(X) if padded else X
    scaler = SequenceScaler(method=method, per_sequence=per_sequence).fit(data)
    restored = scaler.inverse_transform(scaler.transform(data))
    widened = scaler.per_sequence_.any()
    if padded:
        if widened:
            step_mask = restored.mask.all(axis=-1)
            expected = data.mask.all(axis=-1) if data.mask.ndim == 3 else data.mask
            np.testing.assert_array_equal(step_mask, expected)
        else:
            np.testing.assert_array_equal(restored.mask, data.mask)
        restored = SequencePadder().fit(X).inverse_transform(restored)
    for original, back in zip(X, restored):
        back = back.reshape(np.shape(original)) if widened else back
        np.testing.assert_allclose(back, original, rtol=1e-9, atol=1e-9 * 1e3)


def _wide_amplitudes(n=40, length=30, seed=0):
    """Univariate sequences whose amplitudes span seven orders of magnitude."""
    rng = np.random.default_rng(seed)
    amplitudes = np.logspace(-4, 3, n)
    return [
        a * rng.normal(size=(length + i % 5, 1)) + a * 3 for i, a in enumerate(amplitudes)
    ], amplitudes


def test_scaler_auto_scales_per_sequence_when_scales_span_orders_of_magnitude():
    X, _ = _wide_amplitudes()
    scaler = SequenceScaler().fit(X)
    own = np.array([x.std() for x in X])
    q05, q95 = np.percentile(own, [5, 95])
    np.testing.assert_allclose(scaler.scale_spread_, [np.log10(q95 / q05)])
    assert scaler.per_sequence_.tolist() == [True]
    # Data already normalised per series keeps one global scale and its form.
    rng = np.random.default_rng(1)
    normalised = [(x - x.mean()) / x.std() for x in (rng.normal(size=(30, 1)) for _ in range(20))]
    plain = SequenceScaler().fit(normalised)
    assert plain.per_sequence_.tolist() == [False] and plain.scale_spread_[0] < 0.5
    assert plain.transform(normalised)[0].shape == (30, 1)
    # per_sequence=False is the global scaling whatever the spread.
    off = SequenceScaler(per_sequence=False).fit(X)
    out = off.transform(X)
    assert out[0].shape == X[0].shape
    np.testing.assert_allclose(out[3], (X[3] - off.center_) / off.scale_)


def test_scaler_per_sequence_channels_hold_each_sequence_own_level_and_scale():
    X, _ = _wide_amplitudes()
    scaler = SequenceScaler().fit(X)
    out = scaler.transform(X)
    means = np.array([x.mean() for x in X])
    log_stds = np.log10([x.std() for x in X])
    for i, (x, z) in enumerate(zip(X, out)):
        assert z.shape == (len(x), 4)
        np.testing.assert_allclose(z[:, 0], (x[:, 0] - x.mean()) / x.std(), atol=1e-9)
        np.testing.assert_allclose(z[:, 1], (means[i] - means.mean()) / means.std())
        np.testing.assert_allclose(z[:, 2], (log_stds[i] - log_stds.mean()) / log_stds.std())
        # The fourth channel: the values under the global statistics.
        np.testing.assert_allclose(z[:, 3], (x[:, 0] - scaler.center_[0]) / scaler.scale_[0])
    # The smallest and largest amplitudes are equally readable after scaling.
    assert np.std(out[0][:, 0]) == pytest.approx(np.std(out[-1][:, 0]))
    # A sequence is scaled by its own statistics only: transforming it alone
    # gives the same rows as transforming it among the others.
    np.testing.assert_allclose(scaler.transform([X[5]])[0], out[5])


@pytest.mark.parametrize("method", ["standard", "minmax", "robust"])
def test_scaler_per_sequence_is_exact_on_every_form(method):
    X, _ = _wide_amplitudes(n=12, length=8)
    scaler = SequenceScaler(method=method, per_sequence=True).fit(X)
    ragged = scaler.transform(X)
    padded = scaler.transform(SequencePadder().fit_transform(X))
    assert padded.shape == (12, max(len(x) for x in X), 4)
    for i, z in enumerate(ragged):
        real = ~padded.mask[i].all(axis=1)
        np.testing.assert_array_equal(padded.data[i][real], z)
    same_length = np.stack([x[:8] for x in X])  # 3-D input
    out3 = scaler.transform(same_length)
    assert out3.shape == (12, 8, 4)
    two_d = same_length[:, :, 0]  # 2-D input: columns are steps of one feature
    scaler2 = SequenceScaler(method=method, per_sequence=True).fit(two_d)
    out2 = scaler2.transform(two_d)
    assert out2.shape == (12, 8, 4)
    scaler3 = SequenceScaler(method=method, per_sequence=True).fit(same_length)
    np.testing.assert_allclose(out2, scaler3.transform(same_length), atol=1e-12)
    assert scaler2.get_feature_names_out().tolist() == [
        "x0",
        "x0_level",
        "x0_log10_scale",
        "x0_global",
    ]
    np.testing.assert_allclose(scaler2.inverse_transform(out2)[:, :, 0], two_d, rtol=1e-9)


def test_scaler_auto_decides_per_feature_and_names_the_channels():
    X, _ = _wide_amplitudes(length=30)
    rng = np.random.default_rng(2)
    X = np.stack([np.column_stack([x[:30, 0], 20 + rng.normal(size=30)]) for x in X])
    scaler = SequenceScaler().fit(X)
    assert scaler.per_sequence_.tolist() == [True, False]
    assert scaler.get_feature_names_out(["load", "temp"]).tolist() == [
        "load",
        "load_level",
        "load_log10_scale",
        "load_global",
        "temp",
    ]
    out = scaler.transform(X)
    assert out.shape == (len(X), 30, 5)
    np.testing.assert_allclose(out[0, :, 4], (X[0, :, 1] - scaler.center_[1]) / scaler.scale_[1])
    np.testing.assert_allclose(scaler.inverse_transform(out), X, rtol=1e-9)
    with pytest.raises(ValueError, match="has 2 features per step, but this SequenceScaler"):
        scaler.inverse_transform(X)


@pytest.mark.parametrize("form", ["ragged", "3d", "2d", "padded"])
def test_scaler_global_channel_false_gives_three_channels_and_the_same_others(form):
    X, _ = _wide_amplitudes(n=12, length=8)
    if form == "3d":
        X = np.stack([x[:8] for x in X])
    elif form == "2d":
        X = np.stack([x[:8, 0] for x in X])
    elif form == "padded":
        X = SequencePadder().fit_transform(X)
    four = SequenceScaler(per_sequence=True).fit(X)
    three = SequenceScaler(per_sequence=True, global_channel=False).fit(X)
    out4, out3 = four.transform(X), three.transform(X)
    if form == "ragged":
        out4, out3 = np.concatenate(out4), np.concatenate(out3)
    assert out3.shape[-1] == 3 and out4.shape[-1] == 4
    np.testing.assert_array_equal(np.asarray(out4)[..., :3], np.asarray(out3))
    # The global channel is what per_sequence=False gives.
    plain = SequenceScaler(per_sequence=False).fit(X).transform(X)
    plain = np.concatenate(plain) if form == "ragged" else np.asarray(plain)
    np.testing.assert_allclose(np.asarray(out4)[..., 3], plain.reshape(np.asarray(out4).shape[:-1]))
    assert three.get_feature_names_out().tolist() == ["x0", "x0_level", "x0_log10_scale"]
    for scaler, out in ((four, four.transform(X)), (three, three.transform(X))):
        back = scaler.inverse_transform(out)
        if form == "ragged":
            for original, restored in zip(X, back):
                np.testing.assert_allclose(restored, original, rtol=1e-9)
        else:
            np.testing.assert_allclose(
                np.asarray(back).reshape(np.shape(X)), np.asarray(X), rtol=1e-9
            )
    with pytest.raises(ValueError, match="has 3 features per step, but .* returns 4"):
        four.inverse_transform(three.transform(X))


def test_scaler_pickled_before_the_global_channel_keeps_three_channels():
    X, _ = _wide_amplitudes(n=12, length=8)
    scaler = SequenceScaler(per_sequence=True, global_channel=False).fit(X)
    expected = scaler.transform(X)
    state = scaler.__getstate__()
    del state["global_channel"]  # what a scaler pickled by an earlier version holds
    old = SequenceScaler.__new__(SequenceScaler)
    old.__setstate__(state)
    assert old.global_channel is False
    for a, b in zip(old.transform(X), expected):
        np.testing.assert_array_equal(a, b)
    # A new scaler pickles its setting.
    new = pickle.loads(pickle.dumps(SequenceScaler().fit(X)))
    assert new.global_channel is True and new.transform(X)[0].shape[1] == 4


def test_scaler_per_sequence_keeps_constant_sequences_finite():
    X, _ = _wide_amplitudes(n=10)
    X = X + [np.full((6, 1), 2.5)]
    scaler = SequenceScaler(per_sequence=True).fit(X)
    out = scaler.transform(X)[-1]
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 0], 0.0)
    np.testing.assert_allclose(scaler.inverse_transform([out])[0], X[-1], rtol=1e-9)


def test_pipeline_learns_shapes_hidden_under_wide_amplitudes():
    # The class is the waveform (sine or square), each series has its own
    # amplitude from 1e-4 to 1e3. Global scaling leaves most series at zero;
    # per-sequence scaling with the scale channel lets the network read them.
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * np.pi, 40)

    def make(n):
        y = rng.integers(0, 2, n)
        amplitudes = 10 ** rng.uniform(-4, 3, n)
        waves = np.where(y[:, None] == 1, np.sign(np.sin(t)), np.sin(t))
        X = amplitudes[:, None] * (waves + 0.1 * rng.normal(size=(n, 40)))
        return X[:, :, None], y

    X, y = make(200)
    X_test, y_test = make(200)

    def score(per_sequence):
        model = make_pipeline(
            SequenceScaler(per_sequence=per_sequence),
            RNNClassifier(hidden_size=16, max_epochs=30, random_state=0),
        )
        return model.fit(X, y).score(X_test, y_test)

    assert score("auto") >= 0.9
    assert score(False) <= 0.75


# --- pandas: long format -----------------------------------------------------


@pytest.fixture
def long_frame():
    return pd.DataFrame(
        {
            "patient": ["p2", "p1", "p2", "p1", "p2"],
            "day": [2, 5, 1, 3, 3],
            "hr": [72.0, 60.0, 70.0, 61.0, 75.0],
            "temp": [37.0, 36.5, 36.9, 36.6, 38.0],
        },
        index=[10, 11, 12, 13, 14],
    )


def test_long_to_sequences_orders_by_id_appearance_and_time(long_frame):
    sequences, rows = long_to_sequences(
        long_frame, id_column="patient", time_column="day", return_index=True
    )
    assert sequences.index.tolist() == ["p2", "p1"]
    np.testing.assert_allclose(
        sequences["p2"], [[70.0, 36.9], [72.0, 37.0], [75.0, 38.0]], rtol=1e-6
    )
    np.testing.assert_array_equal(sequences["p1"][:, 0], [61.0, 60.0])
    assert rows["p2"].tolist() == [12, 10, 14]
    # Per-step outputs go back onto the original rows.
    back = sequences_to_long(
        sequences, index=rows, id_column="patient", value_columns=["hr", "temp"]
    )
    pd.testing.assert_frame_equal(
        back.sort_index()[["hr", "temp"]],
        long_frame[["hr", "temp"]].astype(np.float64),
        check_dtype=False,
    )
    assert back.loc[14, "step"] == 2
    # Without a time column the row order is kept.
    plain = long_to_sequences(long_frame, id_column="patient", value_columns="hr")
    assert plain["p2"].ravel().tolist() == [72.0, 70.0, 75.0]


def test_long_to_sequences_transformer(long_frame):
    transformer = LongToSequences(id_column="patient", time_column="day").fit(long_frame)
    assert transformer.feature_names_in_.tolist() == ["patient", "day", "hr", "temp"]
    assert transformer.get_feature_names_out().tolist() == ["hr", "temp"]
    assert transformer.ids_.tolist() == ["p2", "p1"]
    sequences = transformer.transform(long_frame)
    assert [s.shape for s in sequences] == [(3, 2), (2, 2)]
    back = transformer.inverse_transform(sequences)
    assert back.columns.tolist() == ["patient", "day", "hr", "temp"]
    assert back["patient"].tolist() == ["p2", "p2", "p2", "p1", "p1"]
    with pytest.raises(ValueError, match="missing from the long-format DataFrame"):
        transformer.transform(long_frame.drop(columns="temp"))
    # The estimators read the Series of per-id arrays directly.
    assert check_sequences(sequences).n_features == 2


@pytest.mark.parametrize(
    "mutate, kwargs, match",
    [
        (
            lambda f: f,
            {"id_column": "patient", "time_column": "hour"},
            r"Column\(s\) \['hour'\] missing",
        ),
        (
            lambda f: f.assign(day=[2, 5, 2, 3, 3]),
            {},
            r"Duplicate \(id, time\) pair \('p2', 2\) at row 2 \(index 12\)",
        ),
        (
            lambda f: f.assign(hr=[1.0, np.nan, 2, 3, 4]),
            {},
            r"'hr' holds nan at row 1 \(index 11\)",
        ),
        (lambda f: f.assign(temp=list("abcde")), {}, r"'temp' has dtype .*must be numeric"),
        (
            lambda f: f.assign(patient=["a", None, "b", "c", "d"]),
            {},
            r"'patient' has a missing value at row 1",
        ),
        (lambda f: f["hr"], {}, r"must be a pandas DataFrame"),
    ],
)
def test_long_format_bad_input(long_frame, mutate, kwargs, match):
    kwargs = {"id_column": "patient", "time_column": "day", **kwargs}
    with pytest.raises(ValueError, match=match):
        long_to_sequences(mutate(long_frame), **kwargs)


# --- pandas: windows ---------------------------------------------------------


def test_make_windows_univariate_series_and_mapping_back():
    index = pd.date_range("2024-01-01", periods=8, freq="D")
    series = pd.Series(np.arange(8.0), index=index)
    X, y, target_index = make_windows(series, window=3, horizon=2, stride=2)
    assert X.shape == (2, 3) and y.shape == (2, 2)
    assert X.tolist() == [[0, 1, 2], [2, 3, 4]] and y.tolist() == [[3, 4], [5, 6]]
    frame = windows_to_frame(y, target_index)
    assert frame.index.tolist() == list(index[3:7])
    assert frame.columns.tolist() == [1, 2]
    # Mapped back, every forecast sits on the date it forecasts.
    for h in (1, 2):
        known = frame[h].dropna()
        np.testing.assert_array_equal(known.to_numpy(), series.loc[known.index].to_numpy())


def test_make_windows_multivariate_and_several_series():
    frame = pd.DataFrame({"load": np.arange(6.0), "temp": np.arange(6.0) * 10})
    X, y, target_index = make_windows(frame, window=2, horizon=1, target="temp")
    assert X.shape == (4, 2, 2) and y.shape == (4,)
    assert y.tolist() == [20.0, 30.0, 40.0, 50.0] and target_index[:, 0].tolist() == [2, 3, 4, 5]
    with pytest.raises(ValueError, match="pass target="):
        make_windows(frame, window=2)
    X, y, target_index = make_windows(
        [np.arange(5.0), np.arange(100.0, 104.0)], window=2, horizon=2
    )
    assert X.shape == (3, 2) and y.tolist() == [[2, 3], [3, 4], [102, 103]]
    assert target_index[2].tolist() == [(1, 2), (1, 3)]
    assert windows_to_frame(y, target_index).loc[[(1, 3)], 2].tolist() == [103.0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"window": 0},
            r"'window' parameter of make_windows must be an int in the range \[1, inf\)",
        ),
        ({"window": 2, "horizon": 0}, r"'horizon' parameter of make_windows must be an int"),
        ({"window": 9}, "fewer than window"),
    ],
)
def test_make_windows_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(np.arange(5.0), **kwargs)
    with pytest.raises(ValueError, match=re.escape("holds nan at position 2")):
        make_windows(np.array([1.0, 2.0, np.nan, 4.0]), window=1)


_ASCII_WORDS = st.sampled_from(
    [
        "a",
        "I",
        "Bad",
        "x_1",
        "9",
        "abcdefgh",
        "abcdefghi",
        "abcdefghX",
        "ABCDEFGHIJKLMNOPQRs",
        "abcdefghijklmnopqrst",
    ]
)
_ASCII_DOCS = st.lists(
    st.lists(
        st.tuples(_ASCII_WORDS, st.sampled_from([" ", ", ", ".\n", "-", "\t", "'"])).map("".join),
        max_size=6,
    ).map("".join),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(docs=_ASCII_DOCS, lowercase=st.booleans(), strip_accents=st.sampled_from([None, "unicode"]))
def test_tokenizer_ascii_default_path_equals_per_document_analyzer(docs, lowercase, strip_accents):
    """The byte-level path for ASCII text (tokens longer than 8 and 16 bytes
    sharing prefixes, punctuation, digits, underscores) matches the analyzer."""
    fast = SequenceTokenizer(lowercase=lowercase, strip_accents=strip_accents)
    slow = SequenceTokenizer(
        lowercase=lowercase, strip_accents=strip_accents, analyzer=fast.build_analyzer()
    )
    assert _ids(fast.fit_transform(docs)) == _ids(slow.fit_transform(docs))
    assert fast.vocabulary_ == slow.vocabulary_
    np.testing.assert_array_equal(fast.token_counts_, slow.token_counts_)
    other = [*docs[::-1], "unseen words abcdefghiZ", ""]
    assert _ids(fast.transform(other)) == _ids(slow.transform(other))


def test_global_channel_reaches_the_fitted_model():
    """Each setting of global_channel changes what the estimator after the
    scaler is fitted on, and so the model: four input features or three."""
    X, _ = _wide_amplitudes(n=24, length=30)
    y = np.arange(len(X)) % 2

    def fitted(global_channel):
        model = make_pipeline(
            SequenceScaler(global_channel=global_channel),
            RNNClassifier(hidden_size=4, max_epochs=2, random_state=0),
        )
        return model.fit(X, y)

    with_channel, without = fitted(True), fitted(False)
    assert with_channel[-1].n_features_in_ == 4 and without[-1].n_features_in_ == 3
    assert not np.allclose(with_channel.predict_proba(X), without.predict_proba(X))
