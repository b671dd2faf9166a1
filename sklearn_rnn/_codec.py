"""The encoding of values in sklearn_rnn's files: JSON for settings, tensors
for weights.

A model file (:mod:`sklearn_rnn.persistence`) and a training checkpoint
(:mod:`sklearn_rnn._checkpoint`) are safetensors files whose string metadata
holds one JSON document under :data:`METADATA_KEY`. JSON has no tuples,
numpy data, non-string keys, non-finite floats or objects: :func:`encode`
writes such values as tagged JSON objects (``{"__tuple__": [...]}``,
``{"__component__": "ConvFrontend", "params": {...}}``, ...; the file format
in :mod:`sklearn_rnn.persistence` lists them), and keeps a numeric array
that sits at a named place (a parameter's or fitted attribute's value, or a
component's parameter there) out of the JSON, as a tensor of the file
(``{"__tensor__": "param.embedding.weights"}``): those are weights, which can
be megabytes, not settings.

:func:`decode` is the inverse, and refuses anything :func:`encode` does not
produce. It builds only JSON values, tuples, dicts, numpy data and the
package's own components, which it looks up by name in
:data:`sklearn_rnn.components.COMPONENTS`: it never imports, calls or
evaluates a name the data gives.
"""

import math

import numpy as np
import torch

from .components import COMPONENTS, Component

#: The metadata key holding the JSON document.
METADATA_KEY = "sklearn_rnn"
#: Tensor name prefixes: the network's weights, the optimizer's state, and the
#: arrays of parameters and fitted attributes (see the module docstring).
MODULE_PREFIX = "module."
OPTIMIZER_PREFIX = "optimizer."
PARAM_PREFIX = "param."
ATTRIBUTE_PREFIX = "attribute."
#: Array dtypes stored as tensors: those safetensors and torch both hold, so
#: that the array comes back with its own dtype.
TENSOR_DTYPES = frozenset(
    np.dtype(name) for name in "bool int8 int16 int32 int64 uint8 float16 float32 float64".split()
)

#: numpy dtype kinds the JSON holds: bool, ints, floats, str, objects (of the above).
_ARRAY_KINDS = "biufUO"
_SCALAR_KINDS = "biufU"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class UnencodableValue(ValueError):
    """A value the format cannot hold; ``args[0]`` names it and where it is."""


class InvalidEncoding(ValueError):
    """Encoded data :func:`decode` refuses; ``args[0]`` says what and where."""


def short_repr(value, limit=80):
    """``repr(value)``, cut to ``limit`` characters (for error messages)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def cpu_copy(tensor):
    """A CPU copy that shares no memory (safetensors refuses shared storage,
    which cuDNN's flattened RNN weights have)."""
    return tensor.detach().to("cpu", copy=True).contiguous()


def array_to_tensor(array):
    """The tensor a numeric array is stored as (a C-ordered copy)."""
    return torch.from_numpy(np.array(array, order="C", copy=True))


def tensor_to_array(tensor, key):
    """The numpy array a stored tensor holds; :class:`InvalidEncoding` for a
    dtype no saved array has (bfloat16, ...)."""
    try:
        array = tensor.numpy()
    except TypeError:  # a dtype numpy has not
        array = None
    if array is None or array.dtype not in TENSOR_DTYPES:
        raise InvalidEncoding(f"tensor {key!r}: unsupported tensor dtype {tensor.dtype}")
    return array


# --- encoding -------------------------------------------------------------------------


def encode(value, where, *, arrays=None, key=None):
    """``value`` as JSON-ready data (see the module docstring).

    Parameters
    ----------
    value : object
        None, a bool, int, float or str, a numpy scalar or array, a component,
        or a list, tuple or dict of these.
    where : str
        What ``value`` is, for error messages (``"parameter 'lr'"``).
    arrays : dict or None, default=None
        Where to put numeric arrays that sit at ``key``, by tensor name; None
        keeps every array in the JSON.
    key : str or None, default=None
        The tensor name of ``value``'s place (``"param.embedding"``); None
        where arrays stay in the JSON.

    Returns
    -------
    data : JSON-ready value

    Raises
    ------
    UnencodableValue
        For any other value, naming ``where``.
    """
    try:
        return _encode(value, where, arrays, key)
    except RecursionError:
        raise UnencodableValue(f"{where} (nested too deeply, or containing itself)") from None


def _encode(value, where, arrays, key):
    if arrays is not None and key is not None and _is_tensor_array(value):
        arrays[key] = value
        return {"__tensor__": key}
    if isinstance(value, np.generic):  # before str and float: np.str_ and np.float64 are both
        if value.dtype.kind not in _SCALAR_KINDS:
            raise UnencodableValue(f"{where} (a numpy {value.dtype} scalar)")
        return {"__scalar__": value.dtype.str, "value": _encode(value.item(), where, None, None)}
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
            raise UnencodableValue(f"{where} (an array of dtype {value.dtype})")
        data = [_encode(item, f"{where}[...]", None, None) for item in value.ravel().tolist()]
        return {"__ndarray__": {"dtype": value.dtype.str, "shape": list(value.shape), "data": data}}
    if isinstance(value, Component):
        return _encode_component(value, where, arrays, key)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, where, None, None) for item in value]}
    if isinstance(value, list):
        return [_encode(item, where, None, None) for item in value]
    if isinstance(value, dict):
        if all(type(name) is str for name in value):
            # Entries keep their tensor key (an attribute's dict of components,
            # such as the fitted module arguments, keeps its arrays out of the JSON).
            return {
                "__dict__": {
                    name: _encode(item, where, arrays, None if key is None else f"{key}.{name}")
                    for name, item in value.items()
                }
            }
        return {
            "__items__": [
                [_encode(name, where, None, None), _encode(item, where, None, None)]
                for name, item in value.items()
            ]
        }
    raise UnencodableValue(f"{where} (a {type(value).__module__}.{type(value).__qualname__})")


def _is_tensor_array(value):
    # Exactly ndarray: a masked array or a matrix is not what comes back.
    return type(value) is np.ndarray and value.dtype in TENSOR_DTYPES


def _encode_float(value):
    if math.isfinite(value):
        return value
    return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _encode_component(component, where, arrays, key):
    cls = type(component)
    if COMPONENTS.get(cls.__name__) is not cls:
        raise UnencodableValue(
            f"{where} (a {cls.__module__}.{cls.__qualname__}, not one of the components of "
            "sklearn_rnn.components)"
        )
    return {
        "__component__": cls.__name__,
        "params": {
            name: _encode(
                value,
                _component_where(where, cls.__name__, name),
                arrays,
                None if key is None else f"{key}.{name}",
            )
            for name, value in component.get_params(deep=False).items()
        },
    }


def _component_where(where, cls_name, param):
    return f"{where} ({cls_name}'s {param!r})"


# --- decoding -------------------------------------------------------------------------


def decode(data, where, *, arrays=None, key=None):
    """The inverse of :func:`encode`.

    Parameters
    ----------
    data : JSON value
        As :func:`json.loads` returns it.
    where : str
        What ``data`` is, for error messages.
    arrays : dict or None, default=None
        The file's arrays by tensor name; each one a reference names is
        removed from it, so that what is left is referred to by nothing.
        None: no reference is valid.
    key : str or None, default=None
        The tensor name that a reference at ``data``'s place must have.

    Returns
    -------
    value : object

    Raises
    ------
    InvalidEncoding
        On anything :func:`encode` does not produce, naming ``where``.
    """
    try:
        return _decode(data, where, arrays, key)
    except RecursionError:
        raise InvalidEncoding(f"{where}: nested too deeply") from None


def _decode(data, where, arrays, key):
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [_decode(item, where, None, None) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise InvalidEncoding(f"{where}: unexpected value {short_repr(data)}")
    keys = set(data)
    if keys == {"__tensor__"}:
        return _decode_tensor(data["__tensor__"], where, arrays, key)
    if keys == {"__component__", "params"}:
        return _decode_component(data, where, arrays, key)
    if keys == {"__tuple__"} and isinstance(data["__tuple__"], list):
        return tuple(_decode(item, where, None, None) for item in data["__tuple__"])
    if keys == {"__dict__"} and isinstance(data["__dict__"], dict):
        return {
            name: _decode(item, where, arrays, None if key is None else f"{key}.{name}")
            for name, item in data["__dict__"].items()
        }
    if keys == {"__items__"} and isinstance(data["__items__"], list):
        result = {}
        for pair in data["__items__"]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise InvalidEncoding(f"{where}: a dict item must be a [key, value] pair")
            name = _decode(pair[0], where, None, None)
            try:
                result[name] = _decode(pair[1], where, None, None)
            except TypeError:
                raise InvalidEncoding(
                    f"{where}: unhashable dict key {short_repr(pair[0])}"
                ) from None
        return result
    if keys == {"__float__"} and data["__float__"] in _NON_FINITE:
        return _NON_FINITE[data["__float__"]]
    if keys == {"__scalar__", "value"}:
        dtype = _dtype(data["__scalar__"], where, _SCALAR_KINDS)
        return _numpy_data([_decode(data["value"], where, None, None)], dtype, (), where)[()]
    if keys == {"__ndarray__"} and isinstance(data["__ndarray__"], dict):
        spec = data["__ndarray__"]
        if set(spec) != {"dtype", "shape", "data"}:
            raise InvalidEncoding(f"{where}: an array needs exactly dtype, shape and data")
        shape = spec["shape"]
        if not (
            isinstance(shape, list)
            and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(spec["data"], list)
        ):
            raise InvalidEncoding(f"{where}: bad array shape or data")
        dtype = _dtype(spec["dtype"], where, _ARRAY_KINDS)
        items = [_decode(item, where, None, None) for item in spec["data"]]
        return _numpy_data(items, dtype, tuple(shape), where)
    raise InvalidEncoding(f"{where}: unexpected value {short_repr(data)}")


def _decode_tensor(name, where, arrays, key):
    if arrays is None or key is None:
        raise InvalidEncoding(
            f"{where}: a tensor reference ({short_repr(name)}) where only JSON values can be"
        )
    if name != key:
        raise InvalidEncoding(f"{where} refers to {short_repr(name)}, not to {key!r}")
    if name not in arrays:
        raise InvalidEncoding(f"{where} refers to {name!r}, which the file lacks")
    return arrays.pop(name)


def _decode_component(data, where, arrays, key):
    name = data["__component__"]
    cls = COMPONENTS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise InvalidEncoding(
            f"{where}: unknown component {short_repr(name)}; sklearn_rnn loads only "
            f"{', '.join(sorted(COMPONENTS))}"
        )
    saved = data["params"]
    if not isinstance(saved, dict):
        raise InvalidEncoding(f"{where}: the params of a {name} must be a JSON object")
    expected = set(cls._get_param_names())
    # A setting added since the file was written keeps its default.
    missing = expected - set(saved) - cls._added_settings
    unknown = set(saved) - expected
    if missing or unknown:
        raise InvalidEncoding(
            f"{where}: the params do not match {name}'s"
            + (f"; missing: {sorted(missing)}" if missing else "")
            + (f"; unknown: {sorted(unknown)}" if unknown else "")
        )
    params = {
        param: _decode(
            value,
            _component_where(where, name, param),
            arrays,
            None if key is None else f"{key}.{param}",
        )
        for param, value in saved.items()
    }
    component = cls(**params)
    try:
        component.validate(where)
    except ValueError as exc:  # sklearn's InvalidParameterError is a ValueError
        raise InvalidEncoding(str(exc)) from None
    return component


def _dtype(name, where, kinds):
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in kinds or dtype.fields is not None:
        raise InvalidEncoding(f"{where}: unsupported dtype {short_repr(name)}")
    return dtype


def _numpy_data(items, dtype, shape, where):
    if math.prod(shape) != len(items):
        raise InvalidEncoding(f"{where}: {len(items)} values do not fill an array of shape {shape}")
    if dtype.kind == "O":
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
        return array.reshape(shape)
    for item in items:
        if isinstance(item, (list, tuple, dict)):
            raise InvalidEncoding(f"{where}: an array of dtype {dtype} holds {short_repr(item)}")
    try:
        return np.array(items, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidEncoding(f"{where}: values do not fit dtype {dtype} ({exc})") from None
