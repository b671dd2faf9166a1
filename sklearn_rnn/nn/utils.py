"""Masks and step operations on zero-padded batches, the choice of device,
and the CPU's handling of denormal floats."""

import contextlib

import torch
from torch import nn


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


def resolve_device(device):
    """The device that ``device`` names, with "auto" resolved.

    Parameters
    ----------
    device : str or torch.device
        "auto" (CUDA when available, else the CPU), "cpu", "cuda", "cuda:1", ...

    Returns
    -------
    device : str or torch.device
        ``device`` itself, or "cuda" or "cpu" for "auto".

    Raises
    ------
    ValueError
        When a CUDA device is asked for and CUDA is not available.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    return device


def flush_denormal_enabled():
    """Whether the calling thread flushes denormal floats to zero.

    Torch has a setter (:func:`torch.set_flush_denormal`) but no getter: the
    flag is read from arithmetic, a product whose exact result (1e-40) is
    denormal in float32 and becomes 0 when flushing is on.
    """
    return bool((torch.tensor([1e-30]) * 1e-10)[0] == 0)


@contextlib.contextmanager
def flushing_denormals():
    """Flush denormal floats to zero on the CPU while the block runs, then
    restore the calling thread's setting.

    Gradients that shrink below float32's smallest normal number (1.2e-38),
    as they do when a model's training loss is all but zero, make x86
    arithmetic 10-100 times slower; flushed to zero they cost nothing and
    change no result beyond that range. The flag (the MXCSR's FTZ and DAZ
    bits) belongs to a thread: the calling thread's is set here; torch's
    intra-op worker threads keep the mode they started with (a program
    that calls ``torch.set_flush_denormal(True)`` before its first parallel
    operation has them flush too). Usable as a decorator. Nothing happens
    where the CPU cannot flush (:func:`torch.set_flush_denormal` returns
    False).
    """
    turned_on = not flush_denormal_enabled() and torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if turned_on:
            torch.set_flush_denormal(False)
