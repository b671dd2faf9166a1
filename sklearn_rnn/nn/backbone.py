"""Recurrent backbone and heads (PyTorch only: no sklearn, no skorch).

Every module takes a zero-padded batch ``x`` with ``batch_first=True`` and the
true ``lengths``, and is exact: no output depends on padding. The padded batch
goes through the fused ``nn.LSTM``/``nn.GRU``/``nn.RNN`` kernels (packing leaves
the fused CPU kernel and is many times slower, see DESIGN.md):

- a forward direction only reads steps before ``t``, and padding only follows
  the real steps, so outputs at real steps are exact;
- a backward direction runs on each sequence reversed *within its length*, and
  its outputs are reversed back, layer by layer, so it is exact too.
"""

import torch
from torch import nn

from .frontends import FRONTENDS
from .utils import reverse_within_length, step_mask, subsample_frames

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
#: Single poolings; "+" joins them (``"mean+max+last"`` concatenates three).
POOLINGS = ("last", "mean", "max", "attention")


def _make_rnn(cell, input_size, hidden_size, num_layers=1, dropout=0.0):
    kwargs = dict(
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
    )
    if cell == "lstm":
        return nn.LSTM(**kwargs)
    if cell == "gru":
        return nn.GRU(**kwargs)
    if cell in ("rnn_tanh", "rnn_relu"):
        return nn.RNN(nonlinearity=cell[4:], **kwargs)
    raise ValueError(f"cell must be one of {CELLS}; got {cell!r}.")


#: cuDNN refuses sequences of 65,536 steps or more (CUDNN_STATUS_NOT_SUPPORTED).
CUDNN_MAX_STEPS = 65535


def _run_rnn(rnn, x):
    """``rnn(x)[0]``; on CUDA, longer sequences run in chunks, each starting from
    the state the previous one ended in (exact: every layer's state is carried)."""
    if not x.is_cuda or x.shape[1] <= CUDNN_MAX_STEPS:
        return rnn(x)[0]
    outputs, state = [], None
    for start in range(0, x.shape[1], CUDNN_MAX_STEPS):
        out, state = rnn(x[:, start : start + CUDNN_MAX_STEPS], state)
        outputs.append(out)
    return torch.cat(outputs, dim=1)


class RNNBackbone(nn.Module):
    """Configurable recurrent encoder, exact on zero-padded batches.

    Parameters
    ----------
    input_size : int
        Features per time step (ignored when ``vocab_size`` is given).
    cell : {"lstm", "gru", "rnn_tanh", "rnn_relu"} or None, default="lstm"
        None: no recurrent layers; the outputs are the front end's (a fully
        convolutional network, FCN), which it then needs. ``hidden_size``,
        ``num_layers`` and ``bidirectional`` are unused.
    hidden_size : int, default=64
    num_layers : int, default=1
    bidirectional : bool, default=False
    dropout : float, default=0.0
        Dropout between stacked layers and on the backbone's output.
    vocab_size : int or None, default=None
        When given, inputs are integer tokens fed to an ``nn.Embedding``.
    embedding_dim : int, default=64
    freeze_embedding : bool, default=False
        Keep the embedding's weights as they are (e.g. pretrained vectors
        copied in after construction): no gradient reaches them.
    subsample : int, default=1
        Frame-stacking factor applied before the front end
        (:func:`~sklearn_rnn.nn.utils.subsample_frames`).
    frontend : (str, dict) or None, default=None
        A front end between the input and the recurrent layers: the name of
        a module of :data:`~sklearn_rnn.nn.frontends.FRONTENDS` and its
        keyword arguments besides ``input_size``, e.g. ``("conv",
        {"channels": 64, "strides": (2, 2, 1)})``.
    recurrent : bool, default=True
        False builds the token embedding alone, without front end and
        recurrent layers, for a model that reads only the embedded words
        (:class:`RNNSequenceModel` with ``bag="only"``); it needs
        ``vocab_size``, and :meth:`forward` is then unavailable.

    Shapes
    ------
    forward(x, lengths) -> (outputs, lengths)
        ``x`` is ``(batch, T, input_size)`` float or ``(batch, T)`` int64;
        ``outputs`` is ``(batch, T', hidden_size * num_directions)`` where
        ``T'`` is ``T`` shortened by ``subsample`` and the front end's strides
        (see :meth:`output_lengths`); padded steps of ``outputs`` are meaningless.
    """

    def __init__(
        self,
        input_size,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        vocab_size=None,
        embedding_dim=64,
        freeze_embedding=False,
        subsample=1,
        frontend=None,
        recurrent=True,
    ):
        super().__init__()
        self.cell = cell
        # Without recurrent layers there is no backward direction to pool.
        self.bidirectional = bidirectional and cell is not None
        self.subsample = subsample
        self.recurrent = recurrent
        self.embedding = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            self.embedding.weight.requires_grad_(not freeze_embedding)
            input_size = embedding_dim
        self.frontend = None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        if not recurrent:
            if self.embedding is None:
                raise ValueError("recurrent=False keeps the token embedding alone: set vocab_size.")
            # No unused weights: they would cost memory, file size and
            # DistributedDataParallel's unused-parameter search.
            self.output_size = None
            return
        input_size = input_size * subsample
        if frontend is not None:
            name, kwargs = frontend
            if name not in FRONTENDS:
                raise ValueError(f"frontend must name one of {sorted(FRONTENDS)}; got {name!r}.")
            self.frontend = FRONTENDS[name](input_size, **kwargs)
            input_size = self.frontend.output_size
        if cell is None:
            if self.frontend is None:
                raise ValueError(
                    "cell=None (no recurrent layers) reads the front end's outputs; "
                    "give it a frontend."
                )
            self.output_size = input_size
            return
        if bidirectional:
            self.forward_layers = nn.ModuleList()
            self.backward_layers = nn.ModuleList()
            for layer in range(num_layers):
                size = input_size if layer == 0 else 2 * hidden_size
                self.forward_layers.append(_make_rnn(cell, size, hidden_size))
                self.backward_layers.append(_make_rnn(cell, size, hidden_size))
        else:
            self.rnn = _make_rnn(cell, input_size, hidden_size, num_layers, dropout)
        self.output_size = hidden_size * (2 if bidirectional else 1)

    def output_lengths(self, lengths):
        """Lengths of the outputs for inputs of ``lengths``.

        Parameters
        ----------
        lengths : int, ndarray or Tensor
            Input lengths.
        """
        lengths = -(-lengths // self.subsample)
        if self.frontend is not None:
            lengths = self.frontend.output_lengths(lengths)
        return lengths

    def forward(self, x, lengths):
        if not self.recurrent:
            raise RuntimeError(
                "This RNNBackbone was built with recurrent=False: it has no recurrent "
                "layers to run; read its embedding instead."
            )
        lengths = lengths.to(x.device)
        if self.embedding is not None:
            x = self.embedding(x)
            if self.subsample > 1:
                # Padding ids embed to non-zero vectors: zero them before frames
                # are stacked, or a last partial frame would read them.
                x = x * step_mask(lengths, x.shape[1]).unsqueeze(-1).to(x.dtype)
        x, lengths = subsample_frames(x, lengths, self.subsample)
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths)
        if self.cell is None:
            return self.dropout(x), lengths
        if not self.bidirectional:
            return self.dropout(_run_rnn(self.rnn, x)), lengths
        for layer, (fwd, bwd) in enumerate(zip(self.forward_layers, self.backward_layers)):
            if layer > 0:
                x = self.dropout(x)
            out_forward = _run_rnn(fwd, x)
            out_backward = reverse_within_length(
                _run_rnn(bwd, reverse_within_length(x, lengths)), lengths
            )
            x = torch.cat([out_forward, out_backward], dim=2)
        return self.dropout(x), lengths


def pool_sequences(outputs, lengths, pooling, bidirectional, attention=None):
    """Pool backbone outputs over each sequence's real steps.

    ``"last"`` takes the forward direction at the true last step and, when
    bidirectional, the backward direction at step 0 (its final state);
    ``"mean"`` and ``"max"`` are masked over the real steps; ``"attention"``
    weighs the real steps by a masked softmax of ``attention(outputs)``.
    Poolings joined by ``"+"`` are concatenated.
    """
    if "+" in pooling:
        return torch.cat(
            [
                pool_sequences(outputs, lengths, part, bidirectional, attention)
                for part in pooling.split("+")
            ],
            dim=1,
        )
    batch, steps, size = outputs.shape
    if pooling == "last":
        rows = torch.arange(batch, device=outputs.device)
        last = outputs[rows, lengths - 1]
        if not bidirectional:
            return last
        half = size // 2
        return torch.cat([last[:, :half], outputs[:, 0, half:]], dim=1)
    mask = step_mask(lengths, steps).unsqueeze(-1)
    if pooling == "mean":
        return (outputs * mask).sum(1) / lengths.unsqueeze(1).to(outputs.dtype)
    if pooling == "max":
        return outputs.masked_fill(~mask, float("-inf")).amax(1)
    if pooling == "attention":
        scores = attention(outputs).masked_fill(~mask, float("-inf"))
        return (torch.softmax(scores, dim=1) * outputs).sum(1)
    raise ValueError(
        f"pooling must be one of {POOLINGS} or several joined by '+'; got {pooling!r}."
    )


def check_pooling(pooling):
    """Whether ``pooling`` names poolings of :data:`POOLINGS` joined by "+", each once.

    Parameters
    ----------
    pooling : object
        The value to check.
    """
    parts = pooling.split("+") if isinstance(pooling, str) else []
    return bool(parts) and len(set(parts)) == len(parts) and set(parts) <= set(POOLINGS)
