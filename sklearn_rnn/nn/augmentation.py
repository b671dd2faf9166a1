"""Training-time augmentation of zero-padded float batches (jitter, scaling, time and
feature masking, mixup)."""

import torch

from .utils import step_mask


def augment_sequences(x, lengths, *, jitter=0.0, scaling=0.0, time_mask=0.0, feature_mask=0.0):
    """Randomly perturbed copy of a zero-padded float batch (training-time
    augmentation for small data, Um et al., 2017; Park et al., 2019).

    - ``jitter``: Gaussian noise of this standard deviation is added to every
      real step;
    - ``scaling``: each sequence's features are multiplied by factors drawn
      from N(1, scaling²), one per sequence and feature;
    - ``time_mask``: one span of up to this fraction of each sequence's real
      steps, at a random place, is set to zero (the mean of standardised
      input);
    - ``feature_mask``: one span of up to this fraction of the features
      (consecutive ones, e.g. mel bands or cepstral coefficients), at a random
      place, is set to zero at every step of the sequence (SpecAugment's
      frequency masking).

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
    feature_mask : float, default=0.0
        Largest fraction of the features set to zero in a sequence; 0: none.
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
    if feature_mask > 0:
        width = torch.floor(torch.rand(batch, device=x.device) * feature_mask * features).long()
        first = torch.floor(torch.rand(batch, device=x.device) * (features - width + 1)).long()
        feature = torch.arange(features, device=x.device).unsqueeze(0)
        hidden = (feature >= first.unsqueeze(1)) & (feature < (first + width).unsqueeze(1))
        x = x.masked_fill(hidden.unsqueeze(1), 0.0)
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
