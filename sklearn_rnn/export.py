"""Export a fitted estimator's network to ONNX.

:func:`to_onnx` writes the network of a fitted
:class:`~sklearn_rnn.RNNClassifier`, :class:`~sklearn_rnn.RNNRegressor`,
:class:`~sklearn_rnn.CTCTranscriber` or :class:`~sklearn_rnn.RNNTagger` as an
ONNX graph, to run without Python, PyTorch or this package (ONNX Runtime, or
any ONNX runtime that has the ``LSTM``/``GRU``/``RNN`` operators)::

    import onnxruntime
    to_onnx(clf, "model.onnx")
    session = onnxruntime.InferenceSession("model.onnx")
    proba, logits = session.run(None, {"x": padded, "lengths": lengths})

Only the network is exported. What the estimator does in Python around it
stays with the caller:

- **Inputs.** ``x`` is a zero-padded batch: float32 of shape ``(batch,
  time, input_size)`` (``input_size`` is the number of features per step,
  1 for univariate sequences), or int64 token ids of shape ``(batch,
  time)`` when the estimator was fitted on tokens (ids the estimator never
  saw are read as out of vocabulary, as ``predict`` does). ``lengths`` is
  int64 of shape ``(batch,)``: each sequence's true length, between 1 and
  ``time``. Both the batch and the time axis are dynamic, and padding never
  reaches an output: a sequence gives the same outputs alone or in any
  batch, padded to any length (to float32 rounding, about 1e-6). Turning
  raw data into this batch (tokenizing text, scaling, padding, a pipeline's
  transformers) is the caller's: ``sklearn_rnn.preprocessing`` and
  ``SequencePadder`` do it in Python. A tagger fitted on words takes, per
  step, float32 rows of its word's ids (the word and its spelling
  features), which :func:`word_inputs` looks up in Python.
- **Outputs.** Classifier: ``probabilities`` (float32 ``(batch,
  n_classes)``, the softmax, columns in ``classes_`` order) and
  ``logits``; mapping a column to its label (``classes_[argmax]``) is the
  caller's. Regressor: ``values``, already de-standardised inside the graph
  (times ``y_scale_`` plus ``y_mean_``) in float64, shaped as ``predict``'s
  output: ``(batch,)`` when fitted on a 1-D ``y``, else ``(batch,
  n_outputs)``. Transcriber: ``log_probs`` (float32 ``(batch, frames,
  n_labels + 1)``, column 0 the CTC blank, column ``k + 1`` ``classes_[k]``)
  and ``frame_lengths`` (int64 ``(batch,)``, the real frames of each
  sequence); decoding them to label sequences (greedy or beam search) is
  the caller's. Tagger: ``probabilities`` (float32 ``(batch, time,
  n_classes)``, the softmax at every step, columns in ``classes_`` order)
  and ``logits``; each sequence's first ``lengths[i]`` rows are its steps,
  and the rows past its length are zeros.

The model's ``metadata_props`` record the estimator, the package version,
the input kind and the labels (``classes`` as JSON), so that a runtime can
map outputs back to labels without this package.

Why the TorchScript exporter
----------------------------
``torch.onnx.export`` has two exporters. The default one since PyTorch 2.9
(``dynamo=True``, through ``torch.export`` and onnxscript) traces
``nn.LSTM``/``nn.GRU``/``nn.RNN`` step by step where it cannot keep them
whole, and then fixes the time axis to the example's length: with PyTorch
2.13, the bidirectional layers of this package (one recurrent module per
direction, the backward one on sequences reversed within their lengths)
exported to a graph that refuses any other length, and ``torch.export``
itself specialises the time axis of every configuration tried
(pytorch/pytorch#191855 reports the bidirectional case). The TorchScript
exporter (``dynamo=False``) emits ONNX's own ``LSTM``, ``GRU`` and ``RNN``
operators over a dynamic time axis, needs no onnxscript, and exports in a
fraction of a second (about 0.3 s against 4 s). It is deprecated in PyTorch
but present (its deprecation warning is silenced here). Two of its traits
are handled:

- it translates ``aten::floor_divide`` as a *truncating* division, which is
  wrong for the negative operands of ``-(-lengths // stride)`` (the
  ceiling division of the front end's lengths); :func:`to_onnx` registers
  the exact floor division for the duration of the export;
- it traces Python branches on shapes once: ``subsample_frames`` pads the
  time axis to a multiple of ``subsample`` only ``if`` it is not one
  already, so the example batch has a length that is not, which keeps the
  (dynamic) padding in the graph for every length.

The float64 head of the classifier, regressor and tagger at inference (see
``sklearn_rnn.nn.heads.RNNSequenceModel``) is exported as is (``Cast`` and
a float64 matrix product), so ONNX Runtime's outputs match ``predict_proba``
and ``predict`` to about 1e-7 (relative, for the regressor).
"""

import contextlib
import copy
import io
import json
import math
import os
import warnings

import numpy as np
import torch
from torch import nn

from ._validation import OOV_TOKEN_ID
from ._version import __version__

__all__ = ["DEFAULT_OPSET", "to_onnx", "word_inputs"]

#: The ONNX opset :func:`to_onnx` targets by default (ONNX Runtime 1.12 and
#: later, TensorRT 8.5 and later run it).
DEFAULT_OPSET = 17
#: The opsets :func:`to_onnx` accepts (the TorchScript exporter stops at 20).
SUPPORTED_OPSETS = range(11, 21)

_INSTALL = 'pip install "sklearn-rnn[onnx]"'


class _Graph(nn.Module):
    """The estimator's module, and what its ``predict`` adds that belongs in
    the graph: out-of-vocabulary ids for tokens, and the outputs' form.

    Each estimator builds its own in ``_onnx_graph(module)``; ``outputs``
    names the graph's outputs, in order, with their dynamic axes.
    """

    outputs = {}

    def __init__(self, module, vocab_size):
        super().__init__()
        self.module = module
        self.vocab_size = vocab_size

    def network(self, x, lengths):
        if self.vocab_size is not None:
            # Ids never seen in fit are out of vocabulary, as in predict.
            x = torch.where(x < self.vocab_size, x, torch.full_like(x, OOV_TOKEN_ID))
        return self.module(x, lengths)


class _ClassifierGraph(_Graph):
    """RNNClassifier's graph: class probabilities and logits."""

    outputs = {"probabilities": {0: "batch"}, "logits": {0: "batch"}}

    def forward(self, x, lengths):
        logits = self.network(x, lengths)
        # The softmax in float64, as predict_proba computes it (from the same logits).
        return torch.softmax(logits.double(), dim=1).float(), logits


class _RegressorGraph(_Graph):
    """RNNRegressor's graph: the values, de-standardised and shaped as ``predict``'s."""

    outputs = {"values": {0: "batch"}}

    def __init__(self, module, vocab_size, mean, scale, one_d):
        super().__init__(module, vocab_size)
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, dtype=np.float64)))
        self.register_buffer("scale", torch.as_tensor(np.asarray(scale, dtype=np.float64)))
        self.one_d = one_d

    def forward(self, x, lengths):
        values = self.network(x, lengths).double() * self.scale + self.mean
        return values.reshape(-1) if self.one_d else values


class _TranscriberGraph(_Graph):
    """CTCTranscriber's graph: per-frame log-probabilities and frame lengths."""

    outputs = {"log_probs": {0: "batch", 1: "frames"}, "frame_lengths": {0: "batch"}}

    def forward(self, x, lengths):
        return self.network(x, lengths)


class _TaggerGraph(_Graph):
    """RNNTagger's graph: per-step probabilities and logits, zeros past each length."""

    outputs = {"probabilities": {0: "batch", 1: "time"}, "logits": {0: "batch", 1: "time"}}

    def forward(self, x, lengths):
        logits, _ = self.network(x, lengths)
        # Padded rows are zeros. (This also keeps ``lengths`` an input of a
        # causal tagger's graph, whose real steps never read it.)
        real = torch.arange(logits.shape[1], device=x.device)[None, :] < lengths[:, None]
        logits = logits * real.unsqueeze(2).to(logits.dtype)
        # Per step, the softmax in float64, as predict_proba computes it.
        proba = torch.softmax(logits.double(), dim=2) * real.unsqueeze(2).double()
        return proba.float(), logits


def _example_inputs(estimator):
    """A small padded batch whose length is not a multiple of ``subsample``
    (see the module docstring), with ragged lengths down to 1."""
    subsample = int(estimator._module_init.get("subsample", 1))
    strides = math.prod(estimator.frontend_strides_ or (1,))
    steps = 2 * subsample * strides + 1
    lengths = torch.tensor([steps, max(1, steps // 2), 1], dtype=torch.int64)
    mask = torch.arange(steps)[None, :] < lengths[:, None]
    generator = torch.Generator().manual_seed(0)
    if estimator.vocab_size_ is not None:
        high = max(estimator.vocab_size_, 3)
        x = torch.randint(2, high, (3, steps), generator=generator) * mask
    elif getattr(estimator, "word_vocabulary_", None) is not None:
        # A tagger fitted on words: rows of ids (word, spelling features); the
        # out-of-vocabulary id 1 is valid in every one of its lookups.
        size = int(estimator._module_init["input_size"])
        x = torch.ones(3, steps, size) * mask[:, :, None]
    else:
        size = int(estimator._module_init["input_size"])
        x = torch.randn(3, steps, size, generator=generator) * mask[:, :, None]
    return x, lengths


def word_inputs(tagger, X):
    """The rows of ``x`` that an exported :class:`~sklearn_rnn.RNNTagger`
    fitted on words takes, for each sample of words in ``X``.

    Such a tagger looks up each word's id and spelling features (prefixes,
    suffixes, shape) in its fitted vocabularies in Python before its
    network; the exported graph is that network, so this lookup stays with
    the caller, as tokenizing does for the other estimators. Pad the arrays
    into ``x`` (float32 ``(batch, time, n_features_in_)``) as for numeric
    input.

    Parameters
    ----------
    tagger : RNNTagger
        Fitted on words (lists of str).
    X : sequence of lists of str
        The samples' words.

    Returns
    -------
    rows : list of ndarray of shape (T_i, n_features_in_), float32
    """
    from sklearn.utils.validation import check_is_fitted

    from ._words import as_words, word_ids

    check_is_fitted(tagger, "word_vocabulary_")
    if tagger.word_vocabulary_ is None:
        raise ValueError(
            "word_inputs needs an RNNTagger fitted on words (lists of str); this one was "
            "fitted on numeric or token-id sequences, which the graph takes as they are."
        )
    words = as_words(X)
    if words is None:
        raise ValueError("X must hold each sample as its list of words (str).")
    return word_ids(words, tagger.word_vocabulary_, tagger.spelling_vocabulary_)


@contextlib.contextmanager
def _exact_floor_division(opset):
    """Translate ``aten::floor_divide`` as floor division while exporting.

    The TorchScript exporter translates it as a truncating division (its
    pre-1.13 meaning), wrong for negative operands: ``-(-5 // 2)`` became 2
    instead of 3. Its own exact floor division (used for ``torch.div(...,
    rounding_mode="floor")``) is registered for this opset, then removed.
    """
    from torch.onnx import (
        register_custom_op_symbolic,
        symbolic_opset9,
        unregister_custom_op_symbolic,
    )

    register_custom_op_symbolic("aten::floor_divide", symbolic_opset9._floor_divide, opset)
    try:
        yield
    finally:
        unregister_custom_op_symbolic("aten::floor_divide", opset)


def _check_dependencies():
    try:
        import onnx  # noqa: F401 (torch's exporter needs it too)
    except ImportError as exc:
        raise ImportError(f"to_onnx needs the onnx package: {_INSTALL}") from exc


def _labels_json(classes):
    try:
        return json.dumps(np.asarray(classes).tolist())
    except (TypeError, ValueError):
        return json.dumps([str(label) for label in classes])


def to_onnx(estimator, path=None, *, opset=None):
    """Export a fitted estimator's network to ONNX.

    The graph takes a zero-padded batch ``x`` and the true ``lengths``, with
    dynamic batch and time axes, and gives the network's outputs: class
    probabilities and logits (per sequence, or per step for a tagger),
    de-standardised regression values, or CTC log-probabilities and frame
    lengths. Tokenizing, scaling and padding the
    input, and decoding labels from the outputs, stay in Python (see the
    module docstring for the inputs' and outputs' exact form).

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor, CTCTranscriber or RNNTagger
        A fitted estimator, on any device (the export runs on a CPU copy of
        its network).
    path : str or os.PathLike, default=None
        Where to write the ``.onnx`` file; None writes nothing.
    opset : int, default=None
        The ONNX opset, 11 to 20; None means :data:`DEFAULT_OPSET` (17).

    Returns
    -------
    model : onnx.ModelProto
        The exported model, checked with ``onnx.checker``.

    Raises
    ------
    TypeError
        When ``estimator`` is not one of the four (a pipeline, say).
    ImportError
        When the ``onnx`` package is missing (``pip install
        "sklearn-rnn[onnx]"`` installs it and ONNX Runtime).
    """
    _check_dependencies()
    import onnx
    from sklearn.utils.validation import check_is_fitted

    if not callable(getattr(estimator, "_onnx_graph", None)):
        raise TypeError(
            "to_onnx exports the network of an RNNClassifier, RNNRegressor, "
            f"CTCTranscriber or RNNTagger; got {type(estimator).__name__}. Export a "
            "pipeline's last step (pipe[-1]) and keep its preprocessing in Python; for a "
            "ResidualForecaster, export regressor_ and add the baseline forecast back."
        )
    check_is_fitted(estimator, "net_")
    if estimator._fitted_subword_rows():
        raise ValueError(
            f"to_onnx exports networks that read token ids alone; this "
            f"{type(estimator).__name__}'s bag also reads the character n-grams of the "
            "words (SequenceTokenizer(subwords=...)). Fit it with TextBag(subwords=None), "
            "or a tokenizer without subwords, to export it."
        )
    opset = DEFAULT_OPSET if opset is None else opset
    if not isinstance(opset, int) or isinstance(opset, bool) or opset not in SUPPORTED_OPSETS:
        raise ValueError(
            f"opset must be an int from {SUPPORTED_OPSETS.start} to "
            f"{SUPPORTED_OPSETS.stop - 1}; got {opset!r}."
        )
    # A CPU copy in eval mode: the estimator's own network is left as it is.
    module = copy.deepcopy(estimator.net_.module_).to("cpu").eval()
    graph = estimator._onnx_graph(module).eval()
    outputs = copy.deepcopy(graph.outputs)  # the exporter gets its own dicts of axes
    x, lengths = _example_inputs(estimator)
    buffer = io.BytesIO()
    with _exact_floor_division(opset), warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter's deprecation notice, and tracer warnings on
        # shape-dependent Python code (constant in these modules, see above).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (x, lengths),
            buffer,
            dynamo=False,
            opset_version=opset,
            input_names=["x", "lengths"],
            output_names=list(outputs),
            dynamic_axes={"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, **outputs},
            do_constant_folding=True,
        )
    model = onnx.load_from_string(buffer.getvalue())
    tokens = estimator.vocab_size_ is not None
    input_size = int(estimator._module_init["input_size"])
    metadata = {
        "sklearn_rnn.estimator": type(estimator).__name__,
        "sklearn_rnn.version": __version__,
        "sklearn_rnn.input": (
            f"int64 token ids (batch, time), vocabulary of {estimator.vocab_size_}; "
            f"0 pads, {OOV_TOKEN_ID} is out of vocabulary"
            if tokens
            else f"float32 (batch, time, {input_size}), zero-padded"
        ),
        "sklearn_rnn.outputs": ", ".join(outputs),
    }
    if hasattr(estimator, "classes_"):
        metadata["sklearn_rnn.classes"] = _labels_json(estimator.classes_)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.doc_string = (
        f"{type(estimator).__name__} network exported by sklearn_rnn {__version__}: "
        f"inputs x and lengths, outputs {', '.join(outputs)}."
    )
    onnx.checker.check_model(model)
    if path is not None:
        onnx.save(model, os.fspath(path))
    return model
