"""Save a fitted estimator to one file, and load it back, without pickle.

:func:`save` writes a fitted :class:`~sklearn_rnn.RNNClassifier`,
:class:`~sklearn_rnn.RNNRegressor`, :class:`~sklearn_rnn.CTCTranscriber` or
:class:`~sklearn_rnn.RNNTagger` to a single `safetensors
<https://huggingface.co/docs/safetensors>`_ file;
:func:`load` rebuilds it, on the CPU by default, with bit-identical
predictions::

    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.persistence import load, save
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(3, 9), 2) for _ in range(20)]
    >>> y = [int(x[0, 0] > 0) for x in X]
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=2, device="cpu", random_state=0).fit(X, y)
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save(clf, path)
    >>> bool((load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True

The file format
---------------
One safetensors file. Its tensors are the network's ``state_dict``, named
``module.<name>``; unless ``include_optimizer=False``, the optimizer's
per-parameter state, named ``optimizer.<index>.<name>`` (so that a
``warm_start`` fit after loading continues exactly where the saved estimator
would have); and each parameter whose value is a numeric numpy array (such
as ``embedding_weights``, pretrained vectors that can be large), named
``param.<name>``, with its dtype and shape. Its header's string-to-string
metadata holds ``"format": "pt"`` and, under the key ``"sklearn_rnn"``, one
JSON document::

    {"format": "sklearn_rnn", "format_version": 2, "package_version": "0.1.0",
     "torch_version": "...", "estimator": "RNNClassifier",
     "params": {...}, "attributes": {...}, "history": [...], "optimizer": {...}}

``params`` is ``get_params(deep=False)``, where a parameter stored as a
tensor reads ``{"__tensor__": "param.<name>"}``; ``attributes`` every fitted
attribute (``classes_``, ``n_features_in_``, ``_module_init``, ...);
``history`` the skorch history as a list of dicts. JSON has no tuples,
arrays or non-string keys, so such values are tagged objects:
``{"__tuple__": [...]}``, ``{"__ndarray__": {"dtype": "<f8", "shape": [2],
"data": [...]}}``, ``{"__scalar__": "<f8", "value": 0.5}``,
``{"__dict__": {...}}`` (string keys) or ``{"__items__": [[key, value],
...]}`` (other keys), ``{"__float__": "nan"}``. Floats are written with
Python's shortest round-trip ``repr``, so they come back bit for bit.

Why one safetensors file rather than a zip of ``weights.safetensors`` and
``metadata.json``: one file is one parser. The safetensors header is
length-prefixed JSON read by a small Rust parser made to load untrusted
weights, with no code execution and no archive to unpack (no zip bombs, no
member paths, no second format to validate); the metadata and the weights
cannot come apart or be paired with the wrong file; and the file stays
readable by any safetensors tool (``safe_open(path).metadata()``).

Security
--------
:func:`load` runs no code from the file: no pickle, no ``eval``, no import
of a name the file gives. The estimator class comes from the registry of the
package's own estimators (:mod:`sklearn_rnn._registry`), whose classes
declare the fitted attributes a file must hold; parameters and attributes
are plain JSON values rebuilt by the decoder above, which refuses anything
else; the network is rebuilt from the package's own module classes and must have
exactly the saved weight names, shapes and dtypes (checked on the ``meta``
device before the network is allocated, so that sizes in the metadata
cannot make it allocate more than the file holds). Pickle and joblib still work on
these estimators, but a pickle file can run arbitrary code when it is
loaded: unpickle only files you trust, and use :func:`save`/:func:`load` to
exchange models.

Loading on another device
-------------------------
``load(path, device="cpu")`` (the default) maps the weights onto the CPU,
whatever device the estimator was trained on, as ``torch.load``'s
``map_location`` does; ``device=None`` uses the saved ``device_``, and
``"cuda"``, ``"cuda:1"`` or ``"auto"`` pick one. The ``device`` parameter
itself is restored as saved: it only matters to a new, non-warm-started
``fit``.
"""

import json
import math
import os
import re

import numpy as np
import torch

from ._registry import ESTIMATORS, saved_attributes
from ._version import __version__

__all__ = ["FORMAT_VERSION", "load", "save"]

#: The version of the file layout this module writes.
FORMAT_VERSION = 2
#: The versions it reads: 1 held every parameter in the JSON document (arrays
#: as nested lists); 2 holds array parameters as ``param.<name>`` tensors.
READABLE_FORMAT_VERSIONS = (1, 2)
#: The oldest package release whose files this one can read (major, minor).
MIN_PACKAGE_VERSION = (0, 1)
#: The metadata key holding the JSON document.
METADATA_KEY = "sklearn_rnn"

_MODULE_PREFIX = "module."
_OPTIMIZER_PREFIX = "optimizer."
_PARAM_PREFIX = "param."
#: Array dtypes a parameter is stored with as a tensor: those safetensors and
#: torch both hold, so the array comes back with the same dtype. Others
#: (strings, objects, non-native byte order) stay in the JSON document.
_TENSOR_DTYPES = frozenset(
    np.dtype(name) for name in "bool int8 int16 int32 int64 uint8 float16 float32 float64".split()
)

_NOT_SAVED = ("net_", "history_")


def _package_version():
    return __version__


def _release(version):
    """``(major, minor)`` of a version string, or None when it has none."""
    match = re.match(r"^(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


# --- JSON encoding of Python and numpy values -------------------------------------


class _Unencodable(Exception):
    """A value that the file format cannot hold; ``args[0]`` describes where."""


#: numpy dtype kinds the format holds: bool, ints, floats, str, objects (of the above).
_ARRAY_KINDS = "biufUO"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode_float(value):
    if math.isfinite(value):
        return value
    return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _encode(value, where):
    """``value`` as JSON-ready data (see the module docstring); raises
    :class:`_Unencodable` naming ``where`` for anything else."""
    if isinstance(value, np.generic):  # before str and float: np.str_ and np.float64 are both
        if value.dtype.kind not in _ARRAY_KINDS.replace("O", ""):
            raise _Unencodable(f"{where} (a numpy {value.dtype} scalar)")
        return {"__scalar__": value.dtype.str, "value": _encode(value.item(), where)}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _encode_float(float(value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS:
            raise _Unencodable(f"{where} (an array of dtype {value.dtype})")
        data = [_encode(item, f"{where}[...]") for item in value.ravel().tolist()]
        return {"__ndarray__": {"dtype": value.dtype.str, "shape": list(value.shape), "data": data}}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, where) for item in value]}
    if isinstance(value, list):
        return [_encode(item, where) for item in value]
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            return {"__dict__": {key: _encode(item, where) for key, item in value.items()}}
        return {
            "__items__": [
                [_encode(key, where), _encode(item, where)] for key, item in value.items()
            ]
        }
    raise _Unencodable(f"{where} (a {type(value).__module__}.{type(value).__qualname__})")


class _Invalid(Exception):
    """Malformed encoded data; ``args[0]`` says what is wrong."""


def _decode(data, where):
    """The inverse of :func:`_encode`; raises :class:`_Invalid` on anything it
    did not produce. Only builds JSON values, tuples, dicts and numpy data."""
    if data is None or isinstance(data, (bool, str, int)):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, list):
        return [_decode(item, where) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise _Invalid(f"{where}: unexpected value {_short(data)}")
    keys = set(data)
    if keys == {"__tuple__"} and isinstance(data["__tuple__"], list):
        return tuple(_decode(item, where) for item in data["__tuple__"])
    if keys == {"__dict__"} and isinstance(data["__dict__"], dict):
        return {key: _decode(item, where) for key, item in data["__dict__"].items()}
    if keys == {"__items__"} and isinstance(data["__items__"], list):
        result = {}
        for pair in data["__items__"]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise _Invalid(f"{where}: a dict item must be a [key, value] pair")
            key = _decode(pair[0], where)
            try:
                result[key] = _decode(pair[1], where)
            except TypeError:
                raise _Invalid(f"{where}: unhashable dict key {_short(pair[0])}") from None
        return result
    if keys == {"__float__"} and data["__float__"] in _NON_FINITE:
        return _NON_FINITE[data["__float__"]]
    if keys == {"__scalar__", "value"}:
        dtype = _dtype(data["__scalar__"], where, _ARRAY_KINDS.replace("O", ""))
        return _numpy_data([_decode(data["value"], where)], dtype, (), where)[()]
    if keys == {"__ndarray__"} and isinstance(data["__ndarray__"], dict):
        spec = data["__ndarray__"]
        if set(spec) != {"dtype", "shape", "data"}:
            raise _Invalid(f"{where}: an array needs exactly dtype, shape and data")
        shape = spec["shape"]
        if not (
            isinstance(shape, list)
            and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(spec["data"], list)
        ):
            raise _Invalid(f"{where}: bad array shape or data")
        dtype = _dtype(spec["dtype"], where, _ARRAY_KINDS)
        items = [_decode(item, where) for item in spec["data"]]
        return _numpy_data(items, dtype, tuple(shape), where)
    raise _Invalid(f"{where}: unexpected value {_short(data)}")


def _dtype(name, where, kinds):
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in kinds or dtype.fields is not None:
        raise _Invalid(f"{where}: unsupported dtype {_short(name)}")
    return dtype


def _numpy_data(items, dtype, shape, where):
    if math.prod(shape) != len(items):
        raise _Invalid(f"{where}: {len(items)} values do not fill an array of shape {shape}")
    if dtype.kind == "O":
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
        return array.reshape(shape)
    for item in items:
        if isinstance(item, (list, tuple, dict)):
            raise _Invalid(f"{where}: an array of dtype {dtype} holds {_short(item)}")
    try:
        return np.array(items, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _Invalid(f"{where}: values do not fit dtype {dtype} ({exc})") from None


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- save -------------------------------------------------------------------------


def save(estimator, path, *, include_optimizer=True):
    """Save a fitted estimator to one safetensors file.

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor, CTCTranscriber or RNNTagger
        A fitted estimator whose parameters are plain values (strings,
        numbers, booleans, None, and dicts or lists of them): an optimizer
        class, callbacks or a ``RandomState`` instance cannot be written
        without code, and raise ValueError.
    path : str or os.PathLike
        The file to write (conventionally ``*.safetensors``); replaced if it
        exists.
    include_optimizer : bool, default=True
        Also save the optimizer's state (for Adam-like optimizers twice the
        weights' size), so that a ``warm_start`` fit after :func:`load`
        continues exactly as the saved estimator would. Without it, a
        warm-started fit starts from a fresh optimizer state.

    See Also
    --------
    load : Rebuild the estimator from the file.
    """
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    name = type(estimator).__name__
    if ESTIMATORS.get(name) is not type(estimator):
        raise ValueError(
            f"save() writes the package's own estimators ({', '.join(sorted(ESTIMATORS))}); "
            f"got {type(estimator).__module__}.{type(estimator).__qualname__}."
        )
    check_is_fitted(estimator, "net_")

    params = estimator.get_params(deep=False)
    if params["callbacks"] is not None or not isinstance(params["optimizer"], str):
        param = "callbacks" if params["callbacks"] is not None else "optimizer"
        raise ValueError(
            f"Cannot save {name}: its {param!r} parameter ({_short(params[param])}) holds "
            "code, which a file can only restore by running it. Set "
            f"{'callbacks=None' if param == 'callbacks' else 'optimizer to a string'} before "
            "saving, or pickle the estimator (for trusted storage only)."
        )
    tensors = {
        _MODULE_PREFIX + key: _cpu_copy(tensor)
        for key, tensor in estimator.net_.module_.state_dict().items()
    }
    encoded_params = {}
    for param, value in params.items():
        if type(value) is np.ndarray and value.dtype in _TENSOR_DTYPES:
            # Weights, not settings: kept out of the JSON header, where a
            # (vocabulary, embedding_dim) matrix would be megabytes of text.
            key = _PARAM_PREFIX + param
            tensors[key] = torch.from_numpy(value.copy(order="C"))
            encoded_params[param] = {"__tensor__": key}
            continue
        try:
            encoded_params[param] = _encode(value, f"parameter {param!r}")
        except _Unencodable as exc:
            raise ValueError(
                f"Cannot save {name}: {exc.args[0]} is not representable in JSON. Only "
                "strings, numbers, booleans, None, and lists, tuples, dicts and numpy "
                "arrays of them can be saved; set it to such a value (for example an int "
                "random_state) before saving, or pickle the estimator (for trusted "
                "storage only)."
            ) from None

    attributes = {}
    for attribute, value in vars(estimator).items():
        if attribute in params or attribute in _NOT_SAVED:
            continue
        try:
            attributes[attribute] = _encode(value, f"fitted attribute {attribute!r}")
        except _Unencodable as exc:
            raise ValueError(f"Cannot save {name}: {exc.args[0]} is not representable.") from None
    try:
        history = _encode(list(estimator.net_.history.to_list()), "the training history")
    except _Unencodable as exc:
        raise ValueError(
            f"Cannot save {name}: {exc.args[0]} is not representable (a callback "
            "recorded a value that is not a number, string or boolean)."
        ) from None

    optimizer = None
    if include_optimizer:
        optimizer, optimizer_tensors = _optimizer_state(estimator.net_.optimizer_, name)
        tensors.update(optimizer_tensors)

    document = {
        "format": "sklearn_rnn",
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "torch_version": torch.__version__,
        "estimator": name,
        "params": encoded_params,
        "attributes": attributes,
        "history": history,
        "optimizer": optimizer,
    }
    metadata = {"format": "pt", METADATA_KEY: json.dumps(document, allow_nan=False)}
    save_file(tensors, os.fspath(path), metadata=metadata)


def _cpu_copy(tensor):
    """A CPU copy that shares no memory (safetensors refuses shared storage,
    which cuDNN's flattened RNN weights have)."""
    return tensor.detach().to("cpu", copy=True).contiguous()


def _optimizer_state(optimizer, name):
    """The optimizer's state dict: tensors apart, the rest as encoded JSON."""
    state_dict = optimizer.state_dict()
    tensors, state = {}, {}
    for index, values in state_dict["state"].items():
        plain = {}
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{_OPTIMIZER_PREFIX}{index}.{key}"] = _cpu_copy(value)
            else:
                plain[key] = value
        state[str(index)] = plain
    try:
        encoded = {
            "state": _encode(state, "the optimizer state"),
            "param_groups": _encode(state_dict["param_groups"], "the optimizer settings"),
        }
    except _Unencodable as exc:
        raise ValueError(
            f"Cannot save {name}: {exc.args[0]} is not representable; save with "
            "include_optimizer=False."
        ) from None
    return encoded, tensors


# --- load -------------------------------------------------------------------------


def load(path, *, device="cpu"):
    """Load an estimator written by :func:`save`.

    Runs no code from the file (see the module's docstring): the estimator
    class must be one of the package's own, and every value must have the
    type and shape the package expects.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.
    device : str, torch.device or None, default="cpu"
        Where to put the network: ``"cpu"`` loads a model trained on a GPU
        on the CPU; ``"cuda"``, ``"cuda:1"`` or ``"auto"`` (CUDA when
        available); None uses the device the estimator was trained on.
        Sets ``device_``.

    Returns
    -------
    estimator : RNNClassifier, RNNRegressor, CTCTranscriber or RNNTagger
        Fitted, with the saved parameters, fitted attributes, history and
        weights: its predictions are bit-identical to the saved estimator's
        on the same device.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is not one :func:`save` wrote, comes from an
        incompatible format or package version, or was altered (missing or
        mistyped metadata, an unknown class, weights whose names or shapes do
        not match the network).
    """
    from safetensors import safe_open

    path = os.fspath(path)
    with open(path, "rb"):  # FileNotFoundError, IsADirectoryError, PermissionError as usual
        pass
    try:
        handle = safe_open(path, framework="pt", device="cpu")
    except Exception as exc:  # safetensors' own error type for a malformed file
        raise ValueError(
            f"{path!r} is not a safetensors file written by sklearn_rnn.save ({exc})."
        ) from None
    with handle as reader:
        document = _read_document(reader.metadata(), path)
        tensors = {key: reader.get_tensor(key) for key in reader.keys()}
    estimator = _build_estimator(document, tensors, path)
    _build_net(estimator, document, tensors, device, path)
    return estimator


def _fail(path, message):
    return ValueError(f"Cannot load {path!r}: {message}")


def _read_document(metadata, path):
    if not metadata or METADATA_KEY not in metadata:
        raise _fail(
            path,
            f"the file holds no {METADATA_KEY!r} metadata; it was not written by sklearn_rnn.save.",
        )
    try:
        document = json.loads(metadata[METADATA_KEY])
    except (ValueError, RecursionError) as exc:
        raise _fail(path, f"its metadata is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise _fail(path, "its metadata is not a JSON object.")
    if document.get("format") != "sklearn_rnn":
        raise _fail(path, f"its format is {_short(document.get('format'))}, not 'sklearn_rnn'.")
    version = document.get("format_version")
    if type(version) is not int or version not in READABLE_FORMAT_VERSIONS:
        raise _fail(
            path,
            f"it has format version {_short(version)}; this sklearn_rnn "
            f"({_package_version()}) reads format versions "
            f"{', '.join(map(str, READABLE_FORMAT_VERSIONS))}.",
        )
    written_by, installed = document.get("package_version"), _package_version()
    release = _release(written_by)
    if release is None:
        raise _fail(path, f"its package version {_short(written_by)} is not a version string.")
    newest = _release(installed) or release
    if release > newest:
        raise _fail(
            path,
            f"it was written by sklearn_rnn {written_by}, newer than this one ({installed}); "
            "upgrade sklearn_rnn to load it.",
        )
    if release < MIN_PACKAGE_VERSION:
        raise _fail(
            path,
            f"it was written by sklearn_rnn {written_by}; this one ({installed}) reads files "
            f"of versions {'.'.join(map(str, MIN_PACKAGE_VERSION))} and later. Load it with "
            f"sklearn_rnn {written_by}.",
        )
    expected = {"params": dict, "attributes": dict, "history": list, "estimator": str}
    for key, kind in expected.items():
        if key not in document:
            raise _fail(path, f"its metadata has no {key!r} entry.")
        if not isinstance(document[key], kind):
            raise _fail(path, f"its {key!r} entry is not a JSON {kind.__name__}.")
    if document.get("optimizer") is not None and not isinstance(document["optimizer"], dict):
        raise _fail(path, "its 'optimizer' entry is not a JSON object or null.")
    return document


def _build_estimator(document, tensors, path):
    """The estimator with its parameters and fitted attributes (no net yet)."""
    name = document["estimator"]
    if name not in ESTIMATORS:
        raise _fail(
            path,
            f"unknown estimator class {_short(name)}; sklearn_rnn loads only "
            f"{', '.join(sorted(ESTIMATORS))}.",
        )
    cls = ESTIMATORS[name]
    expected_params = set(cls().get_params(deep=False))
    saved = document["params"]
    missing, unknown = expected_params - set(saved), set(saved) - expected_params
    if missing or unknown:
        raise _fail(
            path,
            f"its parameters do not match {name}'s"
            + (f"; missing: {sorted(missing)}" if missing else "")
            + (f"; unknown: {sorted(unknown)}" if unknown else "")
            + ".",
        )
    params = {}
    for key, value in saved.items():
        if isinstance(value, dict) and set(value) == {"__tensor__"}:
            params[key] = _tensor_parameter(key, value["__tensor__"], document, tensors, path)
            continue
        try:
            params[key] = _decode(value, f"parameter {key!r}")
        except _Invalid as exc:
            raise _fail(path, f"{exc.args[0]}.") from None
    stray = sorted(
        key
        for key in tensors
        if key.startswith(_PARAM_PREFIX)
        and saved.get(key[len(_PARAM_PREFIX) :]) != {"__tensor__": key}
    )
    if stray:
        raise _fail(path, f"no parameter refers to the tensors {stray[:5]}.")
    if params["callbacks"] is not None or not isinstance(params["optimizer"], str):
        raise _fail(path, "the callbacks and optimizer parameters must be None and a string.")
    estimator = cls(**params)
    try:
        estimator._validate_params()
    except ValueError as exc:  # sklearn's InvalidParameterError is a ValueError
        raise _fail(path, f"invalid parameter: {exc}") from None

    required = saved_attributes(cls)
    attributes = document["attributes"]
    for attribute in required:
        if attribute not in attributes:
            raise _fail(path, f"the fitted attribute {attribute!r} is missing.")
    for attribute, encoded in attributes.items():
        if (
            not attribute.isidentifier()
            or attribute.startswith("__")
            or attribute in params
            or attribute in _NOT_SAVED
            or hasattr(cls, attribute)  # never shadow a method or a class attribute
        ):
            raise _fail(path, f"{_short(attribute)} is not a fitted attribute of {name}.")
        try:
            value = _decode(encoded, f"fitted attribute {attribute!r}")
        except _Invalid as exc:
            raise _fail(path, f"{exc.args[0]}.") from None
        kind = required.get(attribute)
        if kind is not None and not _is_instance(value, kind):
            raise _fail(
                path,
                f"the fitted attribute {attribute!r} is a {type(value).__name__}, "
                f"expected {_type_names(kind)}.",
            )
        setattr(estimator, attribute, value)
    for attribute in ("_module_init", "_fitted_module_kwargs"):
        if not all(type(key) is str for key in getattr(estimator, attribute)):
            raise _fail(path, f"the keys of the fitted attribute {attribute!r} must be strings.")
    return estimator


def _tensor_parameter(name, key, document, tensors, path):
    """The numpy array a parameter saved as the tensor ``key`` holds."""
    if document["format_version"] < 2:
        raise _fail(path, f"parameter {name!r}: format version 1 stores no tensor parameters.")
    if key != _PARAM_PREFIX + name:
        raise _fail(
            path, f"parameter {name!r} refers to {_short(key)}, not to {_PARAM_PREFIX + name!r}."
        )
    if key not in tensors:
        raise _fail(path, f"parameter {name!r} refers to {key!r}, which the file lacks.")
    try:
        array = tensors[key].numpy()
    except TypeError:  # a dtype numpy has not (bfloat16, ...)
        array = None
    if array is None or array.dtype not in _TENSOR_DTYPES:
        raise _fail(path, f"parameter {name!r}: unsupported tensor dtype {tensors[key].dtype}.")
    return array


def _is_instance(value, kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # True is not an int here
    return isinstance(value, kinds)


def _type_names(kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("None" if k is type(None) else k.__name__ for k in kinds)


def _build_net(estimator, document, tensors, device, path):
    """Rebuild ``net_`` with ``_make_net``, then load the weights, the
    optimizer state and the history into it."""
    from skorch.history import History

    from ._base import _resolve_device

    cls_name = type(estimator).__name__
    module_tensors = {
        key[len(_MODULE_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(_MODULE_PREFIX)
    }
    optimizer_tensors = {
        key[len(_OPTIMIZER_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(_OPTIMIZER_PREFIX)
    }
    stray = sorted(
        key
        for key in tensors
        if not key.startswith((_MODULE_PREFIX, _OPTIMIZER_PREFIX, _PARAM_PREFIX))
    )
    if stray:
        raise _fail(path, f"unexpected tensors in the file: {stray[:5]}.")

    # Check the weights against the module the saved arguments build, on the
    # meta device: nothing is allocated, whatever sizes the metadata names
    # (and the counts of layers and blocks, which cost time even there, are
    # bounded by the weights in the file).
    module_init = estimator._module_init
    # A model that reads its bag alone builds no layers, whatever their count.
    bag = module_init.get("bag")
    builds_layers = not (
        isinstance(bag, dict)
        and bag.get("mode") == "only"
        and module_init.get("vocab_size") is not None
    )
    frontend = module_init.get("frontend")
    frontend_kwargs = frontend[1] if isinstance(frontend, tuple) and len(frontend) == 2 else {}
    strides = frontend_kwargs.get("strides", ()) if isinstance(frontend_kwargs, dict) else ()
    for key, count in [
        ("num_layers", module_init.get("num_layers", 1)),
        ("frontend", len(strides) if isinstance(strides, tuple) else -1),
    ]:
        if type(count) is not int or (builds_layers and count > len(module_tensors)):
            raise _fail(
                path,
                f"the module argument {key!r} does not match the {len(module_tensors)} weights.",
            )
    try:
        with torch.device("meta"):
            expected = estimator._module_class(**estimator._module_init).state_dict()
    except Exception as exc:  # any bad argument: TypeError, ValueError, RuntimeError...
        raise _fail(
            path,
            f"the saved module arguments do not build a {estimator._module_class.__name__} "
            f"({type(exc).__name__}: {exc}).",
        ) from None
    missing = sorted(set(expected) - set(module_tensors))
    unexpected = sorted(set(module_tensors) - set(expected))
    if missing or unexpected:
        raise _fail(
            path,
            "the weights do not match the network"
            + (f"; missing: {missing[:5]}" if missing else "")
            + (f"; unexpected: {unexpected[:5]}" if unexpected else "")
            + ".",
        )
    for key, reference in expected.items():
        tensor = module_tensors[key]
        if tensor.shape != reference.shape or tensor.dtype != reference.dtype:
            raise _fail(
                path,
                f"the weight {key!r} has shape {tuple(tensor.shape)} and dtype "
                f"{tensor.dtype}; the network needs shape {tuple(reference.shape)} and "
                f"dtype {reference.dtype}.",
            )

    try:
        history = History(_decode(document["history"], "the training history"))
    except _Invalid as exc:
        raise _fail(path, f"{exc.args[0]}.") from None
    if not all(isinstance(entry, dict) for entry in history):
        raise _fail(path, "the training history must be a list of dicts.")

    estimator.device_ = _resolve_device(estimator.device_ if device is None else str(device))
    # Files of releases before bucketing="auto" lack bucketing_ (a later fit
    # resolves it anew).
    bucket = getattr(estimator, "bucketing_", estimator.bucketing)
    net_kwargs = estimator._net_kwargs(estimator._seed, bucket)
    net_kwargs.update(
        max_epochs=estimator.max_epochs_,
        callbacks=estimator._callbacks(False, None),
        train_split=None,
    )
    target = torch.device(estimator.device_)
    devices = [target.index or 0] if target.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):  # initialising draws random weights
        estimator.net_ = estimator._make_net(net_kwargs)
    estimator.net_.module_.load_state_dict(module_tensors, strict=True)
    if document.get("optimizer") is not None:
        _load_optimizer(estimator.net_.optimizer_, document["optimizer"], optimizer_tensors, path)
    elif optimizer_tensors:
        raise _fail(path, "it holds optimizer tensors but no optimizer state.")
    estimator.net_.history = history
    estimator.history_ = estimator.net_.history
    if not isinstance(estimator.history_, History):  # pragma: no cover (skorch invariant)
        raise _fail(path, f"{cls_name}'s history could not be restored.")


def _load_optimizer(optimizer, encoded, tensors, path):
    if set(encoded) != {"state", "param_groups"}:
        raise _fail(path, "the optimizer entry needs exactly 'state' and 'param_groups'.")
    try:
        plain = _decode(encoded["state"], "the optimizer state")
        param_groups = _decode(encoded["param_groups"], "the optimizer settings")
    except _Invalid as exc:
        raise _fail(path, f"{exc.args[0]}.") from None
    if not isinstance(plain, dict) or not all(
        isinstance(k, str) and k.isdigit() and isinstance(v, dict) for k, v in plain.items()
    ):
        raise _fail(path, "the optimizer state must map parameter indices to dicts.")
    state = {int(index): dict(values) for index, values in plain.items()}
    for key, tensor in tensors.items():
        index, _, name = key.partition(".")
        if not index.isdigit() or not name or int(index) not in state:
            raise _fail(path, f"unexpected optimizer tensor {key!r}.")
        state[int(index)][name] = tensor
    current = optimizer.state_dict()
    if not isinstance(param_groups, list) or len(param_groups) != len(current["param_groups"]):
        raise _fail(path, "the optimizer's parameter groups do not match the network.")
    for saved, group in zip(param_groups, current["param_groups"]):
        if not isinstance(saved, dict) or saved.get("params") != group["params"]:
            raise _fail(path, "the optimizer's parameter groups do not match the network.")
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for index, values in state.items():
        if index >= len(parameters):
            raise _fail(path, f"the optimizer state names parameter {index}, which does not exist.")
        for name, value in values.items():
            if torch.is_tensor(value) and value.ndim > 0 and value.shape != parameters[index].shape:
                raise _fail(
                    path,
                    f"the optimizer state {name!r} of parameter {index} has shape "
                    f"{tuple(value.shape)}; the parameter has {tuple(parameters[index].shape)}.",
                )
    try:
        optimizer.load_state_dict({"state": state, "param_groups": param_groups})
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise _fail(path, f"the optimizer state does not load ({exc}).") from None


# --- training checkpoints ---------------------------------------------------------
#
# The ``checkpoint`` parameter's files (see ``sklearn_rnn._base._Checkpoint``):
# the same safetensors container, parser and JSON encoding as :func:`save`,
# holding what resuming a fit needs rather than a fitted estimator. Tensors:
# the network's weights (``module.*``), the optimizer's state (``optimizer.*``)
# and extra tensors such as random-generator states and early stopping's best
# weights (``state.*``); metadata: the training history, the optimizer
# settings and a JSON ``state`` document (epoch, seeds, scheduler state...).

CHECKPOINT_FORMAT = "sklearn_rnn-checkpoint"
_STATE_PREFIX = "state."


def write_checkpoint(path, net, state, state_tensors):
    """Write ``net``'s training state to ``path`` atomically.

    The file is written next to ``path`` and renamed over it, so that a
    process killed while writing leaves the previous checkpoint intact.
    """
    from safetensors.torch import save_file

    tensors = {_MODULE_PREFIX + key: _cpu_copy(t) for key, t in net.module_.state_dict().items()}
    optimizer, optimizer_tensors = _optimizer_state(net.optimizer_, "the checkpoint")
    tensors.update(optimizer_tensors)
    tensors.update({_STATE_PREFIX + key: _cpu_copy(t) for key, t in state_tensors.items()})
    try:
        document = {
            "format": CHECKPOINT_FORMAT,
            "format_version": FORMAT_VERSION,
            "package_version": _package_version(),
            "history": _encode(list(net.history.to_list()), "the training history"),
            "optimizer": optimizer,
            "state": _encode(state, "the training state"),
        }
    except _Unencodable as exc:
        raise ValueError(
            f"Cannot write the checkpoint: {exc.args[0]} is not representable (a callback "
            "recorded a value that is not a number, string or boolean)."
        ) from None
    path = os.fspath(path)
    partial = f"{path}.{os.getpid()}.partial"
    save_file(
        tensors,
        partial,
        metadata={"format": "pt", METADATA_KEY: json.dumps(document, allow_nan=False)},
    )
    os.replace(partial, path)


def read_checkpoint(path):
    """``(history, state, tensors)`` of a file written by :func:`write_checkpoint`,
    where ``tensors`` maps ``"module"``, ``"optimizer"`` (the optimizer's
    encoded settings and its tensors) and ``"state"`` to what was saved.

    Runs no code from the file; a damaged file raises ValueError.
    """
    from safetensors import safe_open

    path = os.fspath(path)
    try:
        with safe_open(path, framework="pt", device="cpu") as reader:
            metadata = reader.metadata() or {}
            tensors = {key: reader.get_tensor(key) for key in reader.keys()}
        document = json.loads(metadata[METADATA_KEY])
    except Exception as exc:  # safetensors' own error, a missing key, bad JSON
        raise ValueError(
            f"The checkpoint {path!r} is damaged or was not written by sklearn_rnn "
            f"({type(exc).__name__}: {exc}); delete it to train from the start."
        ) from None
    if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path!r} is not a sklearn_rnn training checkpoint.")
    if document.get("package_version") != _package_version():
        raise ValueError(
            f"The checkpoint {path!r} was written by sklearn_rnn "
            f"{document.get('package_version')!r}; this is {_package_version()}. Resume with "
            "that version, or delete the checkpoint to train from the start."
        )
    try:
        history = _decode(document["history"], "the training history")
        state = _decode(document["state"], "the training state")
    except (_Invalid, KeyError) as exc:
        raise ValueError(f"The checkpoint {path!r} is damaged ({exc}).") from None
    parts = {"module": {}, "optimizer": {}, "state": {}}
    for key, tensor in tensors.items():
        for part, prefix in [
            ("module", _MODULE_PREFIX),
            ("optimizer", _OPTIMIZER_PREFIX),
            ("state", _STATE_PREFIX),
        ]:
            if key.startswith(prefix):
                parts[part][key[len(prefix) :]] = tensor
    parts["optimizer_settings"] = document.get("optimizer")
    return history, state, parts


def restore_optimizer(optimizer, settings, tensors, path):
    """Load a checkpoint's optimizer state (checked as :func:`load` checks it)."""
    _load_optimizer(optimizer, settings, tensors, os.fspath(path))
