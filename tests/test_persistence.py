"""sklearn_rnn.persistence: safe save and load (safetensors + JSON, no pickle)."""

import base64
import json
import pathlib
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor, RNNTagger
from sklearn_rnn._codec import UnencodableValue, decode, encode
from sklearn_rnn.components import ConvFrontend, FrameStacking, TextBag, TokenEmbedding
from sklearn_rnn.datasets import make_digit_lines
from sklearn_rnn.persistence import FORMAT_VERSION, METADATA_KEY, load, save

FAST = dict(hidden_size=8, max_epochs=2, device="cpu", random_state=0)


def _ragged(n=40, features=3, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(rng.randint(3, 12), features).astype(np.float32) for _ in range(n)]


def _tokens(n=40, seed=0, vocabulary=20):
    rng = np.random.RandomState(seed)
    return [rng.randint(2, vocabulary, size=rng.randint(3, 9)) for _ in range(n)]


def _fit(case):
    """A small fitted estimator, its X and y, for each kind of input."""
    if case == "classifier-ragged":
        X = _ragged()
        y = np.where([x[0, 0] > x[-1, 0] for x in X], "up", "down")
        # The front end named: "auto" leaves it out on such short, narrow data.
        return RNNClassifier(**FAST, frontend=ConvFrontend()).fit(X, y), X, y
    if case == "classifier-tokens-bidirectional":
        X = _tokens()
        y = np.array([int(5 in x) for x in X])
        est = RNNClassifier(
            **FAST, bidirectional=True, embedding=TokenEmbedding(dim=8), class_weight={0: 2.0}
        )
        return est.fit(X, y), X, y
    if case == "classifier-tokens-bag-auto":
        # More distinct tokens than sequences: "auto" reads the bag alone.
        X = _tokens(vocabulary=200)
        y = np.array([int(x[0] > 100) for x in X])
        return (
            RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8), bag=TextBag(ngrams=2)).fit(X, y),
            X,
            y,
        )
    if case == "regressor-tokens-bag-join":
        X = _tokens(vocabulary=200)
        y = np.array([float(x.mean()) for x in X])
        est = RNNRegressor(
            **FAST, embedding=TokenEmbedding(dim=8), bag=TextBag(mode="join"), bidirectional=True
        )
        return est.fit(X, y), X, y
    if case == "regressor-fixed-length":
        rng = np.random.RandomState(0)
        X = rng.randn(30, 6, 2).astype(np.float32)
        y = np.c_[X[:, -1, 0] * 100.0, X[:, 0, 1]]
        return RNNRegressor(**FAST, pooling="attention+last").fit(X, y), X, y
    if case == "regressor-dataframe":
        rng = np.random.RandomState(0)
        X = pd.DataFrame(rng.randn(30, 5), columns=[f"t{i}" for i in range(5)])
        y = X["t4"].to_numpy() - X["t0"].to_numpy()
        return RNNRegressor(**FAST, frontend=None).fit(X, y), X, y
    if case == "ctc-ragged":
        X, y = make_digit_lines(n_samples=20, max_digits=3, random_state=0)
        return CTCTranscriber(**FAST, decoder="beam", beam_width=2).fit(X, y), X, y
    if case == "tagger-ragged-strided":
        X = _ragged()
        y = [np.where(x[:, 0] > x[:, 1], "up", "down") for x in X]
        # A strided front end: the head unstacks each frame into its steps.
        return RNNTagger(**FAST, frontend=ConvFrontend(stride=2)).fit(X, y), X, y
    if case == "tagger-tokens-missing-labels":
        X = _tokens()
        y = [[None if t == 7 else int(t % 3) for t in x] for x in X]
        est = RNNTagger(
            **FAST,
            embedding=TokenEmbedding(dim=8),
            frontend=FrameStacking(factor=2),
            class_weight="balanced",
        )
        return est.fit(X, y), X, y
    if case == "tagger-words":
        X = [[f"w{t}" if t % 4 else f"W{t}ing" for t in x] for x in _tokens()]
        y = [[word[0] for word in words] for words in X]
        return RNNTagger(**FAST, embedding=TokenEmbedding(dim=8)).fit(X, y), X, y
    raise AssertionError(case)


CASES = [
    "classifier-ragged",
    "classifier-tokens-bidirectional",
    "classifier-tokens-bag-auto",
    "regressor-tokens-bag-join",
    "regressor-fixed-length",
    "regressor-dataframe",
    "ctc-ragged",
    "tagger-ragged-strided",
    "tagger-tokens-missing-labels",
    "tagger-words",
]


@pytest.fixture(scope="module", params=CASES)
def fitted(request):
    return _fit(request.param)


@pytest.fixture(scope="module")
def classifier():
    return _fit("classifier-ragged")


def _saved(est, tmp_path, name="model.safetensors", **kwargs):
    path = tmp_path / name
    save(est, path, **kwargs)
    return path


def _assert_same_value(a, b, where):
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b)):
            _assert_same_value(x, z, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


def _assert_same_predictions(est, loaded, X):
    if isinstance(est, CTCTranscriber):
        for a, b in zip(est.predict_log_proba(X), loaded.predict_log_proba(X)):
            assert np.array_equal(a, b)
        assert loaded.predict(X) == est.predict(X)
        return
    if isinstance(est, RNNTagger):  # one array per sample
        for method in ("predict", "predict_proba", "predict_log_proba"):
            expected, got = getattr(est, method)(X), getattr(loaded, method)(X)
            assert len(got) == len(expected) == len(X)
            for a, b in zip(got, expected):
                assert a.dtype == b.dtype and np.array_equal(a, b), method
        return
    assert np.array_equal(loaded.predict(X), est.predict(X))
    if isinstance(est, RNNClassifier):
        assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
        assert np.array_equal(loaded.predict_log_proba(X), est.predict_log_proba(X))


# --- round trips ------------------------------------------------------------------


def test_round_trip_is_bit_identical(fitted, tmp_path):
    est, X, y = fitted
    loaded = load(_saved(est, tmp_path))
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    _assert_same_predictions(est, loaded, X)
    assert loaded.score(X, y) == est.score(X, y)
    # Every fitted attribute comes back with its type, dtype and value.
    for name, value in vars(est).items():
        if name in ("net_", "history_"):
            continue
        _assert_same_value(value, getattr(loaded, name), name)
    assert set(vars(loaded)) == set(vars(est))
    assert loaded.history_ is loaded.net_.history
    assert loaded.history_.to_list() == est.history_.to_list()
    assert loaded.device_ == "cpu" and loaded.net_.device == "cpu"


def test_file_is_plain_safetensors_with_json_metadata(classifier, tmp_path):
    est, _, _ = classifier
    path = _saved(est, tmp_path)
    with safe_open(str(path), framework="pt") as reader:
        document = json.loads(reader.metadata()[METADATA_KEY])
        keys = list(reader.keys())
    assert document["format_version"] == FORMAT_VERSION
    assert document["estimator"] == "RNNClassifier"
    assert document["params"]["hidden_size"] == 8
    assert document["attributes"]["classes_"]["__ndarray__"]["data"] == ["down", "up"]
    assert {key.split(".")[0] for key in keys} == {"module", "optimizer"}
    assert "module.head.weight" in keys


def test_save_is_exposed_on_paths_and_strings(classifier, tmp_path):
    est, X, _ = classifier
    save(est, str(tmp_path / "a.safetensors"))
    assert np.array_equal(
        load(str(tmp_path / "a.safetensors")).predict_proba(X), est.predict_proba(X)
    )


def test_loading_does_not_touch_the_global_random_state(classifier, tmp_path):
    path = _saved(classifier[0], tmp_path)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    load(path)
    assert torch.equal(torch.rand(3), expected)


def test_a_bag_alone_saves_no_recurrent_weights(tmp_path):
    X = _tokens(vocabulary=200)
    y = np.array([int(x[0] > 100) for x in X])
    # Layers (more than the weights) and a front end named: with the bag alone they
    # are never built, and load() does not expect their weights.
    params = dict(
        FAST,
        embedding=TokenEmbedding(dim=8),
        num_layers=4,
        frontend=ConvFrontend(),
        pooling="attention",
    )
    auto = RNNClassifier(**params).fit(X, y)
    only = RNNClassifier(**params, bag=TextBag(nb=True, nb_ngrams=2)).fit(X, y)
    assert auto._module_init["bag"]["mode"] == "only"
    # "auto" resolved to the bag (with the classifier's naive-Bayes path, with
    # bigrams for these short sequences) is the same model as that bag given.
    assert np.array_equal(auto.predict_proba(X), only.predict_proba(X))
    for est in (auto, only):
        path = _saved(est, tmp_path)
        with safe_open(str(path), framework="pt") as reader:
            modules = sorted(key for key in reader.keys() if key.startswith("module."))
        assert modules == [
            "module.backbone.embedding.weight",
            "module.head.bias",
            "module.head.weight",
            "module.ngram_bag.nb_ratio",
            "module.ngram_bag.nb_weight",
        ]
        loaded = load(path)
        assert [name for name, _ in loaded.net_.module_.named_parameters()] == [
            "backbone.embedding.weight",
            "ngram_bag.nb_weight",
            "head.weight",
            "head.bias",
        ]
        assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_the_naive_bayes_path_saves_its_own_ngram_table(tmp_path):
    """TextBag(nb_ngrams=2): the NB path's weights and ratios (the words'
    rows, then its own nb_buckets rows) are saved and read back, and the
    loaded model predicts the same."""
    X = _tokens(vocabulary=200)
    y = np.array([int(x[0] > 100) for x in X])
    bag = TextBag(nb=True, nb_ngrams=2, nb_buckets=32)
    est = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8), bag=bag).fit(X, y)
    path = _saved(est, tmp_path)
    with safe_open(str(path), framework="pt") as reader:
        shape = reader.get_slice("module.ngram_bag.nb_ratio").get_shape()
    assert shape == [est.vocab_size_ + 32, 2]
    loaded = load(path)
    assert loaded.bag_ == bag
    assert loaded.net_.module_.ngram_bag.nb_ratio.abs().sum() > 0
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


# --- training after loading -----------------------------------------------------------


def test_warm_start_after_load_continues_exactly(tmp_path):
    X = _ragged()
    y = np.array([int(x[0, 0] > x[-1, 0]) for x in X])
    est = RNNClassifier(**FAST, lr_schedule="constant").fit(X, y)
    loaded = load(_saved(est, tmp_path))
    for model in (est, loaded):
        model.set_params(warm_start=True).fit(X, y)
    # The optimizer's state (AdamW moments) was saved: both continue alike.
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.history_.to_list()[2:] != []
    assert [e["train_loss"] for e in loaded.history_] == [e["train_loss"] for e in est.history_]


def test_warm_start_after_load_continues_exactly_with_the_default_schedule(tmp_path):
    # A new one-cycle schedule over the new max_epochs, in both.
    X = _ragged()
    y = np.array([int(x[0, 0] > x[-1, 0]) for x in X])
    est = RNNClassifier(**FAST).fit(X, y)
    loaded = load(_saved(est, tmp_path))
    for model in (est, loaded):
        model.set_params(warm_start=True, max_epochs=4).fit(X, y)
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("include_optimizer", [True, False])
def test_warm_start_and_partial_fit_after_load(fitted, tmp_path, include_optimizer):
    est, X, y = fitted
    loaded = load(_saved(est, tmp_path, include_optimizer=include_optimizer))
    before = loaded.predict(X)
    loaded.set_params(warm_start=True).fit(X, y)
    assert loaded.n_epochs_ == len(loaded.history_) == est.n_epochs_ + 2
    loaded.partial_fit(X, y)
    assert loaded.n_epochs_ == est.n_epochs_ + 3
    assert len(loaded.predict(X)) == len(before)


def test_without_optimizer_state_the_file_is_smaller(classifier, tmp_path):
    est, X, _ = classifier
    full = _saved(est, tmp_path, "full.safetensors")
    small = _saved(est, tmp_path, "small.safetensors", include_optimizer=False)
    assert small.stat().st_size < full.stat().st_size / 2
    assert np.array_equal(load(small).predict_proba(X), est.predict_proba(X))


# --- devices --------------------------------------------------------------------------


def _rewrite(path, edit=None, edit_tensors=None, raw_metadata=None):
    """Rewrite a saved file with its JSON document (or tensors) edited."""
    with safe_open(str(path), framework="pt") as reader:
        metadata = reader.metadata()
        tensors = {key: reader.get_tensor(key) for key in reader.keys()}
    document = json.loads(metadata[METADATA_KEY])
    if edit is not None:
        edit(document)
    if edit_tensors is not None:
        edit_tensors(tensors)
    metadata[METADATA_KEY] = json.dumps(document)
    if raw_metadata is not None:
        metadata = raw_metadata(metadata)
    save_file(tensors, str(path), metadata=metadata)
    return path


def _trained_on_cuda(document):
    document["attributes"]["device_"] = "cuda"
    document["params"]["device"] = "cuda"


def test_a_model_trained_on_cuda_loads_on_the_cpu(classifier, tmp_path):
    est, X, _ = classifier
    path = _rewrite(_saved(est, tmp_path), _trained_on_cuda)
    loaded = load(path)  # device="cpu" by default, as map_location="cpu"
    assert loaded.device_ == "cpu" and loaded.net_.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    assert loaded.device == "cuda"  # the parameter is kept as it was set
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    loaded.set_params(warm_start=True).fit(X, classifier[2])  # trains on the CPU


def test_loading_on_the_saved_device_without_cuda_is_clear(classifier, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available: the error cannot be provoked")
    path = _rewrite(_saved(classifier[0], tmp_path), _trained_on_cuda)
    with pytest.raises(ValueError, match="CUDA is not available"):
        load(path, device=None)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_save_and_load_on_cpu_and_cuda(tmp_path):
    X = _ragged()
    y = np.array([int(x[0, 0] > x[-1, 0]) for x in X])
    est = RNNClassifier(**{**FAST, "device": "cuda", "bidirectional": True}).fit(X, y)
    path = _saved(est, tmp_path)
    on_cuda = load(path, device=None)
    assert on_cuda.device_ == "cuda" and next(on_cuda.net_.module_.parameters()).is_cuda
    assert np.array_equal(on_cuda.predict_proba(X), est.predict_proba(X))
    on_cpu = load(path)
    assert on_cpu.device_ == "cpu" and not next(on_cpu.net_.module_.parameters()).is_cuda
    np.testing.assert_allclose(on_cpu.predict_proba(X), est.predict_proba(X), rtol=1e-4, atol=1e-5)
    on_cpu.set_params(warm_start=True).fit(X, y)


# --- what cannot be saved ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"optimizer": torch.optim.Adam}, "'optimizer' parameter"),
        ({"random_state": np.random.RandomState(0)}, "parameter 'random_state'"),
        ({"class_weight": {0: object(), 1: 1.0}}, "parameter 'class_weight'"),
        ({"scoring": lambda estimator, X, y: 0.0}, "parameter 'scoring'"),
    ],
)
def test_parameters_that_hold_code_are_refused(tmp_path, params, match):
    X = _ragged(n=20)
    y = np.array([int(x[0, 0] > 0) for x in X])
    est = RNNClassifier(**FAST).fit(X, y)
    est.set_params(**params)  # set after fit: some would not train
    with pytest.raises(ValueError, match=match):
        save(est, tmp_path / "model.safetensors")
    assert not (tmp_path / "model.safetensors").exists()


def test_callbacks_are_refused(tmp_path):
    from skorch.callbacks import Callback

    X = _ragged(n=20)
    y = np.array([int(x[0, 0] > 0) for x in X])
    est = RNNClassifier(**FAST, callbacks=[("noop", Callback())]).fit(X, y)
    with pytest.raises(ValueError, match="'callbacks' parameter"):
        save(est, tmp_path / "model.safetensors")


def test_unfitted_and_foreign_estimators_are_refused(tmp_path):
    with pytest.raises(NotFittedError):
        save(RNNClassifier(), tmp_path / "model.safetensors")

    class Custom(RNNClassifier):
        pass

    with pytest.raises(ValueError, match="package's own estimators"):
        save(Custom(), tmp_path / "model.safetensors")


# --- what is refused on load ---------------------------------------------------------


def _set(*keys, value):
    def edit(document):
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def _delete(*keys):
    def edit(document):
        target = document
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return edit


def _module_init(key, value):
    return _set("attributes", "_module_init", "__dict__", key, value=value)


@pytest.mark.parametrize(
    "edit, match",
    [
        (_set("format_version", value=FORMAT_VERSION + 1), "format version 4, newer than"),
        (_set("format_version", value=2), "format version 2, which this sklearn_rnn.*no longer"),
        (_set("format_version", value=1), "format version 1, which this sklearn_rnn.*no longer"),
        (_set("format_version", value="1"), "format version '1'"),
        (_delete("format_version"), "format version None"),
        (_set("format", value="pickle"), "format is 'pickle'"),
        (_set("package_version", value="99.0.0"), "newer than this one"),
        (_set("package_version", value="0.0.1"), "reads files of versions 0.1"),
        (_set("package_version", value=None), "not a version string"),
        (_set("estimator", value="os.system"), "unknown estimator class 'os.system'"),
        (_set("estimator", value="Pipeline"), "unknown estimator class 'Pipeline'"),
        (_delete("params"), "no 'params' entry"),
        (_set("attributes", value=[]), "'attributes' entry is not a JSON dict"),
        (_delete("params", "lr"), r"missing: \['lr'\]"),
        (_set("params", "evil", value=1), r"unknown: \['evil'\]"),
        (_set("params", "lr", value="high"), "invalid parameter.*'lr'"),
        (_set("params", "callbacks", value=[["cb", "os.system"]]), "callbacks"),
        (_set("params", "lr", value={"py/object": "os.system"}), "parameter 'lr': unexpected"),
        (_delete("attributes", "classes_"), "'classes_' is missing"),
        (_delete("attributes", "_module_init"), "'_module_init' is missing"),
        (
            _set("attributes", "n_features_in_", value="3"),
            "'n_features_in_' is a str, expected int",
        ),
        (_set("attributes", "n_features_in_", value=True), "'n_features_in_' is a bool"),
        (_set("attributes", "classes_", value=["down", "up"]), "'classes_' is a list"),
        (_set("attributes", "predict", value=1), "'predict' is not a fitted attribute"),
        (_set("attributes", "__class__", value="x"), "'__class__' is not a fitted attribute"),
        (
            _set("attributes", "classes_", "__ndarray__", "shape", value=[3]),
            "2 values do not fill an array of shape",
        ),
        (
            _set("attributes", "classes_", "__ndarray__", "dtype", value="V8"),
            "unsupported dtype 'V8'",
        ),
        (
            _set("attributes", "classes_", "__ndarray__", "dtype", value="i4,f8"),
            "unsupported dtype",
        ),
        (
            _module_init("hidden_size", 16),
            r"weight 'backbone.rnn.weight_ih_l0' has shape \(32, 64\).*needs shape \(64, 64\)",
        ),
        (_module_init("bidirectional", True), "weights do not match the network; missing"),
        (_module_init("cell", "transformer"), "module arguments do not build"),
        (_module_init("num_layers", 10**7), "'num_layers' does not match"),  # bounded
        (_module_init("eval", "os.system"), "module arguments do not build"),
        (
            _module_init("hidden_size", 10**6),
            "has shape",
        ),  # 16 TB: checked on "meta", never allocated
        (_set("history", value={}), "'history' entry is not a JSON list"),
        (_set("history", value=[1, 2]), "history must be a list of dicts"),
        (_set("optimizer", "state", value={}), "parameter groups|optimizer"),
        (_set("optimizer", "param_groups", value=[]), "parameter groups do not match"),
    ],
)
def test_altered_files_are_refused_with_a_clear_error(classifier, tmp_path, edit, match):
    path = _rewrite(_saved(classifier[0], tmp_path), edit)
    with pytest.raises(ValueError, match=match):
        load(path)


def _replace_tensor(key, value):
    def edit(tensors):
        tensors[key] = value

    return edit


def _drop_tensor(key):
    def edit(tensors):
        del tensors[key]

    return edit


@pytest.mark.parametrize(
    "edit, match",
    [
        (_replace_tensor("module.head.weight", torch.zeros(3, 3)), "'head.weight' has shape"),
        (
            _replace_tensor("module.head.bias", torch.zeros(2, dtype=torch.float64)),
            "dtype torch.float64",
        ),
        (_drop_tensor("module.head.bias"), r"missing: \['head.bias'\]"),
        (_replace_tensor("module.extra", torch.zeros(1)), r"unexpected: \['extra'\]"),
        (_replace_tensor("payload", torch.zeros(4, dtype=torch.uint8)), "unexpected tensors"),
        (_replace_tensor("optimizer.0.exp_avg", torch.zeros(1, 1)), "optimizer state 'exp_avg'"),
        (_replace_tensor("optimizer.999.exp_avg", torch.zeros(1)), "optimizer tensor"),
    ],
)
def test_altered_weights_are_refused(classifier, tmp_path, edit, match):
    path = _rewrite(_saved(classifier[0], tmp_path), edit_tensors=edit)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_files_not_written_by_save_are_refused(tmp_path):
    plain = tmp_path / "plain.safetensors"
    save_file({"w": torch.zeros(2)}, str(plain))
    with pytest.raises(ValueError, match="holds no 'sklearn_rnn' metadata"):
        load(plain)
    bad_json = tmp_path / "bad.safetensors"
    save_file({"w": torch.zeros(2)}, str(bad_json), metadata={METADATA_KEY: "{not json"})
    with pytest.raises(ValueError, match="not valid JSON"):
        load(bad_json)
    text = tmp_path / "model.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a safetensors file"):
        load(text)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.safetensors")


# --- no code runs on load -------------------------------------------------------------


class _Payload:
    """Unpickling this creates a marker file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_pickle_payloads_are_never_executed(classifier, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(str(marker)))
    pickle.loads(payload)  # the payload works: unpickling runs it
    assert marker.exists()
    marker.unlink()

    # 1. A pickle file, and a torch.save file (a zip holding a pickle).
    for name, write in [
        ("model.pkl", lambda p: p.write_bytes(payload)),
        ("model.pt", lambda p: torch.save({"x": _Payload(str(marker))}, p)),
    ]:
        path = tmp_path / name
        write(path)
        with pytest.raises(ValueError, match="not a safetensors file"):
            load(path)
        assert not marker.exists()

    # 2. A valid file with the payload in its metadata: ignored.
    encoded = base64.b64encode(payload).decode()
    path = _rewrite(
        _saved(classifier[0], tmp_path),
        _set("attributes", "payload_", value=encoded),
        raw_metadata=lambda metadata: {**metadata, "pickle": encoded},
    )
    loaded = load(path)
    assert loaded.payload_ == encoded  # a plain string, never unpickled
    assert not marker.exists()

    # 3. The payload as a tensor: refused.
    path = _rewrite(
        _saved(classifier[0], tmp_path),
        edit_tensors=_replace_tensor(
            "pickle", torch.frombuffer(bytearray(payload), dtype=torch.uint8)
        ),
    )
    with pytest.raises(ValueError, match="unexpected tensors"):
        load(path)
    assert not marker.exists()


# --- array parameters ------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_embedding_weights():
    """A classifier given pretrained vectors: float64, 500 rows (more than its tokens)."""
    X = _tokens()
    y = np.array([int(5 in x) for x in X])
    vectors = np.random.RandomState(1).randn(500, 8)
    est = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8, weights=vectors)).fit(X, y)
    return est, X, y


def _assert_same_params(a, b):
    assert list(a) == list(b)
    for name in a:
        _assert_same_value(a[name], b[name], name)


#: Where a TokenEmbedding's weights are stored, as a tensor.
_WEIGHTS = "param.embedding.weights"


def test_array_settings_are_tensors_not_json(with_embedding_weights, tmp_path):
    est, X, _ = with_embedding_weights
    vectors = est.embedding.weights
    path = _saved(est, tmp_path)
    with safe_open(str(path), framework="pt") as reader:
        header = reader.metadata()[METADATA_KEY]
        stored = reader.get_tensor(_WEIGHTS)
    document = json.loads(header)
    assert document["params"]["embedding"]["params"]["weights"] == {"__tensor__": _WEIGHTS}
    # 4000 float64 values as JSON text would be about 80 kB of header.
    assert len(header) < 20_000
    assert stored.dtype == torch.float64 and np.array_equal(stored.numpy(), vectors)

    loaded = load(path)
    restored = loaded.get_params()["embedding__weights"]
    assert type(restored) is np.ndarray and restored.dtype == np.float64
    assert np.array_equal(restored, vectors)
    _assert_same_predictions(est, loaded, X)
    # clone and set_params see the same component as on the saved estimator.
    assert clone(loaded).embedding == est.embedding
    assert np.array_equal(
        load(_saved(loaded, tmp_path, "again.safetensors")).embedding.weights, vectors
    )


def test_array_settings_keep_their_form(tmp_path):
    # Lists stay lists (in the JSON); C or Fortran order and float32 come back as saved.
    X = _tokens()
    y = np.array([int(5 in x) for x in X])
    vectors = np.random.RandomState(2).randn(20, 4).astype(np.float32)
    for weights in (vectors.tolist(), np.asfortranarray(vectors), vectors):
        est = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=4, weights=weights)).fit(X, y)
        loaded = load(_saved(est, tmp_path))
        _assert_same_value(est.embedding.weights, loaded.embedding.weights, "weights")
        assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize(
    "edit, edit_tensors, match",
    [
        (None, "drop", "which the file lacks"),
        (
            _set(
                "params", "embedding", "params", "weights", value={"__tensor__": "module.head.bias"}
            ),
            None,
            "module.head.bias",
        ),
        (None, "bfloat16", "unsupported tensor dtype torch.bfloat16"),
    ],
)
def test_altered_array_settings_are_refused(
    with_embedding_weights, tmp_path, edit, edit_tensors, match
):
    def tensors_edit(tensors):
        if edit_tensors == "bfloat16":
            tensors[_WEIGHTS] = tensors[_WEIGHTS].bfloat16()
        elif edit_tensors == "drop":
            del tensors[_WEIGHTS]

    path = _rewrite(_saved(with_embedding_weights[0], tmp_path), edit, tensors_edit)
    with pytest.raises(ValueError, match=match):
        load(path)


# --- components ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_components():
    """A classifier whose fitted attributes hold components, as its "auto"
    parameters resolve to them (frontend_, embedding_, ...)."""
    X = _ragged(n=20)
    y = np.array([int(x[0, 0] > 0) for x in X])
    est = RNNClassifier(**FAST).fit(X, y)
    est.frontend_ = ConvFrontend(channels=16, stride=4)
    est.embedding_ = TokenEmbedding(dim=4, weights=np.random.RandomState(0).randn(30, 4))
    return est, X, y


def test_fitted_attributes_that_hold_components(with_components, tmp_path):
    est, X, _ = with_components
    path = _saved(est, tmp_path)
    with safe_open(str(path), framework="pt") as reader:
        document = json.loads(reader.metadata()[METADATA_KEY])
        stored = reader.get_tensor("attribute.embedding_.weights")
    assert document["attributes"]["frontend_"] == {
        "__component__": "ConvFrontend",
        "params": {"channels": 16, "stack": 1, "stride": 4},
    }
    assert document["attributes"]["embedding_"]["params"]["weights"] == {
        "__tensor__": "attribute.embedding_.weights"
    }
    assert np.array_equal(stored.numpy(), est.embedding_.weights)
    loaded = load(path)
    assert type(loaded.frontend_) is ConvFrontend and loaded.frontend_ == est.frontend_
    assert type(loaded.embedding_) is TokenEmbedding and loaded.embedding_ == est.embedding_
    assert loaded.embedding_.weights.dtype == np.float64
    _assert_same_predictions(est, loaded, X)


@pytest.mark.parametrize(
    "edit, edit_tensors, match",
    [
        (
            _set("attributes", "frontend_", "__component__", value="os.system"),
            None,
            "fitted attribute 'frontend_': unknown component 'os.system'",
        ),
        (
            _set("attributes", "frontend_", "params", "stride", value=-1),
            None,
            "'stride' parameter of ConvFrontend",
        ),
        (
            _set("attributes", "frontend_", "params", "evil", value=1),
            None,
            r"unknown: \['evil'\]",
        ),
        (None, _drop_tensor("attribute.embedding_.weights"), "which the file lacks"),
        (
            None,
            _replace_tensor("attribute.evil_", torch.zeros(2)),
            r"no fitted attribute refers to the tensors \['attribute.evil_'\]",
        ),
        (
            _set("attributes", "embedding_", "params", "weights", value=None),
            None,
            "no fitted attribute refers to the tensors",
        ),
    ],
)
def test_altered_components_are_refused(with_components, tmp_path, edit, edit_tensors, match):
    path = _rewrite(_saved(with_components[0], tmp_path), edit, edit_tensors)
    with pytest.raises(ValueError, match=match):
        load(path)


# --- pickle and joblib still work -------------------------------------------------------


def test_pickle_and_joblib_round_trips_still_work(classifier, tmp_path):
    est, X, _ = classifier
    assert np.array_equal(pickle.loads(pickle.dumps(est)).predict_proba(X), est.predict_proba(X))
    joblib.dump(est, tmp_path / "model.joblib")
    assert np.array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X), est.predict_proba(X)
    )
    # A loaded estimator pickles too.
    loaded = load(_saved(est, tmp_path))
    assert np.array_equal(pickle.loads(pickle.dumps(loaded)).predict_proba(X), est.predict_proba(X))


# --- the JSON encoding --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        -(2**70),
        0.1,
        float("nan"),
        float("-inf"),
        "é",
        (1, (2.5, "a"), []),
        {"a": (1, 2), "b": None},
        {0: 5.0, 1: 1.0},
        {(1, 2): "tuple key", "s": 1},
        np.float32(0.1),
        np.int64(-3),
        np.bool_(True),
        np.str_("x"),
        np.array([0.1, np.nan, np.inf], dtype=np.float32),
        np.array([[1, 2], [3, 4]], dtype=np.uint8),
        np.array(["a", "bc"]),
        np.array(["a", 1, None], dtype=object),
        np.array([True, False]),
        np.zeros((0, 3)),
        np.array(2.5),
    ],
)
def test_encoding_round_trips_types_and_values(value):
    document = json.loads(json.dumps(encode(value, "x"), allow_nan=False))
    _assert_same_value(value, decode(document, "x"), "x")


@pytest.mark.parametrize(
    "value", [object(), np.array([1 + 2j]), {1, 2}, b"bytes", np.datetime64("2024-01-01")]
)
def test_unsupported_values_are_refused(value):
    with pytest.raises(UnencodableValue):
        encode(value, "x")
