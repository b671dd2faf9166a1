"""Front ends: modules between the input and the recurrent layers.

Each front end takes ``(x, lengths)`` of a zero-padded batch and returns
``(outputs, lengths)``, exact on padded batches, and has ``output_size`` and
``output_lengths(lengths)``. :data:`FRONTENDS` maps the name a backbone is
given (``RNNBackbone(frontend=("conv", {...}))``) to the class.
"""

import torch
from torch import nn

from .utils import step_mask


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

    name = "conv"

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

    def output_lengths(self, lengths):
        """Lengths after the blocks: ``ceil(L / s)`` per block of stride ``s``.

        Parameters
        ----------
        lengths : int, ndarray or Tensor
            Input lengths.
        """
        for stride in self.strides:
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


#: Front-end modules by the name a backbone is given.
FRONTENDS = {cls.name: cls for cls in (ConvFrontEnd,)}
