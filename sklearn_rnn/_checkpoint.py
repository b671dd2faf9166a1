"""Training checkpoints: the files of the ``checkpoint`` parameter.

The estimator's ``_Checkpoint`` callback (:mod:`sklearn_rnn._base`) writes
one at the end of every epoch, and a fit with the same parameters and data
resumes from it. It is the same container as a model file
(:mod:`sklearn_rnn.persistence`): one safetensors file, read with no code
execution, values encoded by :mod:`sklearn_rnn._codec`. It holds what
resuming a fit needs rather than a fitted estimator:

- tensors: the network's weights (``module.<name>``), the optimizer's
  per-parameter state (``optimizer.<index>.<name>``), and extra tensors such
  as the random generators' states and early stopping's best weights
  (``state.<name>``);
- metadata: under ``"sklearn_rnn"``, the JSON document ``{"format":
  "sklearn_rnn-checkpoint", "format_version": 1, "package_version": ...,
  "history": [...], "optimizer": {"state": ..., "param_groups": ...},
  "state": {...}}``, where ``state`` is the callback's (epoch, seeds, the
  learning-rate schedule, early stopping's counters).

A checkpoint resumes only with the package version that wrote it: it is a
scratch file of one fit, not an exchange format.

The optimizer's state is training state too: :func:`optimizer_state` and
:func:`load_optimizer_state` also serve a model file saved with
``include_optimizer=True``, so that a ``warm_start`` fit after loading
continues exactly.
"""

import json
import os

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ._codec import (
    METADATA_KEY,
    MODULE_PREFIX,
    OPTIMIZER_PREFIX,
    InvalidEncoding,
    UnencodableValue,
    cpu_copy,
    decode,
    encode,
)
from ._version import __version__

__all__ = ["read_checkpoint", "restore_optimizer", "write_checkpoint"]

#: The ``format`` entry of a checkpoint's document.
CHECKPOINT_FORMAT = "sklearn_rnn-checkpoint"
#: The version of the checkpoint layout this module writes and reads.
CHECKPOINT_FORMAT_VERSION = 1
STATE_PREFIX = "state."


def write_checkpoint(path, net, state, state_tensors):
    """Write ``net``'s training state to ``path`` atomically.

    The file is written next to ``path`` and renamed over it, so that a
    process killed while writing leaves the previous checkpoint intact.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    net : skorch.NeuralNet
        The initialised net being trained.
    state : dict
        The callback's plain values (encoded as JSON).
    state_tensors : dict of str to torch.Tensor
        Its tensors, saved as ``state.<name>``.

    Raises
    ------
    ValueError
        When the history or ``state`` holds a value the format cannot hold.
    """
    tensors = {MODULE_PREFIX + key: cpu_copy(t) for key, t in net.module_.state_dict().items()}
    try:
        optimizer, optimizer_tensors = optimizer_state(net.optimizer_)
        document = {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_FORMAT_VERSION,
            "package_version": __version__,
            "history": encode(list(net.history.to_list()), "the training history"),
            "optimizer": optimizer,
            "state": encode(state, "the training state"),
        }
    except UnencodableValue as exc:
        raise ValueError(
            f"Cannot write the checkpoint: {exc.args[0]} is not representable (a callback "
            "recorded a value that is not a number, string or boolean)."
        ) from None
    tensors.update(optimizer_tensors)
    tensors.update({STATE_PREFIX + key: cpu_copy(t) for key, t in state_tensors.items()})
    path = os.fspath(path)
    partial = f"{path}.{os.getpid()}.partial"
    save_file(
        tensors,
        partial,
        metadata={"format": "pt", METADATA_KEY: json.dumps(document, allow_nan=False)},
    )
    os.replace(partial, path)


def read_checkpoint(path):
    """The training state in a file written by :func:`write_checkpoint`.

    Runs no code from the file.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.

    Returns
    -------
    history : list of dict
    state : dict
        The callback's plain values.
    parts : dict
        ``"module"``, ``"optimizer"`` and ``"state"`` map tensor names (their
        prefix removed) to tensors; ``"optimizer_settings"`` is the
        optimizer's encoded state, for :func:`restore_optimizer`.

    Raises
    ------
    ValueError
        When the file is damaged, is not a checkpoint, or was written by
        another package version or checkpoint format.
    """
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
    if document.get("package_version") != __version__:
        raise ValueError(
            f"The checkpoint {path!r} was written by sklearn_rnn "
            f"{document.get('package_version')!r}; this is {__version__}. Resume with "
            "that version, or delete the checkpoint to train from the start."
        )
    if document.get("format_version") != CHECKPOINT_FORMAT_VERSION:
        raise ValueError(
            f"The checkpoint {path!r} has format version "
            f"{document.get('format_version')!r}; this sklearn_rnn resumes from version "
            f"{CHECKPOINT_FORMAT_VERSION}. Delete it to train from the start."
        )
    try:
        history = decode(document["history"], "the training history")
        state = decode(document["state"], "the training state")
    except (InvalidEncoding, KeyError) as exc:
        raise ValueError(f"The checkpoint {path!r} is damaged ({exc}).") from None
    parts = {"module": {}, "optimizer": {}, "state": {}}
    for key, tensor in tensors.items():
        for part, prefix in [
            ("module", MODULE_PREFIX),
            ("optimizer", OPTIMIZER_PREFIX),
            ("state", STATE_PREFIX),
        ]:
            if key.startswith(prefix):
                parts[part][key[len(prefix) :]] = tensor
    parts["optimizer_settings"] = document.get("optimizer")
    return history, state, parts


def restore_optimizer(optimizer, settings, tensors, path):
    """Load a checkpoint's optimizer state, checked as a model file's is.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The new fit's optimizer, over the network's parameters.
    settings : dict
        ``parts["optimizer_settings"]`` of :func:`read_checkpoint`.
    tensors : dict of str to torch.Tensor
        ``parts["optimizer"]`` of :func:`read_checkpoint`.
    path : str or os.PathLike
        The checkpoint, for error messages.

    Raises
    ------
    ValueError
        When the state does not match the optimizer.
    """
    try:
        load_optimizer_state(optimizer, settings, tensors)
    except ValueError as exc:
        raise ValueError(
            f"The checkpoint {os.fspath(path)!r} is damaged ({exc}); delete it to train "
            "from the start."
        ) from None


# --- the optimizer's state --------------------------------------------------------


def optimizer_state(optimizer):
    """An optimizer's state dict as ``(encoded, tensors)``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer

    Returns
    -------
    encoded : dict
        ``{"state": ..., "param_groups": ...}``, JSON-ready, without the
        state's tensors.
    tensors : dict of str to torch.Tensor
        The state's tensors, named ``optimizer.<parameter index>.<name>``.

    Raises
    ------
    UnencodableValue
        When a setting is not a plain value.
    """
    state_dict = optimizer.state_dict()
    tensors, state = {}, {}
    for index, values in state_dict["state"].items():
        plain = {}
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{OPTIMIZER_PREFIX}{index}.{key}"] = cpu_copy(value)
            else:
                plain[key] = value
        state[str(index)] = plain
    encoded = {
        "state": encode(state, "the optimizer state"),
        "param_groups": encode(state_dict["param_groups"], "the optimizer settings"),
    }
    return encoded, tensors


def load_optimizer_state(optimizer, encoded, tensors):
    """Load what :func:`optimizer_state` wrote into ``optimizer``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Over the same network's parameters.
    encoded : dict
        The encoded state (from the file: anything).
    tensors : dict of str to torch.Tensor
        The state's tensors, by ``<parameter index>.<name>``.

    Raises
    ------
    ValueError
        When the state is malformed or does not match the optimizer's
        parameter groups and shapes; the message says what.
    """
    if not isinstance(encoded, dict) or set(encoded) != {"state", "param_groups"}:
        raise ValueError("the optimizer entry needs exactly 'state' and 'param_groups'")
    plain = decode(encoded["state"], "the optimizer state")
    param_groups = decode(encoded["param_groups"], "the optimizer settings")
    if not isinstance(plain, dict) or not all(
        isinstance(k, str) and k.isdigit() and isinstance(v, dict) for k, v in plain.items()
    ):
        raise ValueError("the optimizer state must map parameter indices to dicts")
    state = {int(index): dict(values) for index, values in plain.items()}
    for key, tensor in tensors.items():
        index, _, name = key.partition(".")
        if not index.isdigit() or not name or int(index) not in state:
            raise ValueError(f"unexpected optimizer tensor {key!r}")
        state[int(index)][name] = tensor
    current = optimizer.state_dict()
    if not isinstance(param_groups, list) or len(param_groups) != len(current["param_groups"]):
        raise ValueError("the optimizer's parameter groups do not match the network")
    for saved, group in zip(param_groups, current["param_groups"]):
        if not isinstance(saved, dict) or saved.get("params") != group["params"]:
            raise ValueError("the optimizer's parameter groups do not match the network")
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for index, values in state.items():
        if index >= len(parameters):
            raise ValueError(f"the optimizer state names parameter {index}, which does not exist")
        for name, value in values.items():
            if torch.is_tensor(value) and value.ndim > 0 and value.shape != parameters[index].shape:
                raise ValueError(
                    f"the optimizer state {name!r} of parameter {index} has shape "
                    f"{tuple(value.shape)}; the parameter has {tuple(parameters[index].shape)}"
                )
    try:
        optimizer.load_state_dict({"state": state, "param_groups": param_groups})
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise ValueError(f"the optimizer state does not load ({exc})") from None
