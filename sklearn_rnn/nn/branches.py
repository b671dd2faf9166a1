"""Branches: modules beside the recurrent layers, read by the head.

A branch takes the model's input ``(x, lengths)`` (after augmentation, before
frame stacking and the front end) and returns one feature vector per
sequence, which :class:`~sklearn_rnn.nn.heads.RNNSequenceModel` concatenates
to the pooled recurrent features before its head. :data:`BRANCHES` maps the
name a model is given (``RNNSequenceModel(branch={"name": "conv", ...})``) to
the class.
"""

import torch
from torch import nn

from .frontends import MaskedBatchNorm1d
from .utils import step_mask


class FCNBranch(nn.Module):
    """A fully convolutional branch beside the recurrent layers (LSTM-FCN).

    Blocks of ``Conv1d`` (stride 1, "same" length) → :class:`MaskedBatchNorm1d`
    → ReLU, then the mean over each sequence's real steps (global average
    pooling), as the FCN branch of LSTM-FCN (Karim et al., 2018) and the FCN
    of Wang et al. (2017): 128, 256 and 128 channels with kernels 8, 5 and 3
    by default. Optionally the per-feature mean and standard deviation of
    each sequence over its real steps (its level and amplitude, which a
    convolution followed by normalisation and a mean can lose) are appended.

    Exact on zero-padded batches: padded steps are set to zero before every
    convolution, so a real step near a sequence's end reads zeros beyond it
    as it would alone, the normalisation's statistics skip padding, and the
    means are over real steps only.

    Parameters
    ----------
    input_size : int
    channels : tuple of int, default=(128, 256, 128)
        One block per entry.
    kernels : tuple of int, default=(8, 5, 3)
        The blocks' kernel sizes (as many as ``channels``). An even kernel
        ``k`` reads ``k // 2`` steps before and ``k // 2 - 1`` after.
    levels : bool, default=False
        Append each sequence's per-feature mean and standard deviation.

    Shapes
    ------
    forward(x, lengths) -> Tensor of shape (batch, output_size)
        ``x`` is ``(batch, T, input_size)``; ``output_size`` is
        ``channels[-1]``, plus ``2 * input_size`` with ``levels``.
    """

    name = "conv"

    def __init__(self, input_size, channels=(128, 256, 128), kernels=(8, 5, 3), levels=False):
        super().__init__()
        channels, kernels = tuple(int(c) for c in channels), tuple(int(k) for k in kernels)
        if not channels or len(channels) != len(kernels):
            raise ValueError(
                f"FCNBranch needs one kernel per block; got channels={channels} and "
                f"kernels={kernels}."
            )
        self.kernels = kernels
        self.levels = bool(levels)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        size = input_size
        for width, kernel in zip(channels, kernels):
            # Left padding k // 2, right padding (k - 1) // 2: T steps out.
            self.convs.append(nn.Conv1d(size, width, kernel, bias=False))
            self.norms.append(MaskedBatchNorm1d(width))
            size = width
        self.output_size = size + (2 * input_size if self.levels else 0)

    def forward(self, x, lengths):
        """The branch's features of each sequence.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size)
            Zero-padded batch.
        lengths : Tensor of shape (batch,)
            True lengths.
        """
        lengths = lengths.to(x.device)
        mask = step_mask(lengths, x.shape[1])  # (batch, T)
        weights = mask.unsqueeze(1).to(x.dtype)  # (batch, 1, T)
        count = lengths.to(x.dtype).unsqueeze(1)  # (batch, 1)
        h = x.transpose(1, 2)  # (batch, features, T)
        for conv, norm, kernel in zip(self.convs, self.norms, self.kernels):
            h = nn.functional.pad(h * weights, (kernel // 2, (kernel - 1) // 2))
            h = torch.relu(norm(conv(h), mask))
        parts = [(h * weights).sum(dim=2) / count]
        if self.levels:
            inputs = x.transpose(1, 2) * weights
            mean = inputs.sum(dim=2) / count
            var = (((inputs - mean.unsqueeze(2)) * weights) ** 2).sum(dim=2) / count
            parts += [mean, torch.sqrt(var + 1e-12)]
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]


#: Branch modules by the name a model is given.
BRANCHES = {cls.name: cls for cls in (FCNBranch,)}
