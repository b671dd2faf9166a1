"""The package's torch layer: backbone, front ends, heads, losses and augmentation.

It imports neither scikit-learn nor skorch, so that a PyTorch user can take
the modules alone. Every module takes a zero-padded, batch-first batch ``x``
with the true ``lengths`` and is exact: no output at a real step depends on
padding or on the other samples of the batch.

- :mod:`~sklearn_rnn.nn.backbone`: :class:`RNNBackbone` (embedding, frame
  stacking, front end, recurrent layers) and :func:`pool_sequences`;
- :mod:`~sklearn_rnn.nn.frontends`: the front-end modules, by name in
  :data:`FRONTENDS`;
- :mod:`~sklearn_rnn.nn.heads`: :class:`RNNSequenceModel` (one output per
  sequence), :class:`RNNFrameModel` (per frame, CTC) and
  :class:`RNNTaggerModel` (per step);
- :mod:`~sklearn_rnn.nn.bag`: :class:`HashedNgramBag`;
- :mod:`~sklearn_rnn.nn.branches`: :class:`FCNBranch` (beside the recurrent
  layers, LSTM-FCN) and :class:`MiniRocketBranch` (MiniRocket's fixed
  features), by name in :data:`BRANCHES`;
- :mod:`~sklearn_rnn.nn.losses`: :class:`CTCLossOnPadded`, :class:`StepCrossEntropy`;
- :mod:`~sklearn_rnn.nn.augmentation`: jitter, scaling, time masking, mixup;
- :mod:`~sklearn_rnn.nn.utils`: masks and step operations, the choice of device.
"""

from .augmentation import augment_sequences, mixup_batch, resample_to_lengths
from .backbone import CELLS, POOLINGS, RNNBackbone, check_pooling, pool_sequences
from .bag import BAGS, HashedNgramBag, hash_ngrams
from .branches import BRANCHES, FCNBranch, MiniRocketBranch
from .frontends import FRONTENDS, ConvFrontEnd, MaskedBatchNorm1d
from .heads import RNNFrameModel, RNNSequenceModel, RNNTaggerModel
from .losses import CTCLossOnPadded, StepCrossEntropy
from .utils import reverse_within_length, step_mask, subsample_frames

__all__ = [
    "BAGS",
    "BRANCHES",
    "CELLS",
    "FRONTENDS",
    "POOLINGS",
    "CTCLossOnPadded",
    "ConvFrontEnd",
    "FCNBranch",
    "MiniRocketBranch",
    "HashedNgramBag",
    "MaskedBatchNorm1d",
    "RNNBackbone",
    "RNNFrameModel",
    "RNNSequenceModel",
    "RNNTaggerModel",
    "StepCrossEntropy",
    "augment_sequences",
    "check_pooling",
    "hash_ngrams",
    "mixup_batch",
    "pool_sequences",
    "resample_to_lengths",
    "reverse_within_length",
    "step_mask",
    "subsample_frames",
]
