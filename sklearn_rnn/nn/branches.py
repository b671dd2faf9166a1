"""Branches: modules beside the recurrent layers, read by the head.

A branch takes the model's input ``(x, lengths)`` (after augmentation, before
frame stacking and the front end) and returns one feature vector per
sequence, which :class:`~sklearn_rnn.nn.heads.RNNSequenceModel` concatenates
to the pooled recurrent features before its head. :data:`BRANCHES` maps the
name a model is given (``RNNSequenceModel(branch={"name": "conv", ...})``) to
the class.

A branch whose output depends only on the input and on buffers fixed before
training (``fixed = True``: :class:`MiniRocketBranch`) may be given its
features precomputed: the estimator computes them once over the training
set, and the model reads them from the batch instead of recomputing them at
every step.
"""

import math

import numpy as np
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


#: MiniRocket's 84 kernels: the positions (of 9) of the three weights of 2
#: (the six others are -1), every combination of 3 of 9 in order.
MINIROCKET_INDICES = tuple(
    (a, b, c) for a in range(9) for b in range(a + 1, 9) for c in range(b + 1, 9)
)

#: The golden ratio: MiniRocket's low-discrepancy quantiles are
#: ``(i * phi) % 1`` for the features i = 1, 2, ...
GOLDEN_RATIO = (math.sqrt(5.0) + 1.0) / 2.0


#: The ridge penalties a ridge over a fixed branch's features chooses from by
#: leave-one-out error: MiniRocket's ``RidgeClassifierCV(alphas=np.logspace(-3,
#: 3, 10))``.
RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))


def ridge_loo(features, targets, weights=None, alphas=RIDGE_ALPHAS, chunk=4096):
    """A ridge regression with an intercept, its penalty chosen by exact
    leave-one-out error, in closed form (one eigendecomposition).

    The criterion is scikit-learn's ``RidgeCV``/``RidgeClassifierCV`` with
    their default efficient leave-one-out (their ``_RidgeGCV``): the
    (weighted) mean over samples and targets of the squared leave-one-out
    residuals ``e_i / (1 - h_ii)``, ``h`` the hat matrix's diagonal (the
    intercept's ``w_i / sum(w)`` included). The first penalty of the
    smallest error wins. With ``n_samples <= n_features`` the Gram matrix
    ``X X^T`` is decomposed, else ``X^T X`` (accumulated over chunks of
    rows). Computed in float64.

    Parameters
    ----------
    features : Tensor of shape (n_samples, n_features)
    targets : Tensor of shape (n_samples, n_targets)
    weights : Tensor of shape (n_samples,) or None, default=None
        Sample weights (weighted least squares).
    alphas : sequence of float, default=RIDGE_ALPHAS
        Penalties to choose from.
    chunk : int, default=4096
        Rows per chunk where ``n_samples > n_features``.

    Returns
    -------
    coef : Tensor of shape (n_features, n_targets)
    intercept : Tensor of shape (n_targets,)
    alpha : float
        The chosen penalty.
    loo : Tensor of shape (n_samples, n_targets)
        Each sample's prediction by the ridge (of that penalty) fitted
        without it.
    """
    n, p = features.shape
    Y = targets.double().reshape(n, -1)
    w = torch.ones(n, dtype=torch.float64) if weights is None else weights.double().reshape(n)
    total = w.sum()
    x_mean = (w @ features.double()) / total
    y_mean = (w @ Y) / total
    sw = w.sqrt()[:, None]
    Yc = (Y - y_mean) * sw
    # A sample of weight 0 has a zero row in the weighted problem: it changes
    # no fit, so its leave-one-out prediction is the full fit's (set below).
    weighted = (w > 0)[:, None]
    sw_safe = torch.where(weighted, sw, torch.ones_like(sw))
    alphas = [float(a) for a in alphas]
    if n <= p:
        Xc = (features.double() - x_mean) * sw
        gram = Xc @ Xc.T
        eigenvalues, Q = torch.linalg.eigh(gram)
        eigenvalues = eigenvalues.clamp(min=0.0)
        QtY = Q.T @ Yc
        Q2 = Q * Q
    else:
        gram = torch.zeros(p, p, dtype=torch.float64)
        XtY = torch.zeros(p, Y.shape[1], dtype=torch.float64)
        for start in range(0, n, chunk):
            part = (features[start : start + chunk].double() - x_mean) * sw[start : start + chunk]
            gram += part.T @ part
            XtY += part.T @ Yc[start : start + chunk]
        eigenvalues, V = torch.linalg.eigh(gram)
        eigenvalues = eigenvalues.clamp(min=0.0)
        VtXtY = V.T @ XtY
        # Rows of X V (chunked): the fitted values and the hat's diagonal.
        XV = torch.cat(
            [
                ((features[s : s + chunk].double() - x_mean) * sw[s : s + chunk]) @ V
                for s in range(0, n, chunk)
            ]
        )
        XV2 = XV * XV
    intercept_hat = w / total
    best = None
    for alpha in alphas:
        if n <= p:
            shrink = eigenvalues / (eigenvalues + alpha)
            fitted = Q @ (shrink[:, None] * QtY)
            hat = Q2 @ shrink + intercept_hat
        else:
            inverse = 1.0 / (eigenvalues + alpha)
            fitted = XV @ (inverse[:, None] * VtXtY)
            hat = XV2 @ inverse + intercept_hat
        # Unscaled: y_i - prediction_i (0 for weight 0, which the error ignores).
        residual = torch.where(weighted, (Yc - fitted) / sw_safe, torch.zeros_like(fitted))
        loo_residual = residual / (1.0 - hat).clamp(min=1e-12)[:, None]
        error = float((w[:, None] * loo_residual**2).sum() / (total * Y.shape[1]))
        if best is None or error < best[0]:
            best = (error, alpha, loo_residual)
    _, alpha, loo_residual = best
    if n <= p:
        coef = Xc.T @ (Q @ (QtY / (eigenvalues + alpha)[:, None]))
    else:
        coef = V @ (VtXtY / (eigenvalues + alpha)[:, None])
    intercept = y_mean - x_mean @ coef
    loo = Y - loo_residual
    if not bool(weighted.all()):
        unweighted = ~weighted[:, 0]
        loo[unweighted] = features[unweighted].double() @ coef + intercept
    return coef, intercept, alpha, loo


def minirocket_dilations(reference_length, n_features, max_dilations):
    """MiniRocket's dilations and the features per kernel at each.

    ``max_dilations`` (at most the features per kernel) exponents spaced
    evenly from 1 to ``(reference_length - 1) / 8``, rounded down to
    integers; a dilation met several times gets as many shares of the
    ``n_features // 84`` features per kernel, the remainder dealt from the
    smallest dilation on (``_fit_dilations`` of Dempster et al.'s code).

    Returns
    -------
    dilations : list of int
    features_per_dilation : list of int
    """
    per_kernel = max(int(n_features), 84) // 84
    count = min(per_kernel, int(max_dilations))
    multiplier = per_kernel / count
    max_exponent = math.log2(max(int(reference_length) - 1, 8) / 8)
    raw = np.logspace(0, max_exponent, count, base=2).astype(np.int32)
    dilations, counts = np.unique(raw, return_counts=True)
    counts = (counts * multiplier).astype(np.int64)
    remainder, i = per_kernel - int(counts.sum()), 0
    while remainder > 0:
        counts[i] += 1
        remainder -= 1
        i = (i + 1) % len(counts)
    return [int(d) for d in dilations], [int(c) for c in counts]


class MiniRocketBranch(nn.Module):
    """MiniRocket's features (Dempster et al., 2021) as a branch: fixed
    dilated kernels, data-fitted biases, proportions of positive values.

    The 84 kernels of length 9 (three weights of 2, six of -1) are applied at
    dilations spaced exponentially up to ``(reference_length - 1) / 8``
    (:func:`minirocket_dilations`). Each (dilation, kernel) pair reads the
    sum of a random subset of the input's features (1 to 9 of them, as
    MiniRocket's multivariate version draws them) and yields as many
    features as its dilation's share: the proportion of the sequence's
    steps where the convolution exceeds a bias (PPV). The biases are
    quantiles (low-discrepancy, from the golden ratio) of the convolution of
    a random training sequence, set by :meth:`fit`, which also sets the
    features' means and standard deviations over the training sequences:
    the branch's output is standardised.

    Half of the pairs, alternating with the kernel and the dilation, count
    every step of the "same"-padded convolution; the others only the steps
    whose kernel lies wholly inside the sequence (all steps when none do,
    on a sequence shorter than the kernel's span). PPV counts a sequence's
    real steps only, so a sequence's features are the same alone as in a
    zero-padded batch: each dilation's convolutions are one matrix product
    of the kernels' weights (-1, 0 or 2: exact products) with the input's 9
    shifted copies, whose sums run over the kernel's positions and the
    input's features, in an order that the batch and the number of steps
    do not change (bitwise the same on the CPU builds tested; were a
    library to round a sum otherwise, a feature could move by one step,
    ``1 / length``, where an output ties with a bias).

    Speed: about 2x sktime's numba transform at one thread
    (``benchmarks/rocket_branch.py``): the product per dilation, then
    ``torch.gt`` into a reused float buffer and a sum per bias, a few
    sequences at a time so that the outputs stay in the cache.

    Nothing in it is trained (``fixed``): the model may be given its
    features precomputed.

    Parameters
    ----------
    input_size : int
    reference_length : int
        The length the dilations are spread over (the longest training
        sequence, at least 9).
    n_features : int, default=9996
        Features wanted; rounded down to a multiple of 84 (at least 84).
    max_dilations : int, default=32
        Most dilations per kernel.
    seed : int, default=0
        Draws the features' subsets (and, in :meth:`fit`, the sequences
        whose convolutions give the biases).
    ridge_outputs : int or None, default=None
        None: the branch outputs its standardised features. An int: it
        outputs the scores of a ridge regression over them, of this many
        targets, fitted in closed form by :meth:`fit_ridge` (MiniRocket's
        classifier, Dempster et al., 2021).

    Shapes
    ------
    forward(x, lengths) -> Tensor of shape (batch, output_size)
        The standardised features (``output_size`` is the attribute
        ``n_features``, the features computed: ``84 * (n_features // 84)``),
        or with ``ridge_outputs`` the ridge's scores of them (``output_size
        = ridge_outputs``).
    """

    name = "minirocket"
    #: Its output depends on the input and fixed buffers only.
    fixed = True

    def __init__(
        self,
        input_size,
        reference_length,
        n_features=9996,
        max_dilations=32,
        seed=0,
        ridge_outputs=None,
    ):
        super().__init__()
        self.input_size = int(input_size)
        self.reference_length = max(int(reference_length), 9)
        self.seed = int(seed)
        self.dilations, self.features_per_dilation = minirocket_dilations(
            self.reference_length, n_features, max_dilations
        )
        n_kernels = len(MINIROCKET_INDICES)
        self.output_size = n_kernels * sum(self.features_per_dilation)
        rng = np.random.default_rng(self.seed)
        # Which input features each (dilation, kernel) pair sums.
        channels = min(self.input_size, 9)
        mask = np.zeros((len(self.dilations), n_kernels, self.input_size), dtype=np.float32)
        counts = (2 ** rng.uniform(0, math.log2(channels + 1), mask.shape[:2])).astype(int)
        for d in range(len(self.dilations)):
            for k in range(n_kernels):
                chosen = rng.choice(self.input_size, min(counts[d, k], channels), replace=False)
                mask[d, k, chosen] = 1.0
        self.register_buffer("channel_mask", torch.from_numpy(mask))
        self.register_buffer("indices", torch.tensor(MINIROCKET_INDICES, dtype=torch.int64))
        size = self.output_size
        self.register_buffer("biases", torch.zeros(size))
        self.register_buffer("mean", torch.zeros(size))
        self.register_buffer("std", torch.ones(size))
        self.ridge_outputs = None if ridge_outputs is None else int(ridge_outputs)
        self.n_features = size
        if self.ridge_outputs is not None:
            # A ridge over the standardised features (set by fit_ridge): the
            # branch outputs its scores.
            self.register_buffer("ridge_coef", torch.zeros(size, self.ridge_outputs))
            self.register_buffer("ridge_intercept", torch.zeros(self.ridge_outputs))
            self.register_buffer("ridge_alpha", torch.ones((), dtype=torch.float64))
            self.output_size = self.ridge_outputs

    def _slices(self):
        start = 0
        for d, (dilation, count) in enumerate(zip(self.dilations, self.features_per_dilation)):
            stop = start + len(MINIROCKET_INDICES) * count
            yield d, dilation, count, start, stop
            start = stop

    def _weights(self, d):
        """The 84 kernels at dilation index ``d`` as a ``conv1d`` weight
        ``(84, input_size, 9)``: each kernel's weights on the features its
        pair sums, zero on the others (convolving a sum of features is
        summing their convolutions)."""
        base = torch.full((len(MINIROCKET_INDICES), 9), -1.0, device=self.indices.device)
        base.scatter_(1, self.indices, 2.0)
        return self.channel_mask[d][:, :, None] * base[:, None, :]

    def _shifted(self, x, dilation):
        """The input's 9 shifted copies (kernel positions), zero beyond its
        ends: ``(batch, input_size * 9, T)``, feature-major."""
        steps, pad = x.shape[1], 4 * dilation
        h = nn.functional.pad(x.transpose(1, 2), (pad, pad))  # (batch, features, T + 2 pad)
        shifted = torch.stack([h[:, :, g * dilation : g * dilation + steps] for g in range(9)], 2)
        return shifted.flatten(1, 2)

    def _convolve(self, x, d, dilation):
        """The 84 kernels' outputs at one dilation, each over its features'
        sum: ``(batch, 84, T)``, "same"-padded with zeros, for a batch zero
        beyond each sequence's end.

        A matrix product of the ``(84, input_size * 9)`` weights and the
        shifted copies: the weights are -1, 0 or 2, so every product is
        exact and only the order of the sums rounds, which the product's
        inner dimension (``input_size * 9``) fixes, not the batch or the
        number of steps (a sequence's outputs are the same alone as in a
        batch)."""
        weight = self._weights(d).to(x.dtype).flatten(1)
        return weight @ self._shifted(x, dilation)

    def _step_masks(self, lengths, steps, dilation, device):
        """``(full, inner)`` masks ``(batch, T)``: the real steps, and those
        whose kernel lies inside the sequence (all real steps where none do)."""
        t = torch.arange(steps, device=device)
        lengths = lengths.to(device)
        full = t[None, :] < lengths[:, None]
        pad = 4 * dilation
        inner = full & (t[None, :] >= pad) & (t[None, :] < (lengths - pad)[:, None])
        long = (lengths > 2 * pad)[:, None]
        inner = (inner & long) | (full & ~long)
        return full, inner

    def transform(self, x, lengths, budget=2**23):
        """The PPV features, not standardised: ``(batch, n_features)``.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size)
            Zero-padded batch (padding may hold anything: it is zeroed).
        lengths : Tensor of shape (batch,)
            True lengths.
        budget : int, default=2**23
            A batch of more kernel outputs than this (84 x batch x T at one
            dilation) is computed in parts, each sequence's features the
            same either way.
        """
        exporting = torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
        large = len(MINIROCKET_INDICES) * x.shape[0] * x.shape[1] > budget
        if not exporting and len(x) > 1 and large:
            half = len(x) // 2
            return torch.cat(
                [self.transform(x[:half], lengths[:half]), self.transform(x[half:], lengths[half:])]
            )
        x = x.float()
        steps = x.shape[1]
        lengths = lengths.to(x.device)
        x = x * (torch.arange(steps, device=x.device)[None, :] < lengths[:, None])[..., None]
        parts = []
        n_kernels = len(MINIROCKET_INDICES)
        for d, dilation, count, start, stop in self._slices():
            full, inner = self._step_masks(lengths, steps, dilation, x.device)
            # Padding alternates with the kernel and the dilation: kernel k
            # counts every real step when d + k is even. Steps not counted
            # are set to -inf, never above a bias.
            pair = ~torch.stack([full, inner] if d % 2 == 0 else [inner, full], dim=1)
            n = (
                (~pair).sum(dim=2).to(x.dtype).repeat(1, n_kernels // 2)[:, :, None]
            )  # (batch, 84, 1)
            biases = self.biases[start:stop].view(n_kernels, count)
            # A few sequences at a time (about 2**18 outputs, which stay in
            # the cache), one bias at a time; the 0/1 floats' sums are exact
            # counts up to 2**24 steps.
            rows = max(1, 2**18 // (n_kernels * steps))
            chunks = [(x, pair, n)]  # a graph computes the whole batch
            if not exporting and rows < len(x):
                chunks = [
                    (x[i : i + rows], pair[i : i + rows], n[i : i + rows])
                    for i in range(0, len(x), rows)
                ]
            ppv = []
            for xs, skipped, ns in chunks:
                conv = self._convolve(xs, d, dilation)  # (rows, 84, T)
                if exporting:
                    conv = conv.unflatten(1, (n_kernels // 2, 2))
                    conv = conv.masked_fill(skipped[:, None], -math.inf).flatten(1, 2)
                else:
                    conv.unflatten(1, (n_kernels // 2, 2)).masked_fill_(skipped[:, None], -math.inf)
                above = torch.empty_like(conv)
                counts = []
                for j in range(count):
                    if exporting:
                        above = (conv > biases[:, j, None]).to(conv.dtype)
                    else:  # 1.0 where above, 0.0 elsewhere, written in place
                        torch.gt(conv, biases[:, j, None], out=above)
                    counts.append(above.sum(dim=2))
                ppv.append(torch.stack(counts, dim=2) / ns)  # (rows, 84, count)
            parts.append(torch.cat(ppv).flatten(1))  # feature k * count + j
        return torch.cat(parts, dim=1)

    def forward(self, x, lengths):
        """The standardised features of each sequence.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size)
            Zero-padded batch.
        lengths : Tensor of shape (batch,)
            True lengths.
        """
        return self.project(self.standardise(self.transform(x, lengths)))

    def project(self, features):
        """The branch's output from its standardised features: the features
        themselves, or with ``ridge_outputs`` the ridge's scores (computed in
        float64, so that a sequence's scores do not depend on its batch).

        Parameters
        ----------
        features : Tensor of shape (n_samples, n_features)
            Standardised features (:meth:`standardise`).
        """
        if self.ridge_outputs is None:
            return features
        coef = self.ridge_coef.to(features.device).double()
        intercept = self.ridge_intercept.to(features.device).double()
        return (features.double() @ coef + intercept).to(features.dtype)

    @torch.no_grad()
    def fit_ridge(self, features, targets, weights=None):
        """Fit the ridge over the standardised training features
        (:func:`ridge_loo`: its penalty chosen by leave-one-out error among
        :data:`RIDGE_ALPHAS`) and return each training sequence's
        leave-one-out scores.

        Parameters
        ----------
        features : Tensor of shape (n_samples, n_features)
            The training sequences' standardised features.
        targets : Tensor of shape (n_samples, ridge_outputs)
            What the ridge fits (for classes, one column per class of +1
            and -1, as ``RidgeClassifierCV``).
        weights : Tensor of shape (n_samples,) or None, default=None
            Sample weights.

        Returns
        -------
        loo : Tensor of shape (n_samples, ridge_outputs)
            float64, on the CPU.
        """
        coef, intercept, alpha, loo = ridge_loo(features.cpu(), targets.cpu(), weights)
        self.ridge_coef.copy_(coef.to(self.ridge_coef))
        self.ridge_intercept.copy_(intercept.to(self.ridge_intercept))
        self.ridge_alpha.fill_(alpha)
        return loo

    @torch.no_grad()
    def fit(self, batches, lengths):
        """Set the biases and the standardisation from training sequences.

        Parameters
        ----------
        batches : callable
            ``batches(indices)`` returns the zero-padded batch ``(x,
            lengths)`` of the training sequences at ``indices`` (an array
            of positions, possibly repeated).
        lengths : ndarray of shape (n_samples,)
            The training sequences' lengths.

        Returns
        -------
        features : Tensor of shape (n_samples, n_features)
            The training sequences' standardised features, on the CPU.
        """
        rng = np.random.default_rng(self.seed + 1)
        n_kernels = len(MINIROCKET_INDICES)
        device = self.biases.device
        for d, dilation, count, start, stop in self._slices():
            # Each kernel's biases: quantiles of its output on one random
            # sequence, kernel k on sequence k.
            chosen = rng.integers(len(lengths), size=n_kernels)
            x, chosen_lengths = batches(chosen)
            x = x.to(device).float()
            inside = torch.arange(x.shape[1], device=device) < chosen_lengths.to(device)[:, None]
            x = x * inside[..., None]
            # Kernel k on sequence k: (84, 1, features * 9) @ (84, features * 9, T).
            weight = self._weights(d).flatten(1)[:, None, :]
            conv = (weight @ self._shifted(x, dilation))[:, 0]  # (84, T)
            number = torch.arange(start, stop, dtype=torch.float64)
            quantiles = ((number + 1) * GOLDEN_RATIO % 1.0).view(n_kernels, count)
            biases = torch.empty(n_kernels, count, dtype=torch.float64)
            for k in range(n_kernels):
                real = conv[k, : int(chosen_lengths[k])].double().cpu()
                biases[k] = torch.quantile(real, quantiles[k])
            self.biases[start:stop] = biases.view(-1).to(self.biases)
        features = self.raw_features(batches, lengths).double()
        mean, std = features.mean(dim=0), features.std(dim=0, unbiased=False)
        self.mean.copy_(mean.to(self.mean))
        # A constant feature is centred, not blown up.
        self.std.copy_(torch.where(std > 1e-6, std, torch.ones_like(std)).to(self.std))
        return self.standardise(features.float())

    def standardise(self, features):
        """``(features - mean) / std``, on the features' device.

        Parameters
        ----------
        features : Tensor of shape (n_samples, n_features)
            Features from :meth:`transform`.
        """
        return (features - self.mean.to(features.device)) / self.std.to(features.device)

    @torch.no_grad()
    def raw_features(self, batches, lengths, budget=2**22):
        """:meth:`transform` of many sequences, in batches of similar
        lengths: ``(n_samples, n_features)`` on the CPU.

        Parameters
        ----------
        batches : callable
            ``batches(indices)`` returns the zero-padded batch ``(x,
            lengths)`` of the sequences at ``indices``.
        lengths : ndarray of shape (n_samples,)
            The sequences' lengths.
        budget : int, default=2**22
            Most kernel outputs (84 x batch x T) per batch.
        """
        lengths = np.asarray(lengths)
        order = np.argsort(lengths, kind="stable")
        out = torch.empty(len(lengths), self.n_features)
        begin = 0
        while begin < len(order):
            size = 256
            while (
                size > 1
                and size * 84 * int(lengths[order[min(begin + size, len(order)) - 1]]) > budget
            ):
                size //= 2
            indices = order[begin : begin + size]
            x, batch_lengths = batches(indices)
            out[torch.as_tensor(indices)] = self.transform(
                x.to(self.biases.device), batch_lengths
            ).cpu()
            begin += size
        return out


#: Branch modules by the name a model is given.
BRANCHES = {cls.name: cls for cls in (FCNBranch, MiniRocketBranch)}


def ridge_scale(scores, targets, weights=None, classes=True):
    """The factor by which a ridge's scores join a model's outputs, fitted on
    their leave-one-out scores.

    For classes, the ``s`` of the smallest (weighted) cross-entropy of
    ``softmax(s * scores)`` among 241 factors spaced evenly in log from 0.01
    to 10,000; for values, the least-squares slope of the targets on the
    scores (no intercept), at least 0.

    Parameters
    ----------
    scores : Tensor of shape (n_samples, n_outputs)
        Leave-one-out scores (:func:`ridge_loo`).
    targets : Tensor
        Class indices ``(n_samples,)``, or values ``(n_samples, n_outputs)``.
    weights : Tensor of shape (n_samples,) or None, default=None
    classes : bool, default=True

    Returns
    -------
    scale : float
    """
    scores = scores.double()
    n = len(scores)
    w = torch.ones(n, dtype=torch.float64) if weights is None else weights.double().reshape(n)
    if not classes:
        y = targets.double().reshape(scores.shape)
        slope = float(
            (w[:, None] * scores * y).sum() / (w[:, None] * scores**2).sum().clamp(min=1e-12)
        )
        return max(slope, 0.0)
    factors = torch.logspace(-2, 4, 241, dtype=torch.float64)
    index = targets.long().reshape(n)
    losses = [
        float((w * nn.functional.cross_entropy(f * scores, index, reduction="none")).sum())
        for f in factors
    ]
    return float(factors[int(np.argmin(losses))])
