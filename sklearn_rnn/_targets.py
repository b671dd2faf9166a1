"""Target encoding, one small piece per estimator.

- labels, for the classifier: :func:`learn_classes`, :func:`encode_labels`;
- standardisation, for the regressor: :class:`TargetStandardizer`;
- label sequences, for CTC: :func:`as_label_sequences`, :func:`learn_label_set`,
  :func:`encode_label_sequences`.

The checks all three share (y is None, a length that does not match X) are
:func:`check_targets`.
"""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d


def check_targets(y, n_samples, estimator_name, *, convert):
    """``convert(y)``, after checking that y is given, and that its length matches X."""
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None.")
    y = convert(y)
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {len(y)}; they must match.")
    return y


# --- labels (classifier) -----------------------------------------------------


def _mixed_label_types(y):
    """ValueError for labels that cannot be sorted together (str next to int, None...)."""
    types = sorted({type(label).__name__ for label in np.asarray(y, dtype=object).ravel()})
    return ValueError(
        f"The labels in y mix types that cannot be compared ({', '.join(types)}); "
        "use labels of one type, for example y.astype(str)."
    )


def as_labels(y):
    """y as a 1-D array of class labels (pandas categoricals included)."""
    if hasattr(y, "dtype") and str(y.dtype) == "category":
        y = np.asarray(y, dtype=object)
    y = column_or_1d(y, warn=True)
    try:
        check_classification_targets(y)
    except TypeError:  # sorting the labels failed
        raise _mixed_label_types(y) from None
    return y


def learn_classes(y):
    """Sorted class labels of y; at least two are required."""
    try:
        classes = np.unique(y)
    except TypeError:
        raise _mixed_label_types(y) from None
    if len(classes) < 2:
        raise ValueError(
            "The target y holds a single class, 1 class "
            f"({classes.tolist()[0]!r}); a classifier needs at least 2 classes."
        )
    return classes


def encode_labels(y, classes):
    """Codes ``0..n_classes-1`` of y's labels; a label outside ``classes`` is an error."""
    try:
        unseen = ~np.isin(y, classes)
    except TypeError:
        raise _mixed_label_types(np.concatenate([classes, y])) from None
    if unseen.any():
        index = int(np.flatnonzero(unseen)[0])
        raise ValueError(
            f"y[{index}] = {y[index : index + 1].tolist()[0]!r} is not among the classes "
            f"seen in the first fit: {classes.tolist()}."
        )
    return np.searchsorted(classes, y).astype(np.int64)


# --- standardised real targets (regressor) -------------------------------------


def as_real_targets(y):
    """y as a float64 array of shape (n_samples,) or (n_samples, n_outputs)."""
    try:
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
    except ValueError as exc:
        if "could not convert" not in str(exc):
            raise
        raise ValueError(
            f"y holds values that are not numbers ({exc}); a regressor needs real "
            "targets (for class labels use RNNClassifier)."
        ) from None
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
    return y


class TargetStandardizer:
    """Standardise real targets per output, and map predictions back.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_outputs,)
    ndim_ : int
        1 or 2: the shape predictions are returned in.
    """

    def fit(self, y):
        y2d = y.reshape(len(y), -1)
        self.ndim_ = y.ndim
        # Over each output's largest magnitude first: the sums of the mean and
        # the variance would overflow for targets near float64's limit (1e300).
        peak = np.abs(y2d).max(axis=0)
        peak = np.where(peak > 0, peak, 1.0)
        unit = y2d / peak
        self.mean_ = unit.mean(axis=0) * peak
        scale = unit.std(axis=0) * peak
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    @property
    def n_outputs_(self):
        return len(self.mean_)

    def transform(self, y):
        y2d = y.reshape(len(y), -1)
        if y2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2d.shape[1]} outputs, but the estimator was fitted with "
                f"{self.n_outputs_}."
            )
        return ((y2d - self.mean_) / self.scale_).astype(np.float32)

    def inverse_transform(self, values):
        values = values * self.scale_ + self.mean_
        return values.ravel() if self.ndim_ == 1 else values


# --- label sequences (CTC) -------------------------------------------------------

#: The CTC blank's public name; a label equal to it is refused.
BLANK_LABEL = "<blank>"


def as_label_sequences(y):
    """y as a list of str or of label lists, with a clear error otherwise."""
    if isinstance(y, str):
        raise ValueError("y must hold one transcription per sample, not a single string.")
    if isinstance(y, (set, frozenset, dict)):
        raise ValueError(
            f"y must be an ordered sequence of transcriptions (list, array, Series); "
            f"got {type(y).__name__}, whose order does not follow X."
        )
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
    for i, target in enumerate(targets):
        if len(target) == 0:
            raise ValueError(f"y[{i}] is empty; CTC needs at least one label per sample.")
    return targets


def _is_nan(label):
    return isinstance(label, (float, np.floating)) and bool(np.isnan(label))


def learn_label_set(targets):
    """Whether y holds strings, the sorted label set, and each label's code (from 1)."""
    strings = all(isinstance(t, str) for t in targets)
    try:
        labels = {label for t in targets for label in t}
    except TypeError:
        raise ValueError(
            "y holds an unhashable label; labels must be hashable (str, int, ...)."
        ) from None
    if any(map(_is_nan, labels)):
        index = next(i for i, t in enumerate(targets) if any(map(_is_nan, t)))
        raise ValueError(f"y[{index}] holds a NaN label; fill or drop missing labels first.")
    if BLANK_LABEL in labels:
        index = next(i for i, t in enumerate(targets) if BLANK_LABEL in list(t))
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


def encode_label_sequences(targets, label_index, frame_lengths):
    """Label codes per sample, each checked to fit its frames (CTC needs a blank
    between repeated labels), before anything is learned."""
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
                "frames after the front end (frame stacking and strides). Use a front end "
                "that shortens less (a smaller stride or stack), or check that X and y are "
                "aligned."
            )
        encoded.append(codes)
    return encoded
