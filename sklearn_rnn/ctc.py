"""CTCTranscriber: frames in, a shorter label sequence out, trained with CTC."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseSequenceEstimator
from ._ctc_decoding import ctc_beam_decode_batch, ctc_greedy_decode
from ._params import (
    AUGMENTATION,
    BACKBONE,
    EMBEDDING,
    FRONTEND,
    RUNTIME,
    TRAINING,
    Param,
    declare,
    fill_doc,
)
from ._registry import register_estimator
from ._targets import (
    BLANK_LABEL,  # noqa: F401 (public name, re-exported)
    as_label_sequences,
    check_targets,
    encode_label_sequences,
    learn_label_set,
)
from .export import _TranscriberGraph
from .metrics import character_error_rate
from .nn.heads import RNNFrameModel
from .nn.losses import BLANK_INDEX, CTCLossOnPadded


def _collate_targets(rows):
    lengths = torch.tensor([len(row) for row in rows], dtype=torch.int64)
    padded = torch.zeros((len(rows), int(lengths.max())), dtype=torch.int64)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = torch.from_numpy(row)
    return {"targets": padded, "target_lengths": lengths}


@register_estimator
@fill_doc
class CTCTranscriber(BaseSequenceEstimator):
    """Transcribe sequences of frames into label sequences, with the CTC loss.

    Learns, without frame-level alignment, to read a sequence of feature
    frames (speech features, image columns of a handwritten line, sensor
    streams) as a shorter sequence of labels: ``fit(X, ["314", "15"])``.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_labels,)
        The labels (characters when y holds strings). Column ``k + 1`` of
        :meth:`predict_log_proba` is ``classes_[k]``; column 0 is the blank.
    strings_ : bool
        Whether every transcription in y was a string; :meth:`predict` then
        returns strings, else lists of labels.
    augmentation_ : Augmentation or None
        The training-time augmentation used; None when nothing augments
        (and for token input).
    {shared_attributes}

    Notes
    -----
    The defaults differ from the classifier's where CTC needs it:
    ``bidirectional=True`` (a frame's label depends on what follows it) and
    ``lr=1e-2``: CTC training first sits on a plateau where the network
    outputs only blanks, and at ``lr=3e-3`` it leaves that plateau too late
    for 50 epochs on small data; gradient clipping (``clip_grad_norm=1.0``)
    keeps the higher rate stable. There is no ``pooling`` (one output per
    frame).

    A front end that shortens long inputs (``ConvFrontend(stride=...,
    stack=...)``, ``FrameStacking``) leaves fewer frames; every target must
    fit the shortened input (``frontend_.output_lengths(T_i)`` frames for
    ``L_i`` labels plus one blank between repeated labels), which ``fit`` checks
    before training, naming the first sample that does not fit. The CTC
    loss is never silently zeroed (``zero_infinity=False``).

    ``decoder`` only matters at predict time: it can be changed with
    ``set_params`` on a fitted transcriber without refitting.

    Examples
    --------
    >>> from sklearn_rnn import CTCTranscriber
    >>> from sklearn_rnn.datasets import make_digit_lines
    >>> X, y = make_digit_lines(n_samples=50, max_digits=3, random_state=0)
    >>> ctc = CTCTranscriber(hidden_size=16, max_epochs=2, random_state=0).fit(X, y)
    >>> len(ctc.predict(X[:2]))
    2
    """

    _parameters = declare(
        BACKBONE,
        FRONTEND,
        AUGMENTATION,
        EMBEDDING,
        TRAINING,
        {
            "decoder": Param(
                "greedy",
                [StrOptions({"greedy", "beam"})],
                '{"greedy", "beam"}',
                'How :meth:`predict` reads the per-frame probabilities. "greedy" takes\n'
                "the most probable class per frame (best path; vectorised, about\n"
                '0.05 ms per line). "beam" runs a prefix beam search that sums the\n'
                "probability of every path spelling a prefix: at least as accurate,\n"
                "and better when the network is unsure, but about 100 times slower.",
            ),
            "beam_width": Param(
                10,
                [Interval(Integral, 1, None, closed="left")],
                "int",
                'Prefixes kept per frame by the beam search (``decoder="beam"``).',
            ),
        },
        RUNTIME,
        # A frame's label depends on what follows it; see Notes for lr.
        bidirectional={"default": True},
        lr={"default": 1e-2},
        # No "auto" rule for CTC: off unless asked for (DigitLines meets its
        # CER target without; docs/user_guide/choosing.md says what it does).
        augmentation={
            "default": None,
            "doc": "Training-time augmentation of numeric frames: an\n"
            ":class:`~sklearn_rnn.components.Augmentation` (jitter, scaling, time\n"
            "and feature masking: SpecAugment's masking of spans of frames and of\n"
            "features; mixup is for\n"
            'classifiers only). None: none; CTC has no "auto" rule (its "auto"\n'
            "settings are 0). ``augmentation_`` holds the settings used.",
        },
    )
    _module_class = RNNFrameModel
    # Frame-level labels: on digit lines random batches read worse (CER
    # 0.027 -> 0.030, seeds 0-2; 0.026 -> 0.028, seeds 3-5).
    _always_buckets = True
    #: Fitted attributes its files hold (besides the base's), with their types.
    _saved_attributes = {"classes_": np.ndarray, "strings_": bool, "_label_index": dict}

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        frontend="auto",
        augmentation=None,
        embedding=None,
        optimizer="adamw",
        lr=0.01,
        weight_decay=0.01,
        lr_schedule="onecycle",
        batch_size=32,
        max_epochs="auto",
        clip_grad_norm=1.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=0.0001,
        scoring="loss",
        on_divergence="raise",
        decoder="greedy",
        beam_width=10,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        callbacks=None,
        checkpoint=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.frontend = frontend
        self.augmentation = augmentation
        self.embedding = embedding
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.on_divergence = on_divergence
        self.decoder = decoder
        self.beam_width = beam_width
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.checkpoint = checkpoint

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Fit the network with the CTC loss.

        Parameters
        ----------
        X : sequences
            Frames in any form the package accepts; mostly a list of
            ``(T_i, n_features)`` arrays.
        y : sequence of str or of label sequences, length n_samples
            Each sample's transcription: a string (each character is a label)
            or a list/array of hashable labels. Must not be empty.
        sample_weight : array-like of shape (n_samples,), default=None
        {validation_set}
        y_val : array-like, default=None
            Targets of ``X_val``, as y.

        Returns
        -------
        self : CTCTranscriber
        """
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on (X, y), initialising on the first call.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.
        y : sequence of str or of label sequences, length n_samples
            Labels must have been seen in the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : CTCTranscriber
        """
        return self._fit(X, y, sample_weight, partial=True)

    # --- hooks of the base ----------------------------------------------------

    def _criterion(self):
        return CTCLossOnPadded, {}

    def _n_outputs(self):
        return len(self.classes_) + 1

    def _target_collate(self):
        return _collate_targets

    def _label_sequences(self, y, sequences):
        return check_targets(y, len(sequences), type(self).__name__, convert=as_label_sequences)

    def _frame_lengths(self, sequences):
        return self._output_lengths(sequences.lengths)

    def _fit_targets(self, y, sequences, classes=None):
        """Label codes per sample (1..n_labels; 0 is the blank), checked up front:
        a bad target fails ``fit`` before training starts, naming the sample."""
        targets = self._label_sequences(y, sequences)
        strings, classes, label_index = learn_label_set(targets)
        encoded = encode_label_sequences(targets, label_index, self._frame_lengths(sequences))
        self.strings_, self.classes_, self._label_index = strings, classes, label_index
        return encoded

    def _encode_targets(self, y, sequences):
        return encode_label_sequences(
            self._label_sequences(y, sequences),
            self._label_index,
            self._frame_lengths(sequences),
        )

    # --- prediction -----------------------------------------------------------

    def _frame_log_probs(self, X):
        """Per-sample ``(T_i', n_labels + 1)`` float32 log-probabilities, in X's order."""
        sequences, batches = self._predict_batches(X)
        result = [None] * len(sequences)
        for indices, (log_probs, frame_lengths) in batches:
            log_probs = log_probs.float().cpu().numpy()
            for row, (index, length) in enumerate(zip(indices, frame_lengths.tolist())):
                result[index] = log_probs[row, :length]
        return result

    def predict_log_proba(self, X):
        """Per-frame log-probabilities, the blank included.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        log_proba : list of ndarray of shape (T_i', n_labels + 1)
            One array per sample of ``T_i'`` frames, ``T_i`` shortened by the
            front end (``frontend_.output_lengths``).
            Column 0 is the blank; column ``k + 1`` is ``classes_[k]``.
        """
        return self._frame_log_probs(X)

    def predict(self, X):
        """Transcriptions.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        y_pred : list
            Strings when fitted on strings, else lists of labels.
        """
        log_probs = self._frame_log_probs(X)
        if self.decoder == "greedy":
            codes = ctc_greedy_decode(log_probs, blank=BLANK_INDEX)
        else:
            codes = [
                hypothesis.tokens
                for hypothesis in ctc_beam_decode_batch(
                    log_probs, blank=BLANK_INDEX, beam_width=self.beam_width
                )
            ]
        labels = [self.classes_[c - 1] for c in codes]
        if self.strings_:
            return ["".join(row.tolist()) for row in labels]
        return [row.tolist() for row in labels]

    def score(self, X, y, sample_weight=None):
        """One minus the character (label) error rate: higher is better.

        Parameters
        ----------
        X : sequences
        y : sequence of str or of label sequences
            References; labels never seen in fit simply count as errors.
        sample_weight : None
            Not supported (CER is a corpus-level rate).

        Returns
        -------
        score : float
        """
        if sample_weight is not None:
            raise ValueError("CTCTranscriber.score does not support sample_weight.")
        return 1.0 - character_error_rate(as_label_sequences(y), self.predict(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        return tags

    def _onnx_graph(self, module):
        """The fitted network ``module`` in the graph :func:`~sklearn_rnn.to_onnx`
        exports: per-frame log-probabilities (blank first) and frame lengths."""
        return _TranscriberGraph(module, self.vocab_size_)
