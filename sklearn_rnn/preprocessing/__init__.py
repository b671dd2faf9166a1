"""Transformers that turn raw data into sequences for the package's estimators.

Each is a scikit-learn transformer (or function), so that a whole workflow,
from text or a long-format DataFrame to predictions, is one Pipeline that
GridSearchCV can tune end to end.
"""

from ._pandas import (
    LongToSequences,
    long_to_sequences,
    make_windows,
    sequences_to_long,
    windows_to_frame,
)
from ._sequence import SequencePadder, SequenceScaler
from ._text import SequenceTokenizer

__all__ = [
    "LongToSequences",
    "SequencePadder",
    "SequenceScaler",
    "SequenceTokenizer",
    "long_to_sequences",
    "make_windows",
    "sequences_to_long",
    "windows_to_frame",
]
