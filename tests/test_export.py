"""sklearn_rnn.export.to_onnx: ONNX Runtime reproduces the estimators' predictions."""

import json
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor, RNNTagger
from sklearn_rnn.components import (
    ConvFrontend,
    FrameStacking,
    RocketBranch,
    TextBag,
    TokenEmbedding,
)
from sklearn_rnn.datasets import make_digit_lines
from sklearn_rnn.export import DEFAULT_OPSET, to_onnx, word_inputs
from sklearn_rnn.preprocessing import SequenceScaler, SequenceTokenizer

FAST = dict(hidden_size=8, max_epochs=2, device="cpu", random_state=0)


def _ragged(n=40, features=3, seed=0):
    rng = np.random.RandomState(seed)
    # Lengths from 1: the shortest sequences reach the edge cases of the front end.
    return [rng.randn(rng.randint(1, 30), features).astype(np.float32) for _ in range(n)]


def _tokens(n=40, seed=0, vocabulary=20):
    rng = np.random.RandomState(seed)
    return [rng.randint(2, vocabulary, size=rng.randint(1, 15)) for _ in range(n)]


def _pad(X, extra=0):
    """Zero-padded batch and lengths, as the graph takes them."""
    lengths = np.array([len(x) for x in X], dtype=np.int64)
    steps = int(lengths.max()) + extra
    tokens = np.asarray(X[0]).ndim == 1
    shape = (len(X), steps) if tokens else (len(X), steps, X[0].shape[1])
    batch = np.zeros(shape, dtype=np.int64 if tokens else np.float32)
    for i, x in enumerate(X):
        batch[i, : len(x)] = x
    return batch, lengths


# (name, estimator, data): unidirectional and bidirectional, with and without the
# convolution front end, strided front ends and frame stacking (where the exporter
# needs care: see sklearn_rnn.export), and token input.
CONFIGS = {
    "classifier-conv": (lambda: RNNClassifier(**FAST), "ragged"),
    "classifier-bidirectional-nofrontend": (
        lambda: RNNClassifier(**FAST, bidirectional=True, frontend=None),
        "ragged",
    ),
    "classifier-bidirectional-strided-subsample-gru": (
        lambda: RNNClassifier(
            **FAST,
            cell="gru",
            bidirectional=True,
            num_layers=2,
            frontend=ConvFrontend(stride=2, stack=2),
            pooling="attention+last",
        ),
        "ragged",
    ),
    # MiniRocket's fixed features beside the LSTM: computed in the graph.
    "classifier-rocket-branch": (
        lambda: RNNClassifier(**FAST, bag=RocketBranch(n_features=168)),
        "ragged",
    ),
    # ... and their ridge's scores added to the outputs.
    "regressor-rocket-ridge": (
        lambda: RNNRegressor(**FAST, bag=RocketBranch(n_features=168, head="ridge")),
        "ragged",
    ),
    "classifier-tokens-bidirectional": (
        lambda: RNNClassifier(**FAST, bidirectional=True, embedding=TokenEmbedding(dim=8)),
        "tokens",
    ),
    "classifier-tokens-conv": (
        lambda: RNNClassifier(
            **FAST, frontend=ConvFrontend(), embedding=TokenEmbedding(dim=8), cell="rnn_tanh"
        ),
        "tokens",
    ),
    # More distinct tokens than sequences: "auto" reads the bag alone (no recurrent layers).
    "classifier-tokens-bag-auto": (
        lambda: RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8), bag=TextBag(ngrams=2)),
        "many-tokens",
    ),
    # The bag's naive-Bayes path: its words and bigram buckets, sorted and
    # deduplicated, gathered and summed in float64.
    "classifier-tokens-bag-nb": (
        lambda: RNNClassifier(
            **FAST,
            embedding=TokenEmbedding(dim=8),
            bag=TextBag(ngrams=2, nb=True, nb_ngrams=2, nb_buckets=64),
        ),
        "many-tokens",
    ),
    "classifier-tokens-bag-only": (
        lambda: RNNClassifier(
            **FAST, embedding=TokenEmbedding(dim=8), bag=TextBag(), pooling="attention"
        ),
        "tokens",
    ),
    "regressor-tokens-bag-join": (
        lambda: RNNRegressor(
            **FAST, embedding=TokenEmbedding(dim=8), bag=TextBag(mode="join", ngrams=3)
        ),
        "tokens-values",
    ),
    "regressor-conv-1d": (
        lambda: RNNRegressor(**FAST, frontend=ConvFrontend(stride=4)),
        "ragged-1d",
    ),
    # No recurrent layers: the front end's outputs are pooled (an FCN).
    "classifier-fcn-strided": (
        lambda: RNNClassifier(
            **FAST, cell=None, frontend=ConvFrontend(stride=2), pooling="mean+max+last"
        ),
        "ragged",
    ),
    "transcriber-fcn": (lambda: CTCTranscriber(**FAST, cell=None), "lines"),
    "regressor-bidirectional-nofrontend-2d": (
        lambda: RNNRegressor(**FAST, bidirectional=True, frontend=None),
        "ragged-2d",
    ),
    "transcriber-bidirectional-conv": (lambda: CTCTranscriber(**FAST), "lines"),
    "transcriber-unidirectional-nofrontend": (
        lambda: CTCTranscriber(**FAST, bidirectional=False, frontend=FrameStacking(factor=2)),
        "lines",
    ),
    "tagger-bidirectional-nofrontend": (lambda: RNNTagger(**FAST, frontend=None), "ragged-steps"),
    "tagger-conv-strided-subsample-gru": (
        lambda: RNNTagger(
            **FAST, cell="gru", frontend=ConvFrontend(stride=2, stack=2), num_layers=2
        ),
        "ragged-steps",
    ),
    "tagger-tokens-causal": (
        lambda: RNNTagger(**FAST, bidirectional=False, embedding=TokenEmbedding(dim=8)),
        "tokens-steps",
    ),
}


def _data(kind):
    if kind == "tokens-steps":
        X = _tokens()
        return X, [(x % 3).astype(int) for x in X]
    if kind == "ragged-steps":
        X = _ragged()
        return X, [np.where(x[:, 0] > x[:, 1], "up", "down") for x in X]
    if kind == "tokens":
        X = _tokens()
        return X, np.array([int(5 in x) for x in X])
    if kind == "many-tokens":
        X = _tokens(vocabulary=200)
        return X, np.array([int(x[0] > 100) for x in X])
    if kind == "tokens-values":
        X = _tokens()
        return X, np.array([100.0 * x.mean() + 7.0 for x in X])
    if kind == "lines":
        X, y = make_digit_lines(n_samples=20, max_digits=2, random_state=0)
        return list(X), y
    X = _ragged()
    first_last = np.array([x[0, 0] - x[-1, 0] for x in X])
    if kind == "ragged":
        return X, (first_last > 0).astype(int)
    # Targets far from standardised: the graph must scale them back.
    if kind == "ragged-1d":
        return X, 100.0 * first_last + 7.0
    if kind == "ragged-2d":
        return X, np.c_[1000.0 * first_last + 50.0, -first_last]
    raise AssertionError(kind)


@pytest.fixture(scope="module", params=list(CONFIGS))
def exported(request):
    make, kind = CONFIGS[request.param]
    X, y = _data(kind)
    est = make().fit(X, y)
    model = to_onnx(est)
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return est, model, session, X


def _expected(est, X):
    """What the graph's first output must reproduce, per sample."""
    if isinstance(est, (RNNClassifier, RNNTagger)):
        return list(est.predict_proba(X))
    if isinstance(est, RNNRegressor):
        return list(est.predict(X))
    return est.predict_log_proba(X)


def _run(est, session, X, extra=0):
    """The graph's per-sample outputs on a padded batch of X."""
    batch, lengths = _pad(X, extra)
    outputs = session.run(None, {"x": batch, "lengths": lengths})
    if isinstance(est, CTCTranscriber):
        log_probs, frame_lengths = outputs
        np.testing.assert_array_equal(frame_lengths, est._output_lengths(lengths))
        return [log_probs[i, :n] for i, n in enumerate(frame_lengths)]
    if isinstance(est, RNNTagger):  # per step: each sample's real steps
        return [proba[:n] for proba, n in zip(outputs[0], lengths)]
    return list(outputs[0])


def test_onnx_runtime_reproduces_predictions(exported):
    est, _, session, X = exported
    expected = _expected(est, X)
    # The whole ragged batch, padded to its longest sequence and beyond.
    for extra in (0, 5):
        for got, want in zip(_run(est, session, X, extra), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_a_sample_gives_the_same_outputs_in_any_batch(exported):
    est, _, session, X = exported
    sample = X[3]
    alone = _run(est, session, [sample])[0]
    np.testing.assert_allclose(alone, _expected(est, [sample])[0], rtol=1e-5, atol=1e-4)
    longest = max(X, key=len)
    for batch, position in [
        ([sample, longest], 0),
        ([longest, X[0], sample], 2),
        ([X[1], sample, *X[5:15]], 1),
    ]:
        for extra in (0, 3):
            got = _run(est, session, batch, extra)[position]
            np.testing.assert_allclose(got, alone, rtol=1e-5, atol=1e-5)


def test_inputs_outputs_and_metadata(exported):
    est, model, session, X = exported
    inputs = {i.name: i for i in session.get_inputs()}
    assert list(inputs) == ["x", "lengths"]
    tokens = est.vocab_size_ is not None
    assert inputs["x"].type == ("tensor(int64)" if tokens else "tensor(float)")
    assert inputs["lengths"].type == "tensor(int64)"
    # Dynamic batch and time axes (named, not fixed numbers).
    assert all(isinstance(d, str) for d in inputs["x"].shape[:2])
    assert isinstance(inputs["lengths"].shape[0], str)
    outputs = [o.name for o in session.get_outputs()]
    metadata = {p.key: p.value for p in model.metadata_props}
    assert metadata["sklearn_rnn.estimator"] == type(est).__name__
    batch, lengths = _pad(X[:4])
    results = dict(zip(outputs, session.run(None, {"x": batch, "lengths": lengths})))
    if isinstance(est, RNNClassifier):
        assert outputs == ["probabilities", "logits"]
        assert results["probabilities"].dtype == np.float32
        np.testing.assert_allclose(results["probabilities"].sum(axis=1), 1.0, rtol=1e-6)
        assert json.loads(metadata["sklearn_rnn.classes"]) == est.classes_.tolist()
    elif isinstance(est, RNNRegressor):
        assert outputs == ["values"]
        assert results["values"].dtype == np.float64
        assert results["values"].shape == est.predict(X[:4]).shape
    elif isinstance(est, RNNTagger):
        assert outputs == ["probabilities", "logits"]
        proba = results["probabilities"]
        assert proba.shape == batch.shape[:2] + (len(est.classes_),)
        real = np.arange(batch.shape[1])[None, :] < lengths[:, None]
        assert not real.all()  # padded rows are zeros, real ones sum to 1
        np.testing.assert_allclose(proba.sum(axis=2), real.astype(np.float32), rtol=1e-6)
        assert json.loads(metadata["sklearn_rnn.classes"]) == est.classes_.tolist()
    else:
        assert outputs == ["log_probs", "frame_lengths"]
        assert results["log_probs"].shape[2] == len(est.classes_) + 1
        assert json.loads(metadata["sklearn_rnn.classes"]) == est.classes_.tolist()
    assert model.opset_import[0].version == DEFAULT_OPSET


def test_only_networks_with_recurrent_layers_export_recurrent_operators(exported):
    est, model, _, _ = exported
    recurrent = {node.op_type for node in model.graph.node} & {"LSTM", "GRU", "RNN"}
    no_layers = (est._module_init.get("bag") or {}).get("mode") == "only" or est._module_init.get(
        "cell"
    ) is None
    assert bool(recurrent) != no_layers


@pytest.mark.parametrize("word_features", ["spelling", "id"])
def test_a_tagger_fitted_on_words_exports_with_its_word_inputs(word_features):
    rng = np.random.default_rng(0)
    vocabulary = ["The", "cat", "sat", "A", "dog", "ran", "on", "mat", "Big", "quickly", "x-ray"]
    words = [
        [vocabulary[i] for i in rng.integers(0, len(vocabulary), size=rng.integers(1, 9))]
        for _ in range(60)
    ]
    tags = [["N" if word[0].isupper() else "V" for word in sample] for sample in words]
    est = RNNTagger(**FAST, word_features=word_features).fit(words, tags)
    session = onnxruntime.InferenceSession(to_onnx(est).SerializeToString())
    # Unseen words too: the lookup maps them to out-of-vocabulary ids, as predict does.
    samples = words[:6] + [["Zebras", "grazed", "quietly"]]
    rows = word_inputs(est, samples)
    assert [r.shape for r in rows] == [(len(s), est.n_features_in_) for s in samples]
    lengths = np.array([len(s) for s in samples])
    x = np.zeros((len(samples), lengths.max(), est.n_features_in_), dtype=np.float32)
    for i, r in enumerate(rows):
        x[i, : len(r)] = r
    proba = session.run(["probabilities"], {"x": x, "lengths": lengths})[0]
    for i, expected in enumerate(est.predict_proba(samples)):
        np.testing.assert_allclose(proba[i, : lengths[i]], expected, atol=1e-4)


def test_word_inputs_needs_a_tagger_fitted_on_words():
    X, y = _data("ragged-steps")
    with pytest.raises(ValueError, match="fitted on words"):
        word_inputs(RNNTagger(**FAST).fit(X, y), [["a", "b"]])


def test_unseen_token_ids_are_out_of_vocabulary_as_in_predict():
    X, y = _data("tokens")
    est = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8)).fit(X, y)
    session = onnxruntime.InferenceSession(to_onnx(est).SerializeToString())
    unseen = [np.array([3, 500, 7]), np.array([est.vocab_size_, 2])]
    np.testing.assert_allclose(
        _run(est, session, unseen), est.predict_proba(unseen), rtol=1e-5, atol=1e-4
    )


def test_writes_a_file_and_takes_an_opset(tmp_path):
    X, y = _data("ragged")
    est = RNNClassifier(**FAST, bidirectional=True).fit(X, y)
    path = tmp_path / "model.onnx"
    model = to_onnx(est, path, opset=11)
    assert isinstance(model, onnx.ModelProto)
    loaded = onnx.load(str(path))
    assert loaded.opset_import[0].version == 11
    session = onnxruntime.InferenceSession(str(path))
    np.testing.assert_allclose(_run(est, session, X), est.predict_proba(X), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="opset must be an int from 11 to 20"):
        to_onnx(est, opset=21)


def test_a_bag_reading_character_ngrams_is_refused():
    tokenizer = SequenceTokenizer(subwords=(3, 5))
    X = tokenizer.fit_transform(["good film", "bad film", "good book", "bad book"])
    est = RNNClassifier(**FAST, bag=TextBag(nb=True)).fit(X, [1, 0, 1, 0])
    with pytest.raises(ValueError, match="also reads the character n-grams"):
        to_onnx(est)
    # Without them the same bag exports.
    to_onnx(RNNClassifier(**FAST, bag=TextBag(nb=True, subwords=None)).fit(X, [1, 0, 1, 0]))


def test_the_estimators_network_is_left_as_it_was():
    X, y = _data("ragged")
    est = RNNClassifier(**FAST).fit(X, y)
    before = est.predict_proba(X)
    module = est.net_.module_
    module.train()
    to_onnx(est)
    assert est.net_.module_ is module and module.training
    assert np.array_equal(est.predict_proba(X), before)


def test_unfitted_and_missing_onnx_are_clear(monkeypatch):
    with pytest.raises(NotFittedError):
        to_onnx(RNNClassifier())
    X = _ragged()
    pipe = make_pipeline(SequenceScaler(), RNNRegressor(**FAST)).fit(X, [x[0, 0] for x in X])
    with pytest.raises(TypeError, match=r"got Pipeline\. Export a pipeline's last step"):
        to_onnx(pipe)  # fitted, but not a network estimator: not "not fitted"
    assert to_onnx(pipe[-1]) is not None
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install "sklearn-rnn\[onnx\]"'):
        to_onnx(RNNClassifier())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_a_model_trained_on_cuda_exports():
    X, y = _data("ragged")
    est = RNNClassifier(**{**FAST, "device": "cuda", "bidirectional": True}).fit(X, y)
    session = onnxruntime.InferenceSession(
        to_onnx(est).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    np.testing.assert_allclose(_run(est, session, X), est.predict_proba(X), rtol=1e-4, atol=1e-4)
    assert next(est.net_.module_.parameters()).is_cuda  # the estimator's network stays there
