"""CTCTranscriber: frames in, a shorter label sequence out, trained with CTC."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseSequenceEstimator, fill_doc
from ._ctc_decoding import ctc_beam_decode_batch, ctc_greedy_decode
from .metrics import character_error_rate
from .modules import RNNFrameModel

#: Column of the blank in ``predict_log_proba``; class ``k`` is column ``k + 1``.
BLANK_INDEX = 0
#: The blank's public name; a label equal to it is refused.
BLANK_LABEL = "<blank>"


class CTCLossOnPadded(torch.nn.Module):
    """``torch.nn.CTCLoss`` on ``(log_probs, lengths)`` from a batch-first model.

    Per-sample losses are divided by the target length (as ``CTCLoss``'s
    ``reduction="mean"`` does) and returned unreduced, so that sample weights
    apply. ``zero_infinity`` stays off: impossible alignments are refused
    before training instead of silently zeroed.
    """

    def __init__(self, blank=BLANK_INDEX, reduction="none"):
        super().__init__()
        self.ctc = torch.nn.CTCLoss(blank=blank, reduction="none", zero_infinity=False)

    def forward(self, y_pred, y_true):
        log_probs, lengths = y_pred
        targets, target_lengths = y_true["targets"], y_true["target_lengths"]
        loss = self.ctc(
            log_probs.transpose(0, 1).float(), targets, lengths, target_lengths.to(lengths.device)
        )
        return loss / target_lengths.to(loss.device).clamp(min=1)


def _replace_each(text, replacements):
    """Replace each key of ``replacements`` in ``text``, failing if one is absent."""
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"{old!r} is not in the shared parameter text.")
        text = text.replace(old, new)
    return text


def _collate_targets(rows):
    lengths = torch.tensor([len(row) for row in rows], dtype=torch.int64)
    padded = torch.zeros((len(rows), int(lengths.max())), dtype=torch.int64)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = torch.from_numpy(row)
    return {"targets": padded, "target_lengths": lengths}


@fill_doc
class CTCTranscriber(BaseSequenceEstimator):
    """Transcribe sequences of frames into label sequences, with the CTC loss.

    Learns, without frame-level alignment, to read a sequence of feature
    frames (speech features, image columns of a handwritten line, sensor
    streams) as a shorter sequence of labels: ``fit(X, ["314", "15"])``.

    Parameters
    ----------
    {shared_parameters}
    decoder : {"greedy", "beam"}, default="greedy"
        How :meth:`predict` reads the per-frame probabilities. "greedy" takes
        the most probable class per frame (best path; vectorised, about
        0.05 ms per line). "beam" runs a prefix beam search that sums the
        probability of every path spelling a prefix: at least as accurate,
        and better when the network is unsure, but about 100 times slower.
    beam_width : int, default=10
        Prefixes kept per frame by the beam search (``decoder="beam"``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_labels,)
        The labels (characters when y holds strings). Column ``k + 1`` of
        :meth:`predict_log_proba` is ``classes_[k]``; column 0 is the blank.
    strings_ : bool
        Whether every transcription in y was a string; :meth:`predict` then
        returns strings, else lists of labels.
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

    ``subsample`` shortens long inputs by frame stacking; every target must
    fit the shortened input (``ceil(T_i / subsample)`` frames for ``L_i``
    labels plus one blank between repeated labels), which ``fit`` checks
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

    _parameter_constraints = {
        **{
            name: constraint
            for name, constraint in BaseSequenceEstimator._parameter_constraints.items()
            if name != "pooling"  # one output per frame: nothing to pool
        },
        "decoder": [StrOptions({"greedy", "beam"})],
        "beam_width": [Interval(Integral, 1, None, closed="left")],
    }
    _module_class = RNNFrameModel

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        embedding_dim=64,
        subsample=1,
        optimizer="adam",
        lr=1e-2,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=50,
        clip_grad_norm=1.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        bucketing=True,
        decoder="greedy",
        beam_width=10,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        callbacks=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dim = embedding_dim
        self.subsample = subsample
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.bucketing = bucketing
        self.decoder = decoder
        self.beam_width = beam_width
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    def fit(self, X, y, sample_weight=None):
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

        Returns
        -------
        self : CTCTranscriber
        """
        return self._fit(X, y, sample_weight)

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

    def _encode_targets(self, y, sequences, reset, classes=None):
        """Label codes per sample (1..n_labels; 0 is the blank), checked up front.

        Every check runs before anything is learned, so a bad target fails
        ``fit`` before training starts, naming the sample.
        """
        n_samples = len(sequences)
        frame_lengths = -(-sequences.lengths // self.subsample)
        targets = _as_label_sequences(y)
        if len(targets) != n_samples:
            raise ValueError(
                f"X has {n_samples} samples but y has {len(targets)}; they must match."
            )
        for i, target in enumerate(targets):
            if len(target) == 0:
                raise ValueError(f"y[{i}] is empty; CTC needs at least one label per sample.")
        if reset:
            strings, classes, label_index = _learn_labels(targets)
        else:
            strings, classes = self.strings_, self.classes_
            label_index = self._label_index
        encoded = []
        for i, target in enumerate(targets):
            try:
                codes = np.array([label_index[label] for label in target], dtype=np.int64)
            except KeyError as exc:
                raise ValueError(
                    f"y[{i}] holds the label {exc.args[0]!r}, not seen in the first fit."
                ) from None
            except TypeError:
                raise ValueError(
                    f"y[{i}] holds an unhashable label; labels must be hashable (str, int, ...)."
                ) from None
            repeats = int(np.sum(codes[1:] == codes[:-1]))
            needed = len(codes) + repeats
            if frame_lengths[i] < needed:
                raise ValueError(
                    f"y[{i}] has {len(codes)} labels ({repeats} repeated) and needs at "
                    f"least {needed} frames, but X[{i}] has {frame_lengths[i]} "
                    f"frames after subsample={self.subsample}. Use a smaller subsample "
                    "or check that X and y are aligned."
                )
            encoded.append(codes)
        if reset:
            self.strings_, self.classes_, self._label_index = strings, classes, label_index
        return encoded

    # --- prediction -----------------------------------------------------------

    def _frame_log_probs(self, X):
        """Padded log-probabilities, frame lengths, in X's order (numpy)."""
        outputs, order = self._forward(X)
        width = max(int(log_probs.shape[1]) for log_probs, _ in outputs)
        n_classes = len(self.classes_) + 1
        padded = np.zeros((len(order), width, n_classes), dtype=np.float32)
        lengths = np.empty(len(order), dtype=np.int64)
        start = 0
        for log_probs, frame_lengths in outputs:
            rows = order[start : start + len(log_probs)]
            padded[rows, : log_probs.shape[1]] = log_probs.float().cpu().numpy()
            lengths[rows] = frame_lengths.cpu().numpy()
            start += len(log_probs)
        return padded, lengths

    def predict_log_proba(self, X):
        """Per-frame log-probabilities, the blank included.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        log_proba : list of ndarray of shape (T_i', n_labels + 1)
            One array per sample, ``T_i' = ceil(T_i / subsample)`` frames.
            Column 0 is the blank; column ``k + 1`` is ``classes_[k]``.
        """
        check_is_fitted(self, "net_")
        padded, lengths = self._frame_log_probs(X)
        return [padded[i, :length] for i, length in enumerate(lengths.tolist())]

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
        check_is_fitted(self, "net_")
        padded, lengths = self._frame_log_probs(X)
        if self.decoder == "greedy":
            codes = ctc_greedy_decode(padded, lengths, blank=BLANK_INDEX)
        else:
            codes = [
                hypothesis.tokens
                for hypothesis in ctc_beam_decode_batch(
                    padded, lengths, blank=BLANK_INDEX, beam_width=self.beam_width
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
        return 1.0 - character_error_rate(_as_label_sequences(y), self.predict(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        return tags


# The shared parameter text documents the classifier's defaults; show ours.
CTCTranscriber.__doc__ = _replace_each(
    CTCTranscriber.__doc__,
    {
        "bidirectional : bool, default=False": "bidirectional : bool, default=True",
        "lr : float, default=3e-3": "lr : float, default=1e-2",
    },
)


def _as_label_sequences(y):
    """y as a list of str or of label lists, with a clear error otherwise."""
    if y is None:
        raise ValueError(
            "CTCTranscriber requires y to be passed, but the target y is None; "
            "give one transcription per sample."
        )
    if isinstance(y, str):
        raise ValueError("y must hold one transcription per sample, not a single string.")
    if hasattr(y, "to_list"):
        y = y.to_list()
    elif hasattr(y, "__array__") and not isinstance(y, (list, tuple, np.ndarray)):
        y = np.asarray(y)  # array-likes such as sklearn's _NotAnArray
    if not hasattr(y, "__len__") or not hasattr(y, "__iter__"):
        raise ValueError(f"y must be a sequence of transcriptions; got {type(y).__name__}.")
    targets = []
    for i, target in enumerate(y):
        if isinstance(target, str):
            targets.append(target)
        elif isinstance(target, (list, tuple, np.ndarray)):
            targets.append(target.tolist() if isinstance(target, np.ndarray) else list(target))
        else:
            raise ValueError(
                f"y[{i}] is {type(target).__name__} ({target!r}); each transcription "
                "must be a string or a sequence of labels."
            )
    return targets


def _learn_labels(targets):
    """Whether y holds strings, the sorted label set and each label's code."""
    strings = all(isinstance(t, str) for t in targets)
    try:
        labels = {label for t in targets for label in t}
    except TypeError:
        raise ValueError(
            "y holds an unhashable label; labels must be hashable (str, int, ...)."
        ) from None
    for label in labels:
        if isinstance(label, str) and label == BLANK_LABEL:
            index = next(
                i
                for i, t in enumerate(targets)
                if any(isinstance(item, str) and item == BLANK_LABEL for item in t)
            )
            raise ValueError(
                f"y[{index}] holds the label {BLANK_LABEL!r}, which is reserved for "
                "the CTC blank; rename that label."
            )
    try:
        classes = np.array(sorted(labels))
    except TypeError:
        raise ValueError(
            "The labels in y cannot be sorted (mixed types such as str and int); "
            "use labels of one type."
        ) from None
    label_index = {label: k + 1 for k, label in enumerate(classes.tolist())}
    return strings, classes, label_index
