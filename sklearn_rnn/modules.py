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

__all__ = [
    "RNNBackbone",
    "RNNFrameModel",
    "RNNSequenceModel",
    "pool_sequences",
    "reverse_within_length",
    "subsample_frames",
]

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
POOLINGS = ("last", "mean", "max")


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


def reverse_within_length(x, lengths):
    """Reverse each sequence of a padded batch within its true length.

    Padding stays where it is. The operation is its own inverse.

    Parameters
    ----------
    x : Tensor of shape (batch, T, features)
    lengths : Tensor of shape (batch,)
    """
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    last = (lengths.to(x.device) - 1).unsqueeze(1)
    index = torch.where(steps <= last, last - steps, steps)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))


def subsample_frames(x, lengths, factor):
    """Stack each ``factor`` consecutive frames into one (frame stacking).

    ``(batch, T, F)`` becomes ``(batch, ceil(T / factor), F * factor)``; a last
    partial group is completed with zeros, as padding is, so the result does not
    depend on the batch. Lengths become ``ceil(lengths / factor)``.
    """
    if factor == 1:
        return x, lengths
    batch, steps, features = x.shape
    extra = (-steps) % factor
    if extra:
        x = nn.functional.pad(x, (0, 0, 0, extra))
    x = x.reshape(batch, (steps + extra) // factor, features * factor)
    return x, torch.div(lengths + factor - 1, factor, rounding_mode="floor")


class RNNBackbone(nn.Module):
    """Configurable recurrent encoder, exact on zero-padded batches.

    Parameters
    ----------
    input_size : int
        Features per time step (ignored when ``vocab_size`` is given).
    cell : {"lstm", "gru", "rnn_tanh", "rnn_relu"}, default="lstm"
    hidden_size : int, default=64
    num_layers : int, default=1
    bidirectional : bool, default=False
    dropout : float, default=0.0
        Dropout between stacked layers and on the backbone's output.
    vocab_size : int or None, default=None
        When given, inputs are integer tokens fed to an ``nn.Embedding``.
    embedding_dim : int, default=64
    subsample : int, default=1
        Frame-stacking factor applied before the recurrent layers.

    Shapes
    ------
    forward(x, lengths) -> (outputs, lengths)
        ``x`` is ``(batch, T, input_size)`` float or ``(batch, T)`` int64;
        ``outputs`` is ``(batch, T', hidden_size * num_directions)`` with
        ``T' = ceil(T / subsample)``; padded steps of ``outputs`` are meaningless.
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
        subsample=1,
    ):
        super().__init__()
        self.cell = cell
        self.bidirectional = bidirectional
        self.subsample = subsample
        self.embedding = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            input_size = embedding_dim
        input_size = input_size * subsample
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
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

    def forward(self, x, lengths):
        lengths = lengths.to(x.device)
        if self.embedding is not None:
            x = self.embedding(x)
        x, lengths = subsample_frames(x, lengths, self.subsample)
        if not self.bidirectional:
            return self.dropout(self.rnn(x)[0]), lengths
        for layer, (fwd, bwd) in enumerate(zip(self.forward_layers, self.backward_layers)):
            if layer > 0:
                x = self.dropout(x)
            out_forward = fwd(x)[0]
            out_backward = reverse_within_length(bwd(reverse_within_length(x, lengths))[0], lengths)
            x = torch.cat([out_forward, out_backward], dim=2)
        return self.dropout(x), lengths


def pool_sequences(outputs, lengths, pooling, bidirectional):
    """Pool backbone outputs over each sequence's real steps.

    ``"last"`` takes the forward direction at the true last step and, when
    bidirectional, the backward direction at step 0 (its final state);
    ``"mean"`` and ``"max"`` are masked over the real steps.
    """
    batch, steps, size = outputs.shape
    rows = torch.arange(batch, device=outputs.device)
    if pooling == "last":
        last = outputs[rows, lengths - 1]
        if not bidirectional:
            return last
        half = size // 2
        return torch.cat([last[:, :half], outputs[:, 0, half:]], dim=1)
    mask = torch.arange(steps, device=outputs.device).unsqueeze(0) < lengths.unsqueeze(1)
    mask = mask.unsqueeze(-1)
    if pooling == "mean":
        return (outputs * mask).sum(1) / lengths.unsqueeze(1).to(outputs.dtype)
    if pooling == "max":
        return outputs.masked_fill(~mask, float("-inf")).amax(1)
    raise ValueError(f"pooling must be one of {POOLINGS}; got {pooling!r}.")


class RNNSequenceModel(nn.Module):
    """Backbone, pooling and a linear head: one output vector per sequence.

    Parameters
    ----------
    n_outputs : int
        Size of the head (classes or regression targets).
    pooling : {"last", "mean", "max"}, default="last"
    **backbone_kwargs
        Passed to :class:`RNNBackbone` (``input_size`` included).

    Shapes
    ------
    forward(x, lengths) -> Tensor of shape (batch, n_outputs): logits or values.
    """

    def __init__(self, n_outputs, *, pooling="last", **backbone_kwargs):
        super().__init__()
        self.pooling = pooling
        self.backbone = RNNBackbone(**backbone_kwargs)
        self.head = nn.Linear(self.backbone.output_size, n_outputs)

    def forward(self, x, lengths):
        outputs, lengths = self.backbone(x, lengths)
        pooled = pool_sequences(outputs, lengths, self.pooling, self.backbone.bidirectional)
        if self.training:
            return self.head(pooled)
        # At inference the (tiny) head runs in float64 and rounds back: a float32
        # GEMM's result depends on the batch size (kernel blocking), and a
        # sample's prediction must not depend on its batch. The recurrent layers
        # already give bitwise-identical rows whatever the batch.
        weight, bias = self.head.weight.double(), self.head.bias.double()
        return nn.functional.linear(pooled.double(), weight, bias).to(pooled.dtype)


class RNNFrameModel(nn.Module):
    """Backbone and a linear head applied at every (subsampled) frame.

    Used for CTC: returns per-frame log-probabilities and the frame lengths.

    Shapes
    ------
    forward(x, lengths) -> (log_probs, lengths)
        ``log_probs`` is ``(batch, T', n_outputs)``.
    """

    def __init__(self, n_outputs, **backbone_kwargs):
        super().__init__()
        self.backbone = RNNBackbone(**backbone_kwargs)
        self.head = nn.Linear(self.backbone.output_size, n_outputs)

    def forward(self, x, lengths):
        outputs, lengths = self.backbone(x, lengths)
        return torch.log_softmax(self.head(outputs), dim=-1), lengths
