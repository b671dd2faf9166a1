"""Scikit-learn compatible recurrent neural networks on PyTorch, through skorch."""

from ._base import TrainingDivergedError, TrainingDivergedWarning, TrainingInterruptedWarning
from ._validation import OOV_TOKEN_ID, PAD_TOKEN_ID, Sequences
from ._version import __version__
from .classifier import RNNClassifier
from .ctc import CTCTranscriber
from .export import to_onnx
from .forecasting import ResidualForecaster
from .persistence import load
from .regressor import RNNRegressor
from .tagger import RNNTagger

__all__ = [
    "OOV_TOKEN_ID",
    "PAD_TOKEN_ID",
    "CTCTranscriber",
    "RNNClassifier",
    "RNNRegressor",
    "RNNTagger",
    "ResidualForecaster",
    "Sequences",
    "TrainingDivergedError",
    "TrainingDivergedWarning",
    "TrainingInterruptedWarning",
    "__version__",
    "load",
    "to_onnx",
]
