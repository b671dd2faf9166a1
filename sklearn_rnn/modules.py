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
    "ConvFrontEnd",
    "HashedNgramBag",
    "MaskedBatchNorm1d",
    "RNNBackbone",
    "RNNFrameModel",
    "RNNSequenceModel",
    "pool_sequences",
    "reverse_within_length",
    "check_pooling",
    "hash_ngrams",
    "augment_sequences",
    "mixup_batch",
    "step_mask",
    "subsample_frames",
]

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


def step_mask(lengths, steps):
    """Boolean ``(batch, steps)`` mask of the real steps.

    Parameters
    ----------
    lengths : Tensor of shape (batch,)
        True lengths.
    steps : int
        Padded length.
    """
    return torch.arange(steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def _augmentation(words, jitter, scaling, time_mask):
    """The keyword arguments of :func:`augment_sequences` a module applies in
    training: the non-zero ones, none for token input."""
    if words:
        return {}
    settings = (("jitter", jitter), ("scaling", scaling), ("time_mask", time_mask))
    return {name: float(value) for name, value in settings if value}


def augment_sequences(x, lengths, *, jitter=0.0, scaling=0.0, time_mask=0.0):
    """Randomly perturbed copy of a zero-padded float batch (training-time
    augmentation for small data, Um et al., 2017; Park et al., 2019).

    - ``jitter``: Gaussian noise of this standard deviation is added to every
      real step;
    - ``scaling``: each sequence's features are multiplied by factors drawn
      from N(1, scaling²), one per sequence and feature;
    - ``time_mask``: one span of up to this fraction of each sequence's real
      steps, at a random place, is set to zero (the mean of standardised
      input).

    Padding stays zero, so exactness on padded batches is kept. Random draws
    come from torch's generator (seeded by the estimator).

    Parameters
    ----------
    x : Tensor of shape (batch, T, features)
    lengths : Tensor of shape (batch,)
    jitter : float, default=0.0
        Standard deviation of the additive noise; 0: none.
    scaling : float, default=0.0
        Standard deviation of the multiplicative factors around 1; 0: none.
    time_mask : float, default=0.0
        Largest fraction of a sequence's real steps set to zero; 0: none.
    """
    lengths = lengths.to(x.device)
    batch, steps, features = x.shape
    mask = step_mask(lengths, steps).unsqueeze(-1).to(x.dtype)
    if scaling > 0:
        x = x * (1.0 + scaling * torch.randn(batch, 1, features, device=x.device, dtype=x.dtype))
    if jitter > 0:
        x = x + jitter * torch.randn_like(x) * mask
    if time_mask > 0:
        span = torch.floor(torch.rand(batch, device=x.device) * time_mask * lengths).long()
        start = torch.floor(torch.rand(batch, device=x.device) * (lengths - span + 1)).long()
        step = torch.arange(steps, device=x.device).unsqueeze(0)
        hidden = (step >= start.unsqueeze(1)) & (step < (start + span).unsqueeze(1))
        x = x.masked_fill(hidden.unsqueeze(-1), 0.0)
    return x * mask


def resample_to_lengths(x, lengths, target_lengths):
    """Each sequence of a zero-padded batch stretched or squeezed, by linear
    interpolation, to its target length (first step to first step, last to
    last); steps beyond the target length are zero.

    Parameters
    ----------
    x : Tensor of shape (batch, T, features)
    lengths, target_lengths : Tensor of shape (batch,)
        Each target length is at most ``T``.

    Returns
    -------
    Tensor of shape (batch, T, features)
    """
    steps = x.shape[1]
    lengths = lengths.to(x.device)
    target_lengths = target_lengths.to(x.device)
    step = torch.arange(steps, device=x.device, dtype=x.dtype).unsqueeze(0)
    scale = (lengths - 1).to(x.dtype) / (target_lengths - 1).clamp(min=1).to(x.dtype)
    position = step * scale.unsqueeze(1)
    last = (lengths - 1).unsqueeze(1)
    before = torch.minimum(position.floor().long(), last)
    after = torch.minimum(before + 1, last)
    weight = (position - before.to(x.dtype)).clamp(0.0, 1.0).unsqueeze(-1)
    features = x.shape[2]
    left = x.gather(1, before.unsqueeze(-1).expand(-1, -1, features))
    right = x.gather(1, after.unsqueeze(-1).expand(-1, -1, features))
    mask = step_mask(target_lengths, steps).unsqueeze(-1).to(x.dtype)
    return (left + weight * (right - left)) * mask


def mixup_batch(x, lengths, alpha):
    """Mixup of a zero-padded float batch (Zhang et al., 2018).

    Each sequence is mixed with a partner drawn by a random permutation of
    the batch: ``lam * x + (1 - lam) * partner``, with one ``lam`` per batch
    drawn from Beta(alpha, alpha) and folded to at least 0.5, so that each
    sequence dominates its mix (and keeps its sample weight and its length).
    A partner of another length is first resampled to the sequence's length
    by linear interpolation (:func:`resample_to_lengths`), so that real
    steps meet real steps, never padding; partners of the same length are
    taken as they are. The loss then weighs the two labels by ``lam`` and
    ``1 - lam``. Random draws come from torch's generator (seeded by the
    estimator).

    Parameters
    ----------
    x : Tensor of shape (batch, T, features)
    lengths : Tensor of shape (batch,)
    alpha : float
        Beta's concentration; larger values mix more evenly.

    Returns
    -------
    x_mixed : Tensor of shape (batch, T, features)
    lengths : Tensor of shape (batch,)
        The sequences' own lengths.
    partner : Tensor of int64 of shape (batch,)
    lam : float
    """
    lam = float(torch.distributions.Beta(float(alpha), float(alpha)).sample())
    lam = max(lam, 1.0 - lam)
    partner = torch.randperm(len(x)).to(x.device)
    other = x[partner]
    partner_lengths = lengths[partner.to(lengths.device)]
    if not torch.equal(partner_lengths, lengths):
        other = resample_to_lengths(other, partner_lengths, lengths)
    return lam * x + (1.0 - lam) * other, lengths, partner, lam


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` over ``(batch, channels, T)`` whose statistics skip padding.

    In training the batch mean and variance are taken over real steps only,
    so padding never shifts them; at inference the running statistics are
    used, as in ``BatchNorm1d``, and each step is normalised on its own.
    """

    def forward(self, x, mask):
        """Normalise ``x``.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, T)
        mask : Tensor of bool of shape (batch, T)
            The real steps; only they enter the training statistics.
        """
        if not self.training:
            return super().forward(x)
        weights = mask.unsqueeze(1).to(x.dtype)  # (batch, 1, T)
        count = weights.sum().clamp(min=1)
        mean = (x * weights).sum(dim=(0, 2)) / count
        var = (((x - mean[None, :, None]) ** 2) * weights).sum(dim=(0, 2)) / count
        with torch.no_grad():
            unbiased = var * count / (count - 1).clamp(min=1)
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(unbiased, self.momentum)
            self.num_batches_tracked += 1
        x = (x - mean[None, :, None]) / torch.sqrt(var[None, :, None] + self.eps)
        return x * self.weight[None, :, None] + self.bias[None, :, None]


class ConvFrontEnd(nn.Module):
    """Convolution blocks that summarise, and optionally shorten, the input.

    Each block is ``Conv1d`` (kernel ``2 * max(stride, 2) + 1``, zero padding
    of half the kernel, the block's stride) → :class:`MaskedBatchNorm1d` →
    ReLU, as in the FCN and LSTM-FCN models of time-series classification
    and the front ends of CRNN and DeepSpeech2. A block of stride ``s`` maps
    a length ``L`` to ``ceil(L / s)``.

    It is exact on zero-padded batches: padded steps are set to zero before
    every convolution, so a real step near a sequence's end reads the same
    zeros beyond it as it would alone (the convolution's own padding), and
    the normalisation's statistics skip padding.

    Parameters
    ----------
    input_size : int
    channels : int, default=64
    strides : tuple of int, default=(1, 1, 1)
        One block per entry.

    Shapes
    ------
    forward(x, lengths) -> (outputs, lengths)
        ``x`` is ``(batch, T, input_size)``; ``outputs`` is
        ``(batch, T', channels)``.
    """

    def __init__(self, input_size, channels=64, strides=(1, 1, 1)):
        super().__init__()
        self.strides = tuple(int(s) for s in strides)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for block, stride in enumerate(self.strides):
            kernel = 2 * max(stride, 2) + 1
            self.convs.append(
                nn.Conv1d(
                    input_size if block == 0 else channels,
                    channels,
                    kernel,
                    stride=stride,
                    padding=kernel // 2,
                    bias=False,
                )
            )
            self.norms.append(MaskedBatchNorm1d(channels))
        self.output_size = channels

    @staticmethod
    def output_lengths(lengths, strides):
        """Lengths after blocks of the given strides: ``ceil(L / s)`` per block.

        Parameters
        ----------
        lengths : int, ndarray or Tensor
            Input lengths.
        strides : sequence of int
            The blocks' strides.
        """
        for stride in strides:
            lengths = -(-lengths // stride)
        return lengths

    def forward(self, x, lengths):
        """Apply the blocks.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size)
            Zero-padded batch.
        lengths : Tensor of shape (batch,)
            True lengths.
        """
        x = x.transpose(1, 2)  # (batch, channels, T)
        for conv, norm, stride in zip(self.convs, self.norms, self.strides):
            x = x * step_mask(lengths, x.shape[2]).unsqueeze(1).to(x.dtype)
            x = conv(x)
            lengths = -(-lengths // stride)
            mask = step_mask(lengths, x.shape[2])
            x = torch.relu(norm(x, mask))
        x = x * step_mask(lengths, x.shape[2]).unsqueeze(1).to(x.dtype)
        return x.transpose(1, 2), lengths


#: Multiplier and modulus of the n-gram hash: a polynomial hash of the ids,
#: reduced after every word so that it never overflows int64.
_NGRAM_HASH_MULTIPLIER, _NGRAM_HASH_MODULUS = 1_000_003, 2_147_483_647
#: Bags (``RNNSequenceModel(bag=...)``): the features alone, or joined to the pooled ones.
BAGS = ("only", "join")
#: Standard deviation of the word rows' initial values when a bag reads them.
BAG_INIT_STD = 0.1


def _reads_bag_only(bag, vocab_size):
    """Whether an :class:`RNNSequenceModel` with these arguments reads its bag
    alone, and so builds no recurrent layers (float input never has a bag)."""
    return bag == "only" and vocab_size is not None


def hash_ngrams(x, n, n_buckets):
    """Bucket of each ``n``-gram of consecutive ids: ``(batch, T - n + 1)`` int64.

    Parameters
    ----------
    x : Tensor of int64 of shape (batch, T)
        Token ids; ``T >= n``.
    n : int
        Words per n-gram.
    n_buckets : int
    """
    steps = x.shape[1] - n + 1
    hashed = x[:, :steps]
    for offset in range(1, n):
        hashed = (hashed * _NGRAM_HASH_MULTIPLIER + x[:, offset : offset + steps]) % (
            _NGRAM_HASH_MODULUS
        )
    # Mix in n, so that n-grams of different orders rarely share a bucket.
    return (hashed * n) % n_buckets


class HashedNgramBag(nn.Module):
    """Mean embedding of each sequence's words and word n-grams (fastText).

    Words take their rows from a word embedding passed to :meth:`forward`
    (the backbone's, so that pretrained vectors serve both); each n-gram of
    2 to ``ngrams`` consecutive words is hashed into one of ``n_buckets``
    rows of this module's own table (Joulin et al., 2017). A sequence becomes
    the mean of the rows of its words and n-grams. Only words and n-grams
    within a sequence's true length enter the mean: padding never does.

    In training, each word and n-gram is left out of the mean with
    probability ``dropout`` (word dropout, as in the deep averaging networks
    of Iyyer et al., 2015).

    Parameters
    ----------
    embedding_dim : int
    ngrams : int, default=1
        Longest n-gram; 1 keeps the words alone (no table).
    n_buckets : int, default=2**14
        Rows of the n-gram table, shared by hashing.
    dropout : float, default=0.0
        Word dropout.

    Shapes
    ------
    forward(x, lengths, words) -> Tensor of shape (batch, embedding_dim)
        ``x`` is ``(batch, T)`` int64, zero-padded; ``words`` is its word
        embedding, ``(batch, T, embedding_dim)``.
    """

    def __init__(self, embedding_dim, ngrams=1, n_buckets=2**14, dropout=0.0):
        super().__init__()
        self.ngrams = int(ngrams)
        self.n_buckets = int(n_buckets)
        self.dropout = float(dropout)
        self.embedding = nn.Embedding(n_buckets, embedding_dim) if self.ngrams > 1 else None
        self.output_size = embedding_dim

    def forward(self, x, lengths, words):
        """The mean embedding of each sequence.

        Parameters
        ----------
        x : Tensor of int64 of shape (batch, T)
        lengths : Tensor of shape (batch,)
        words : Tensor of shape (batch, T, embedding_dim)
        """
        lengths = lengths.to(x.device)
        total, count = 0, 0
        for n in range(1, min(self.ngrams, x.shape[1]) + 1):
            rows = words if n == 1 else self.embedding(hash_ngrams(x, n, self.n_buckets))
            # An n-gram is real when its last word is: it starts before length - n + 1.
            mask = step_mask((lengths - n + 1).clamp(min=0), rows.shape[1])
            if self.training and self.dropout > 0:
                mask = mask & (torch.rand(mask.shape, device=mask.device) >= self.dropout)
            total = total + (rows * mask.unsqueeze(-1).to(rows.dtype)).sum(1)
            count = count + mask.sum(1)
        # A sequence whose every word was dropped gets the zero vector.
        return total / count.clamp(min=1).unsqueeze(1).to(total.dtype)


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
        Frame-stacking factor applied before the front end.
    frontend : {"conv"} or None, default=None
        A :class:`ConvFrontEnd` between the input and the recurrent layers.
    frontend_channels : int, default=64
        Channels of the front end's blocks.
    frontend_strides : tuple of int, default=(1, 1, 1)
        One front-end block per entry, with that stride.
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
        frontend_channels=64,
        frontend_strides=(1, 1, 1),
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
        if frontend == "conv":
            self.frontend = ConvFrontEnd(input_size, frontend_channels, frontend_strides)
            input_size = self.frontend.output_size
        elif frontend is not None:
            raise ValueError(f"frontend must be 'conv' or None; got {frontend!r}.")
        if cell is None:
            if self.frontend is None:
                raise ValueError(
                    "cell=None (no recurrent layers) reads the front end's outputs; "
                    "set frontend='conv' (or 'auto')."
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
            lengths = ConvFrontEnd.output_lengths(lengths, self.frontend.strides)
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


class RNNSequenceModel(nn.Module):
    """Backbone, pooling and a linear head: one output vector per sequence.

    Parameters
    ----------
    n_outputs : int
        Size of the head (classes or regression targets).
    pooling : str, default="last"
        One of :data:`POOLINGS`, or several joined by "+" (concatenated).
    bag : {"only", "join"} or None, default=None
        For token input (``vocab_size`` given): a :class:`HashedNgramBag` over
        the backbone's word embedding. "only": the head reads the bag alone
        and the recurrent layers are not run (fastText, a deep averaging
        network); "join": the bag is concatenated to the pooled recurrent
        features (a wide-and-deep skip). Ignored for float input. With a bag,
        the word embedding starts from N(0, 0.1²) rather than N(0, 1). With
        "only", the backbone is built with ``recurrent=False`` (its word
        embedding alone) and no attention layer is built: the model holds
        no weight that its forward pass does not read.
    bag_ngrams : int, default=1
        Longest word n-gram of the bag.
    bag_buckets : int, default=2**14
        Hash buckets of the bag's n-grams.
    bag_dropout : float, default=0.0
        Word dropout of the bag.
    augment_jitter, augment_scaling, augment_time_mask : float, default=0.0
        For float input, in training only: :func:`augment_sequences`'s
        ``jitter``, ``scaling`` and ``time_mask``. Ignored for token input.
    **backbone_kwargs
        Passed to :class:`RNNBackbone` (``input_size`` included).

    Shapes
    ------
    forward(x, lengths) -> Tensor of shape (batch, n_outputs): logits or values.
    """

    def __init__(
        self,
        n_outputs,
        *,
        pooling="last",
        bag=None,
        bag_ngrams=1,
        bag_buckets=2**14,
        bag_dropout=0.0,
        augment_jitter=0.0,
        augment_scaling=0.0,
        augment_time_mask=0.0,
        **backbone_kwargs,
    ):
        super().__init__()
        if not check_pooling(pooling):
            raise ValueError(
                f"pooling must be one of {POOLINGS} or several joined by '+'; got {pooling!r}."
            )
        if bag is not None and bag not in BAGS:
            raise ValueError(f"bag must be one of {BAGS} or None; got {bag!r}.")
        self.pooling = pooling
        words = backbone_kwargs.get("vocab_size") is not None
        bag_only = _reads_bag_only(bag, backbone_kwargs.get("vocab_size"))
        self.backbone = RNNBackbone(**backbone_kwargs, recurrent=not bag_only)
        self.attention, features = None, 0
        if not bag_only:
            size = self.backbone.output_size
            self.attention = nn.Linear(size, 1) if "attention" in pooling.split("+") else None
            features = size * len(pooling.split("+"))
        self.bag = self.ngram_bag = None
        if bag is not None and words:
            self.bag = bag
            embedding = self.backbone.embedding
            self.ngram_bag = HashedNgramBag(
                embedding.embedding_dim, bag_ngrams, bag_buckets, bag_dropout
            )
            # Small rows, as fastText's: a mean over many words starts near zero
            # and learns the words that matter (measured: benchmarks/README.md).
            for table in (embedding, self.ngram_bag.embedding):
                if table is not None:
                    with torch.no_grad():
                        table.weight.normal_(0.0, BAG_INIT_STD)
            features += self.ngram_bag.output_size
        self.augmentation = _augmentation(words, augment_jitter, augment_scaling, augment_time_mask)
        self.head = nn.Linear(features, n_outputs)

    def forward(self, x, lengths):
        if self.training and self.augmentation:
            x = augment_sequences(x, lengths, **self.augmentation)
        parts = []
        if self.bag != "only":
            outputs, frames = self.backbone(x, lengths)
            parts.append(
                pool_sequences(
                    outputs, frames, self.pooling, self.backbone.bidirectional, self.attention
                )
            )
        if self.bag is not None:
            words = self.backbone.embedding(x)
            parts.append(self.ngram_bag(x, lengths, words))
        pooled = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
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

    Parameters
    ----------
    n_outputs : int
        Size of the head (labels and the blank).
    augment_jitter, augment_scaling, augment_time_mask : float, default=0.0
        For float input, in training only: :func:`augment_sequences`'s
        ``jitter``, ``scaling`` and ``time_mask`` (SpecAugment's time
        masking for CTC). Ignored for token input.
    **backbone_kwargs
        Passed to :class:`RNNBackbone` (``input_size`` included).

    Shapes
    ------
    forward(x, lengths) -> (log_probs, lengths)
        ``log_probs`` is ``(batch, T', n_outputs)``.
    """

    def __init__(
        self,
        n_outputs,
        *,
        augment_jitter=0.0,
        augment_scaling=0.0,
        augment_time_mask=0.0,
        **backbone_kwargs,
    ):
        super().__init__()
        self.backbone = RNNBackbone(**backbone_kwargs)
        self.head = nn.Linear(self.backbone.output_size, n_outputs)
        self.augmentation = _augmentation(
            backbone_kwargs.get("vocab_size") is not None,
            augment_jitter,
            augment_scaling,
            augment_time_mask,
        )

    def forward(self, x, lengths):
        if self.training and self.augmentation:
            x = augment_sequences(x, lengths, **self.augmentation)
        outputs, lengths = self.backbone(x, lengths)
        return torch.log_softmax(self.head(outputs), dim=-1), lengths
