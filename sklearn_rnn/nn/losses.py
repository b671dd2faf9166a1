"""Losses on the heads' outputs, unreduced so that the net weighs samples.

A criterion returns per-sample losses, or per-element losses (one per step)
together with an ``n_labelled(y_true)`` method that gives the net the count to
divide their weighted sum by.
"""

from torch import nn

#: The blank's index in a CTC head's outputs; class ``k`` is output ``k + 1``.
BLANK_INDEX = 0
#: The label of a step without one in a tagger's encoded targets (skipped by the loss).
MISSING_LABEL = -1


class CTCLossOnPadded(nn.Module):
    """``nn.CTCLoss`` on ``(log_probs, lengths)`` from a batch-first model.

    Per-sample losses are divided by the target length (as ``CTCLoss``'s
    ``reduction="mean"`` does) and returned unreduced, so that sample weights
    apply. ``zero_infinity`` stays off: impossible alignments are refused
    before training instead of silently zeroed.

    Parameters
    ----------
    blank : int, default=0
        The blank's index in the model's outputs.
    """

    def __init__(self, blank=BLANK_INDEX):
        super().__init__()
        self.ctc = nn.CTCLoss(blank=blank, reduction="none", zero_infinity=False)

    def forward(self, y_pred, y_true):
        """Per-sample losses, divided by the target lengths.

        Parameters
        ----------
        y_pred : tuple of Tensor
            ``(log_probs, lengths)`` from :class:`~sklearn_rnn.nn.RNNFrameModel`.
        y_true : dict of Tensor
            ``"targets"`` (padded label codes) and ``"target_lengths"``.
        """
        log_probs, lengths = y_pred
        targets, target_lengths = y_true["targets"], y_true["target_lengths"]
        loss = self.ctc(
            log_probs.transpose(0, 1).float(), targets, lengths, target_lengths.to(lengths.device)
        )
        return loss / target_lengths.to(loss.device).clamp(min=1)


class StepCrossEntropy(nn.Module):
    """Cross-entropy at every step; unlabelled steps (label -1) contribute 0.

    ``forward((logits, lengths), {"labels": (B, T)[, "weights": (B, T)]})``
    returns the ``(B, T)`` per-step losses, multiplied by the per-step
    weights when given. Its :meth:`n_labelled` tells the net that these are
    per-element losses: the net sums them (each times its sample's weight)
    and divides by the number of labelled steps.
    """

    @staticmethod
    def n_labelled(y_true):
        """The number of labelled steps of a batch (at least 1).

        Parameters
        ----------
        y_true : dict of Tensor
            ``"labels"`` of shape ``(B, T)``, -1 where a step has no label.

        Returns
        -------
        count : Tensor of shape ()
            The divisor of the batch's summed per-step losses; 1 when no step
            is labelled, so that such a batch's loss is 0, not NaN.
        """
        return (y_true["labels"] != MISSING_LABEL).sum().clamp(min=1)

    def forward(self, y_pred, y_true):
        """Per-step losses.

        Parameters
        ----------
        y_pred : tuple of Tensor
            ``(logits, lengths)`` from :class:`RNNTaggerModel`.
        y_true : dict of Tensor
            ``"labels"`` (int64, -1 for no label) and optionally ``"weights"``.
        """
        logits, _ = y_pred
        labels = y_true["labels"].to(logits.device)
        loss = nn.functional.cross_entropy(
            logits.float().transpose(1, 2), labels, ignore_index=MISSING_LABEL, reduction="none"
        )
        if "weights" in y_true:
            loss = loss * y_true["weights"].to(loss.device)
        return loss
