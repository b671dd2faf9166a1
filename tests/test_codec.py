"""sklearn_rnn._codec: components in the files' JSON, their arrays as tensors.

The encoding of plain values is tested with the file format in
test_persistence.py; here, components (sklearn_rnn.components), which the
estimators take as parameters and hold as fitted attributes.
"""

import json

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import save_file

from sklearn_rnn._codec import (
    InvalidEncoding,
    UnencodableValue,
    array_to_tensor,
    decode,
    encode,
    tensor_to_array,
)
from sklearn_rnn.components import (
    COMPONENTS,
    SGD,
    Augmentation,
    Component,
    ConvFrontend,
    FrameStacking,
    TextBag,
    TokenEmbedding,
)


def _through_json(data):
    return json.loads(json.dumps(data, allow_nan=False))


def _round_trip(value, tmp_path, key="param.embedding"):
    """``value`` through a safetensors file as save/load write and read it:
    the JSON in the metadata, numeric arrays as tensors."""
    arrays = {}
    document = encode(value, "parameter 'x'", arrays=arrays, key=key)
    path = tmp_path / "values.safetensors"
    save_file(
        {name: array_to_tensor(array) for name, array in arrays.items()},
        str(path),
        metadata={"document": json.dumps(document, allow_nan=False)},
    )
    with safe_open(str(path), framework="pt") as reader:
        document = json.loads(reader.metadata()["document"])
        stored = {name: tensor_to_array(reader.get_tensor(name), name) for name in reader.keys()}
    names = set(stored)
    decoded = decode(document, "parameter 'x'", arrays=stored, key=key)
    assert stored == {}, "every stored array is referred to once"
    return decoded, document, names


@pytest.mark.parametrize(
    "component, encoded_params",
    [
        (ConvFrontend(channels=32, stride=4), {"channels": 32, "stack": 1, "stride": 4}),
        (ConvFrontend(), {"channels": 64, "stack": 1, "stride": "auto"}),
        (FrameStacking(factor=3), {"factor": 3}),
        (
            Augmentation(jitter=0.1, scaling="auto", time_mask=0.25, feature_mask=0.1, mixup=0.2),
            {
                "feature_mask": 0.1,
                "jitter": 0.1,
                "mixup": 0.2,
                "scaling": "auto",
                "time_mask": 0.25,
            },
        ),
        (
            TextBag(mode="join", ngrams=2, nb=True, nb_ngrams=3, nb_buckets=4096),
            {
                "buckets": 16384,
                "dropout": 0.3,
                "mode": "join",
                "nb": True,
                "nb_buckets": 4096,
                "nb_ngrams": 3,
                "ngrams": 2,
                "subwords": "mean",
            },
        ),
        (SGD(momentum=0.5, nesterov=True), {"momentum": 0.5, "nesterov": True}),
        (TokenEmbedding(dim=8), {"dim": 8, "freeze": False, "weights": None}),
    ],
)
def test_components_round_trip_as_their_name_and_params(component, encoded_params, tmp_path):
    decoded, document, tensors = _round_trip(component, tmp_path)
    assert document == {"__component__": type(component).__name__, "params": encoded_params}
    assert tensors == set()
    assert type(decoded) is type(component)
    assert decoded == component
    assert decoded.get_params() == component.get_params()


def test_a_component_array_is_a_tensor_named_after_its_place(tmp_path):
    vectors = np.random.RandomState(0).randn(20, 4).astype(np.float32)
    embedding = TokenEmbedding(dim=4, weights=vectors, freeze=True)
    decoded, document, tensors = _round_trip(embedding, tmp_path, key="param.embedding")
    assert document == {
        "__component__": "TokenEmbedding",
        "params": {
            "dim": 4,
            "freeze": True,
            "weights": {"__tensor__": "param.embedding.weights"},
        },
    }
    assert tensors == {"param.embedding.weights"}
    assert type(decoded.weights) is np.ndarray and decoded.weights.dtype == np.float32
    assert np.array_equal(decoded.weights, vectors)
    assert decoded == embedding
    # A fitted attribute's component: the same, under its own name.
    _, document, tensors = _round_trip(embedding, tmp_path, key="attribute.embedding_")
    assert document["params"]["weights"] == {"__tensor__": "attribute.embedding_.weights"}
    assert tensors == {"attribute.embedding_.weights"}


@pytest.mark.parametrize(
    "weights",
    [
        np.arange(6, dtype=np.float64).reshape(3, 2),
        np.asfortranarray(np.arange(6, dtype=np.float16).reshape(3, 2)),
        np.zeros((0, 2)),
    ],
)
def test_component_arrays_keep_dtype_shape_and_values(weights, tmp_path):
    decoded, _, tensors = _round_trip(TokenEmbedding(dim=2, weights=weights), tmp_path)
    assert tensors == {"param.embedding.weights"}
    assert decoded.weights.dtype == weights.dtype and decoded.weights.shape == weights.shape
    assert np.array_equal(decoded.weights, weights)


def test_component_values_that_are_not_arrays_stay_in_the_json(tmp_path):
    # A list of vectors stays a list; without a place (inside a list), an
    # array stays in the JSON too.
    as_list = TokenEmbedding(dim=2, weights=[[0.5, 1.0], [2.0, -1.0]])
    decoded, document, tensors = _round_trip(as_list, tmp_path)
    assert tensors == set() and decoded.weights == [[0.5, 1.0], [2.0, -1.0]]
    in_list = [TokenEmbedding(dim=2, weights=np.ones((2, 2)))]
    decoded, document, tensors = _round_trip(in_list, tmp_path)
    assert tensors == set()
    assert document[0]["params"]["weights"]["__ndarray__"]["shape"] == [2, 2]
    assert decoded == in_list


def test_components_inside_other_values(tmp_path):
    value = {"frontend": ConvFrontend(stride=2), "both": (FrameStacking(), Augmentation())}
    decoded, _, _ = _round_trip(value, tmp_path)
    assert decoded == value


def test_every_component_is_encodable():
    for name, cls in COMPONENTS.items():
        document = _through_json(encode(cls(), name))
        assert decode(document, name) == cls()


# --- refused ---------------------------------------------------------------------------


class _Custom(Component):
    def __init__(self, *, size=1):
        self.size = size


class _SubclassedFrontend(ConvFrontend):
    pass


@pytest.mark.parametrize("value", [_Custom(), _SubclassedFrontend(), [ConvFrontend, 1]])
def test_components_not_of_the_package_are_refused_on_encoding(value):
    with pytest.raises(UnencodableValue, match="parameter 'x'"):
        encode(value, "parameter 'x'")


def _component(name, **params):
    return {"__component__": name, "params": params}


@pytest.mark.parametrize(
    "data, match",
    [
        (_component("os.system"), "unknown component 'os.system'; sklearn_rnn loads only"),
        (_component("sklearn_rnn.components.ConvFrontend"), "unknown component"),
        (_component("Pipeline", steps=[]), "unknown component 'Pipeline'"),
        (_component("_Custom", size=1), "unknown component '_Custom'"),
        (_component("Component"), "unknown component 'Component'"),
        ({"__component__": ["ConvFrontend"], "params": {}}, "unknown component"),
        ({"__component__": "FrameStacking", "params": []}, "must be a JSON object"),
        ({"__component__": "FrameStacking"}, "unexpected value"),
        (_component("FrameStacking"), r"missing: \['factor'\]"),
        (_component("FrameStacking", factor=2, evil=1), r"unknown: \['evil'\]"),
        (_component("FrameStacking", factor=0), "'factor' parameter of FrameStacking"),
        (
            _component("ConvFrontend", channels=8, stride="evil", stack=1),
            "'stride' parameter of ConvFrontend",
        ),
        (
            _component("FrameStacking", factor={"py/object": "os.system"}),
            r"FrameStacking's 'factor'\): unexpected value",
        ),
        (_component("SGD", momentum=0.0, nesterov=True), "Nesterov momentum"),
        (
            _component(
                "Augmentation", jitter={"__float__": "nan"}, scaling=0.0, time_mask=0.0, mixup=0.0
            ),
            "'jitter' parameter of Augmentation",
        ),
    ],
)
def test_invalid_components_are_refused(data, match):
    with pytest.raises(InvalidEncoding, match=match):
        decode(_through_json(data), "parameter 'x'")


def test_a_component_saved_before_a_setting_existed_loads_with_its_default():
    """Files written before Augmentation had feature_mask load as they trained:
    without feature masking. Other missing settings are still refused."""
    older = _component("Augmentation", jitter=0.1, scaling=0.0, time_mask=0.2, mixup=0.0)
    loaded = decode(_through_json(older), "parameter 'x'")
    assert loaded == Augmentation(jitter=0.1, scaling=0.0, time_mask=0.2, feature_mask=0.0,
                                  mixup=0.0)  # fmt: skip
    del older["params"]["time_mask"]
    with pytest.raises(InvalidEncoding, match=r"missing: \['time_mask'\]"):
        decode(_through_json(older), "parameter 'x'")


def test_tensor_references_are_checked():
    weights = np.ones((2, 2), dtype=np.float32)
    reference = _component(
        "TokenEmbedding", dim=2, freeze=False, weights={"__tensor__": "param.x.weights"}
    )
    # Only at a place with a name, and only to that name.
    with pytest.raises(InvalidEncoding, match="a tensor reference"):
        decode(reference, "parameter 'x'")
    with pytest.raises(InvalidEncoding, match="a tensor reference"):
        decode([reference], "parameter 'x'", arrays={"param.x.weights": weights}, key="param.x")
    with pytest.raises(
        InvalidEncoding, match="refers to 'param.x.weights', not to 'param.y.weights'"
    ):
        decode(reference, "parameter 'y'", arrays={"param.x.weights": weights}, key="param.y")
    with pytest.raises(InvalidEncoding, match="which the file lacks"):
        decode(reference, "parameter 'x'", arrays={}, key="param.x")
    arrays = {"param.x.weights": weights}
    decoded = decode(reference, "parameter 'x'", arrays=arrays, key="param.x")
    assert decoded.weights is weights and arrays == {}
