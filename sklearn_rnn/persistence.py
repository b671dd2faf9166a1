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
One safetensors file, format version 3. Its tensors:

- ``module.<name>``: the network's ``state_dict``;
- ``optimizer.<index>.<name>``: unless ``include_optimizer=False``, the
  optimizer's per-parameter state, so that a ``warm_start`` fit after
  loading continues exactly where the saved estimator would have;
- ``param.<name>`` and ``attribute.<name>``: each parameter and fitted
  attribute whose value is a numeric numpy array (bool, int8 to int64,
  uint8, float16 to float64; such as pretrained embedding vectors, which can
  be large), with its dtype and shape;
- ``param.<name>.<p>`` and ``attribute.<name>.<p>``: the same for a numeric
  array that a component (:mod:`sklearn_rnn.components`) holds as its
  parameter ``p``, such as the ``weights`` of a ``TokenEmbedding``.

Its header's string-to-string metadata holds ``"format": "pt"`` and, under
the key ``"sklearn_rnn"``, one JSON document::

    {"format": "sklearn_rnn", "format_version": 3, "package_version": "0.1.0",
     "torch_version": "...", "estimator": "RNNClassifier",
     "params": {...}, "attributes": {...}, "history": [...], "optimizer": {...}}

``estimator`` is the class's name; ``params`` is ``get_params(deep=False)``;
``attributes`` every fitted attribute but the net and the history
(``classes_``, ``n_features_in_``, ``_module_init``, ...); ``history`` the
skorch history as a list of dicts; ``optimizer`` the optimizer's settings and
the non-tensor part of its state (or null). JSON has no tuples, numpy data,
non-string keys, non-finite floats or objects, so such values are tagged
objects:

- ``{"__tuple__": [...]}``;
- ``{"__dict__": {...}}`` (string keys) or ``{"__items__": [[key, value],
  ...]}`` (other keys);
- ``{"__float__": "nan"}`` (or ``"inf"``, ``"-inf"``);
- ``{"__scalar__": "<f8", "value": 0.5}``, a numpy scalar;
- ``{"__ndarray__": {"dtype": "<U4", "shape": [2], "data": [...]}}``, an
  array kept in the JSON (strings, objects, or an array inside a list, a
  tuple or a dict);
- ``{"__component__": "ConvFrontend", "params": {"channels": 64, ...}}``, a
  component, by class name, with its ``get_params(deep=False)``;
- ``{"__tensor__": "param.embedding.weights"}``, an array stored as the
  tensor of that name (always the name of its place, as above).

Floats are written with Python's shortest round-trip ``repr``, so they come
back bit for bit.

Why one safetensors file rather than a zip of ``weights.safetensors`` and
``metadata.json``: one file is one parser. The safetensors header is
length-prefixed JSON read by a small Rust parser made to load untrusted
weights, with no code execution and no archive to unpack (no zip bombs, no
member paths, no second format to validate); the metadata and the weights
cannot come apart or be paired with the wrong file; and the file stays
readable by any safetensors tool (``safe_open(path).metadata()``).

Files of format versions 1 and 2 (written during sklearn_rnn 0.1's
development) are refused: their saved network arguments have another shape.
Fit the estimator again and save it.

Security
--------
:func:`load` runs no code from the file: no pickle, no ``eval``, no import
of a name the file gives. The estimator class comes from the registry of the
package's own estimators (:mod:`sklearn_rnn._registry`), and each component
from the fixed table :data:`sklearn_rnn.components.COMPONENTS`, by name;
parameters and attributes are plain JSON values rebuilt by the decoder
(:mod:`sklearn_rnn._codec`), which refuses anything else; the fitted
attributes that the estimator class declares must be present with their
types; the network is rebuilt from the package's own module classes and must
have exactly the saved weight names, shapes and dtypes (checked on the
``meta`` device before the network is allocated, so that sizes in the
metadata cannot make it allocate more than the file holds). Pickle and
joblib still work on these estimators, but a pickle file can run arbitrary
code when it is loaded: unpickle only files you trust, and use
:func:`save`/:func:`load` to exchange models.

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
import os
import re

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from ._checkpoint import load_optimizer_state, optimizer_state
from ._codec import (
    ATTRIBUTE_PREFIX,
    METADATA_KEY,
    MODULE_PREFIX,
    OPTIMIZER_PREFIX,
    PARAM_PREFIX,
    InvalidEncoding,
    UnencodableValue,
    array_to_tensor,
    cpu_copy,
    decode,
    encode,
    short_repr,
    tensor_to_array,
)
from ._registry import ESTIMATORS, saved_attributes
from ._version import __version__
from .components import Component
from .nn.utils import resolve_device

__all__ = ["FORMAT_VERSION", "load", "save"]

#: The version of the file layout this module writes, and the only one it reads.
FORMAT_VERSION = 3
#: The oldest package release whose files this one can read (major, minor).
MIN_PACKAGE_VERSION = (0, 1)
#: The ``format`` entry of a model file's document.
MODEL_FORMAT = "sklearn_rnn"

#: Fitted attributes that are not saved as values: the net is its tensors and
#: the ``history`` entry, and both are rebuilt by :func:`load`.
_NOT_SAVED = ("net_", "history_")


def _release(version):
    """``(major, minor)`` of a version string, or None when it has none."""
    match = re.match(r"^(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


# --- save -------------------------------------------------------------------------


def save(estimator, path, *, include_optimizer=True):
    """Save a fitted estimator to one safetensors file.

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor, CTCTranscriber or RNNTagger
        A fitted estimator whose parameters are plain values (strings,
        numbers, booleans, None, numpy arrays, components of
        :mod:`sklearn_rnn.components`, and lists, tuples or dicts of them):
        an optimizer class, callbacks or a ``RandomState`` instance cannot be
        written without code, and raise ValueError.
    path : str or os.PathLike
        The file to write (conventionally ``*.safetensors``); replaced if it
        exists.
    include_optimizer : bool, default=True
        Also save the optimizer's state (for Adam-like optimizers twice the
        weights' size), so that a ``warm_start`` fit after :func:`load`
        continues exactly as the saved estimator would. Without it, a
        warm-started fit starts from a fresh optimizer state.

    Raises
    ------
    ValueError
        When ``estimator`` is not one of the package's estimators, or holds a
        value that the file cannot (the message names it).
    sklearn.exceptions.NotFittedError
        When ``estimator`` is not fitted.

    See Also
    --------
    load : Rebuild the estimator from the file.
    """
    cls = type(estimator)
    name = cls.__name__
    if ESTIMATORS.get(name) is not cls:
        raise ValueError(
            f"save() writes the package's own estimators ({', '.join(sorted(ESTIMATORS))}); "
            f"got {cls.__module__}.{cls.__qualname__}."
        )
    check_is_fitted(estimator, "net_")

    params = estimator.get_params(deep=False)
    if params["callbacks"] is not None or not isinstance(params["optimizer"], (str, Component)):
        param = "callbacks" if params["callbacks"] is not None else "optimizer"
        raise ValueError(
            f"Cannot save {name}: its {param!r} parameter ({short_repr(params[param])}) holds "
            "code, which a file can only restore by running it. Set "
            + (
                "callbacks=None"
                if param == "callbacks"
                else "optimizer to a string or a component of sklearn_rnn.components"
            )
            + " before saving, or pickle the estimator (for trusted storage only)."
        )
    tensors = {
        MODULE_PREFIX + key: cpu_copy(tensor)
        for key, tensor in estimator.net_.module_.state_dict().items()
    }
    # Numeric arrays are weights, not settings: kept out of the JSON header,
    # where a (vocabulary, embedding_dim) matrix would be megabytes of text.
    arrays = {}
    encoded_params = {}
    for param, value in params.items():
        try:
            encoded_params[param] = encode(
                value, f"parameter {param!r}", arrays=arrays, key=PARAM_PREFIX + param
            )
        except UnencodableValue as exc:
            raise ValueError(
                f"Cannot save {name}: {exc.args[0]} is not representable in JSON. Only "
                "strings, numbers, booleans, None, numpy arrays, sklearn_rnn components, "
                "and lists, tuples and dicts of them can be saved; set it to such a value "
                "(for example an int random_state) before saving, or pickle the estimator "
                "(for trusted storage only)."
            ) from None

    attributes = {}
    for attribute, value in vars(estimator).items():
        if attribute in params or attribute in _NOT_SAVED:
            continue
        try:
            attributes[attribute] = encode(
                value,
                f"fitted attribute {attribute!r}",
                arrays=arrays,
                key=ATTRIBUTE_PREFIX + attribute,
            )
        except UnencodableValue as exc:
            raise ValueError(f"Cannot save {name}: {exc.args[0]} is not representable.") from None
    tensors.update({key: array_to_tensor(array) for key, array in arrays.items()})
    try:
        history = encode(list(estimator.net_.history.to_list()), "the training history")
    except UnencodableValue as exc:
        raise ValueError(
            f"Cannot save {name}: {exc.args[0]} is not representable (a callback "
            "recorded a value that is not a number, string or boolean)."
        ) from None

    optimizer = None
    if include_optimizer:
        try:
            optimizer, optimizer_tensors = optimizer_state(estimator.net_.optimizer_)
        except UnencodableValue as exc:
            raise ValueError(
                f"Cannot save {name}: {exc.args[0]} is not representable; save with "
                "include_optimizer=False."
            ) from None
        tensors.update(optimizer_tensors)

    document = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "torch_version": torch.__version__,
        "estimator": name,
        "params": encoded_params,
        "attributes": attributes,
        "history": history,
        "optimizer": optimizer,
    }
    metadata = {"format": "pt", METADATA_KEY: json.dumps(document, allow_nan=False)}
    save_file(tensors, os.fspath(path), metadata=metadata)


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
        mistyped metadata, an unknown class or component, weights whose names
        or shapes do not match the network).
    """
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
    stray = sorted(
        key
        for key in tensors
        if not key.startswith((MODULE_PREFIX, OPTIMIZER_PREFIX, PARAM_PREFIX, ATTRIBUTE_PREFIX))
    )
    if stray:
        raise _fail(path, f"unexpected tensors in the file: {stray[:5]}.")
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
    if document.get("format") != MODEL_FORMAT:
        raise _fail(
            path, f"its format is {short_repr(document.get('format'))}, not {MODEL_FORMAT!r}."
        )
    version = document.get("format_version")
    if type(version) is int and 0 < version < FORMAT_VERSION:
        raise _fail(
            path,
            f"it has format version {version}, which this sklearn_rnn ({__version__}) no "
            f"longer reads: it reads format version {FORMAT_VERSION}, whose saved network "
            "arguments have another shape. Fit the estimator again and save it.",
        )
    if type(version) is int and version > FORMAT_VERSION:
        raise _fail(
            path,
            f"it has format version {version}, newer than this sklearn_rnn ({__version__}) "
            f"reads ({FORMAT_VERSION}); upgrade sklearn_rnn to load it.",
        )
    if version != FORMAT_VERSION or type(version) is not int:
        raise _fail(
            path,
            f"it has format version {short_repr(version)}; this sklearn_rnn "
            f"({__version__}) reads format version {FORMAT_VERSION}.",
        )
    written_by = document.get("package_version")
    release = _release(written_by)
    if release is None:
        raise _fail(path, f"its package version {short_repr(written_by)} is not a version string.")
    newest = _release(__version__) or release
    if release > newest:
        raise _fail(
            path,
            f"it was written by sklearn_rnn {written_by}, newer than this one ({__version__}); "
            "upgrade sklearn_rnn to load it.",
        )
    if release < MIN_PACKAGE_VERSION:
        raise _fail(
            path,
            f"it was written by sklearn_rnn {written_by}; this one ({__version__}) reads files "
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
            f"unknown estimator class {short_repr(name)}; sklearn_rnn loads only "
            f"{', '.join(sorted(ESTIMATORS))}.",
        )
    cls = ESTIMATORS[name]
    expected_params = set(cls._get_param_names())
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
    try:
        # The arrays of parameters and attributes; decoding takes each one its
        # reference names, so that what is left is referred to by nothing.
        arrays = {
            key: tensor_to_array(tensor, key)
            for key, tensor in tensors.items()
            if key.startswith((PARAM_PREFIX, ATTRIBUTE_PREFIX))
        }
        params = {
            param: decode(value, f"parameter {param!r}", arrays=arrays, key=PARAM_PREFIX + param)
            for param, value in saved.items()
        }
    except InvalidEncoding as exc:
        raise _fail(path, f"{exc.args[0]}.") from None
    _refuse_unreferenced(arrays, PARAM_PREFIX, "parameter", path)
    if params["callbacks"] is not None or not isinstance(params["optimizer"], (str, Component)):
        raise _fail(
            path, "the callbacks and optimizer parameters must be None and a string or component."
        )
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
            raise _fail(path, f"{short_repr(attribute)} is not a fitted attribute of {name}.")
        try:
            value = decode(
                encoded,
                f"fitted attribute {attribute!r}",
                arrays=arrays,
                key=ATTRIBUTE_PREFIX + attribute,
            )
        except InvalidEncoding as exc:
            raise _fail(path, f"{exc.args[0]}.") from None
        kind = required.get(attribute)
        if kind is not None and not _is_instance(value, kind):
            raise _fail(
                path,
                f"the fitted attribute {attribute!r} is a {type(value).__name__}, "
                f"expected {_type_names(kind)}.",
            )
        setattr(estimator, attribute, value)
    _refuse_unreferenced(arrays, ATTRIBUTE_PREFIX, "fitted attribute", path)
    for attribute in ("_module_init", "_fitted_module_kwargs"):
        if not all(type(key) is str for key in getattr(estimator, attribute)):
            raise _fail(path, f"the keys of the fitted attribute {attribute!r} must be strings.")
    return estimator


def _refuse_unreferenced(arrays, prefix, what, path):
    stray = sorted(key for key in arrays if key.startswith(prefix))
    if stray:
        raise _fail(path, f"no {what} refers to the tensors {stray[:5]}.")


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
    cls_name = type(estimator).__name__
    module_tensors = {
        key[len(MODULE_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(MODULE_PREFIX)
    }
    optimizer_tensors = {
        key[len(OPTIMIZER_PREFIX) :]: value
        for key, value in tensors.items()
        if key.startswith(OPTIMIZER_PREFIX)
    }

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
        history = History(decode(document["history"], "the training history"))
    except InvalidEncoding as exc:
        raise _fail(path, f"{exc.args[0]}.") from None
    if not all(isinstance(entry, dict) for entry in history):
        raise _fail(path, "the training history must be a list of dicts.")

    estimator.device_ = resolve_device(estimator.device_ if device is None else str(device))
    net_kwargs = estimator._net_kwargs(estimator._seed, estimator.bucketing_)
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
        try:
            load_optimizer_state(
                estimator.net_.optimizer_, document["optimizer"], optimizer_tensors
            )
        except ValueError as exc:
            raise _fail(path, f"{exc}.") from None
    elif optimizer_tensors:
        raise _fail(path, "it holds optimizer tensors but no optimizer state.")
    estimator.net_.history = history
    estimator.history_ = estimator.net_.history
    if not isinstance(estimator.history_, History):  # pragma: no cover (skorch invariant)
        raise _fail(path, f"{cls_name}'s history could not be restored.")
