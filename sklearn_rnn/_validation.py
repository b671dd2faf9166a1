"""The one place that knows the input forms of the package.

Every estimator and transformer turns its ``X`` into a :class:`Sequences`
object here: ragged storage (one concatenated buffer plus offsets, never a
global padded copy) with each sample's true length.

Accepted forms (see DESIGN.md):

- a 3-D float array ``(n_samples, n_timesteps, n_features)``;
- a 2-D array or DataFrame ``(n_samples, n_timesteps)``: univariate sequences,
  ``n_features_in_`` is then its number of columns, as for any sklearn estimator;
- a sequence (list, tuple, 1-D object array, pandas Series) of per-sample
  arrays ``(T_i, n_features)`` or ``(T_i,)``; 1-D *integer* samples are tokens;
- a numpy masked array (the output of :class:`~sklearn_rnn.preprocessing.SequencePadder`),
  where a time step whose entries are all masked is padding;
- a :class:`Sequences` object.

It works in both directions: :func:`check_sequences` returns the ragged
storage with an :class:`InputForm` describing what it was given, and
:func:`rebuild` turns ragged storage back into that form. Transformers use the
pair and keep no detection code of their own; estimators that predict one row
per step return it in X's form through :func:`rebuild_steps`.
"""

import functools
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names, _check_sample_weight, validate_data

#: Token id reserved for padding (never produced for a real token).
PAD_TOKEN_ID = 0
#: Token id reserved for out-of-vocabulary tokens.
OOV_TOKEN_ID = 1


class Sequences:
    """Ragged sequences stored as one buffer and offsets.

    Parameters
    ----------
    data : ndarray of shape (total_steps, n_features) or (total_steps,)
        All time steps of all samples, concatenated. Float data is 2-D;
        integer token data is 1-D.
    offsets : ndarray of shape (n_samples + 1,)
        Sample ``i`` is ``data[offsets[i]:offsets[i + 1]]``.
    form : InputForm or None, default=None
        What the storage was validated from (None if built directly).
    subwords : Sequences or None, default=None
        Token sequences only: each sample's character n-gram ids (ragged
        int64, 0 never used, a sample may have none), as
        ``SequenceTokenizer(subwords=...)`` gives them: the n-grams of every
        token of the sample, one after the other. A
        :class:`~sklearn_rnn.components.TextBag` reads them beside the words.
    """

    __slots__ = ("data", "offsets", "form", "subwords")

    def __init__(self, data, offsets, form=None, subwords=None):
        self.data = data
        self.offsets = np.asarray(offsets, dtype=np.int64)
        #: The :class:`InputForm` this storage was validated from (None if built directly).
        self.form = form
        self.subwords = subwords

    @classmethod
    def from_list(cls, arrays, dtype=None):
        """Build from a list of per-sample arrays of the same trailing shape."""
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.concatenate(arrays) if len(arrays) else np.empty((0,))
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        return cls(data, offsets)

    @property
    def lengths(self):
        """ndarray of shape (n_samples,): each sample's true length."""
        return np.diff(self.offsets)

    @property
    def is_tokens(self):
        """bool: whether the samples are integer token sequences."""
        return self.data.ndim == 1

    @property
    def n_features(self):
        """int or None: features per time step (None for tokens)."""
        return None if self.is_tokens else self.data.shape[1]

    def __len__(self):
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, numbers.Integral):
            return self.data[self.offsets[index] : self.offsets[index + 1]]
        return self.take(np.arange(len(self))[index])

    def take(self, indices):
        """Return the samples at ``indices`` as a new :class:`Sequences`."""
        indices = np.asarray(indices, dtype=np.int64)
        source, lengths = _gather_index(self.offsets, indices)
        offsets = np.zeros(len(indices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        subwords = None if self.subwords is None else self.subwords.take(indices)
        return Sequences(self.data[source], offsets, subwords=subwords)

    def without_subwords(self):
        """The same sequences (and form) without character n-grams."""
        return self if self.subwords is None else Sequences(self.data, self.offsets, self.form)

    def to_list(self):
        """Return the samples as a list of arrays (views of the buffer)."""
        return [self[i] for i in range(len(self))]

    def __repr__(self):
        kind = "tokens" if self.is_tokens else f"n_features={self.n_features}"
        return f"Sequences(n_samples={len(self)}, {kind})"


def _gather_index(offsets, indices):
    """Flat indices of the steps of samples ``indices``, in order, and their lengths."""
    starts = offsets[indices]
    lengths = offsets[indices + 1] - starts
    run_starts = np.cumsum(lengths) - lengths
    within = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(run_starts, lengths)
    return np.repeat(starts, lengths) + within, lengths


@dataclass(frozen=True, eq=False)
class InputForm:
    """What :func:`check_sequences` was given, so that :func:`rebuild` can return it.

    Attributes
    ----------
    kind : {"sequences", "masked", "2d", "3d", "ragged"}
        The input form.
    univariate : bool
        Whether samples carry no feature axis (2-D input, a 2-D masked array,
        or ragged 1-D samples): a same-form output drops the feature axis.
    float_dtype : numpy dtype
        float32 when the input was float32, else float64 (as sklearn's scalers).
    index : pandas Index or None
        The index of a pandas Series or DataFrame input.
    shape : tuple or None
        The input's shape, for "2d", "3d" and "masked".
    mask : ndarray of bool or None
        The mask of a "masked" input.
    masked_data : ndarray or None
        The data of a "masked" input (what lies under its mask is kept).
    sample_ndims : ndarray or None
        Per-sample number of dimensions (1 or 2) of a "ragged" input.
    """

    kind: str
    univariate: bool
    float_dtype: np.dtype
    index: object = None
    shape: tuple = None
    mask: np.ndarray = None
    masked_data: np.ndarray = None
    sample_ndims: np.ndarray = None


def _as_array_like(X):
    """Array-likes that are not arrays (sklearn's ``_NotAnArray``) as ndarrays."""
    if (
        hasattr(X, "__array__")
        and not isinstance(X, (np.ndarray, list, tuple, Sequences))
        and not hasattr(X, "iloc")
        and not sp.issparse(X)
    ):
        return np.asarray(X)
    return X


def _float_dtype_of(X):
    """float32 when every value of X is float32, else float64."""
    dtype = None
    if isinstance(X, Sequences):
        dtype = X.data.dtype
    elif hasattr(X, "dtypes") and hasattr(X, "columns"):  # DataFrame
        dtypes = set(map(str, X.dtypes))
        dtype = np.float32 if dtypes == {"float32"} else np.float64
    elif hasattr(X, "dtype") and X.dtype != object:  # arrays, Series of numbers
        dtype = X.dtype
    elif len(X):
        first = X.iloc[0] if hasattr(X, "iloc") else X[0]
        dtype = getattr(first, "dtype", None)
    return np.dtype(np.float32 if dtype == np.float32 else np.float64)


def _is_list_of_rows(X, allow_tokens):
    """A list of equal-length 1-D rows: read as a 2-D array, as sklearn requires."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    try:
        if not all(np.ndim(row) == 1 for row in X):
            return False
    except ValueError:  # nested lists of different lengths: ragged samples say which
        return False
    return len({len(row) for row in X}) == 1 and not (allow_tokens and _all_integer_rows(X))


def describe_input(X, *, allow_tokens=True, univariate_fit=False):
    """Return ``(X, form)``: X with array-likes made arrays, and its :class:`InputForm`.

    A list of equal-length 1-D rows of numbers is read as a 2-D array (one row
    per sample, as sklearn requires), unless ``univariate_fit``: the estimator
    was fitted on one feature per step and not on a DataFrame, so rows longer
    than one step are univariate samples (a 2-D reading could only refuse
    them as having too many features).
    """
    X = _as_array_like(X)
    index = X.index if hasattr(X, "index") and hasattr(X, "iloc") else None
    if isinstance(X, Sequences):
        return X, InputForm("sequences", X.is_tokens, _float_dtype_of(X))
    if np.ma.isMaskedArray(X):
        return X, InputForm(
            "masked",
            X.ndim == 2,
            _float_dtype_of(X),
            shape=X.shape,
            mask=np.ma.getmaskarray(X),
            masked_data=np.ma.getdata(X),
        )
    if (hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2) or sp.issparse(X):
        return X, InputForm("2d", True, _float_dtype_of(X), index=index, shape=X.shape)
    if isinstance(X, np.ndarray) and X.ndim in (2, 3):
        return X, InputForm(f"{X.ndim}d", X.ndim == 2, _float_dtype_of(X), shape=X.shape)
    if _is_list_of_rows(X, allow_tokens) and not (univariate_fit and len(X[0]) > 1):
        return X, InputForm("2d", True, _float_dtype_of(X), shape=(len(X), len(X[0])))
    samples = X.tolist() if hasattr(X, "iloc") else X
    try:
        if isinstance(X, (str, bytes, dict, set, frozenset)):
            raise TypeError  # iterable, but not a sequence of samples
        ndims = np.fromiter((np.ndim(s) for s in samples), dtype=np.int64, count=len(samples))
    except (TypeError, ValueError):
        ndims = None  # not a sequence of samples: check_sequences says why
    univariate = ndims is not None and bool(np.all(ndims == 1))
    return X, InputForm(
        "ragged",
        univariate,
        _float_dtype_of(X) if ndims is not None else np.dtype(np.float64),
        index=index,
        sample_ndims=ndims,
    )


def rebuild(sequences, form):
    """Return ragged storage in the form described by ``form`` (inverse of validation).

    Parameters
    ----------
    sequences : Sequences
        Storage with the same samples and lengths as the validated input.
    form : InputForm
        The description :func:`check_sequences` attached to its result.

    Returns
    -------
    X : Sequences, masked array, 2-D or 3-D array, or list of arrays
        2-D output for "2d" input, the input's shape for "3d", a masked array
        with the input's mask for "masked", a list of per-sample arrays (each
        with its input's number of dimensions) for "ragged".
    """
    data = sequences.data
    if form.kind == "sequences":
        return sequences
    if form.kind == "2d":
        return data.reshape(len(sequences), -1)
    if form.kind == "3d":
        return data.reshape(form.shape)
    if form.kind == "masked":
        step_mask = form.mask if len(form.shape) == 2 else form.mask.all(axis=2)
        out = form.masked_data.astype(data.dtype, copy=True)
        out[~step_mask] = data[:, 0] if len(form.shape) == 2 and data.ndim == 2 else data
        return np.ma.MaskedArray(out, mask=form.mask.copy())
    samples = sequences.to_list()
    if form.sample_ndims is None:
        return samples
    return [s.ravel() if ndim == 1 else s for s, ndim in zip(samples, form.sample_ndims)]


def rebuild_steps(values, sequences):
    """Return per-step outputs in the form of the X they were predicted from.

    The output counterpart of :func:`rebuild`: where ``rebuild`` returns
    inputs, this returns one row of outputs (a label, a vector of
    probabilities) per input step, for any estimator that predicts per step.

    Parameters
    ----------
    values : ndarray of shape (total_steps,) or (total_steps, ...)
        One row per step, in ``sequences``' step order.
    sequences : Sequences
        The validated X (its offsets and :class:`InputForm`).

    Returns
    -------
    outputs : list of ndarray, ndarray or masked array
        For 2-D or 3-D X, an array ``(n_samples, T) + values.shape[1:]``; for
        masked X, a masked array of that shape with X's step mask (the
        masked rows hold zeros); otherwise (ragged X, :class:`Sequences`) a
        list of per-sample arrays ``(T_i,) + values.shape[1:]``.
    """
    form = sequences.form
    tail = values.shape[1:]
    if form is not None and form.kind in ("2d", "3d"):
        return values.reshape((len(sequences), -1) + tail)
    if form is not None and form.kind == "masked":
        steps = form.mask if form.mask.ndim == 2 else form.mask.all(axis=2)
        data = np.zeros(steps.shape + tail, dtype=values.dtype)
        data[~steps] = values
        mask = np.broadcast_to(steps.reshape(steps.shape + (1,) * len(tail)), data.shape)
        return np.ma.MaskedArray(data, mask=mask.copy())
    offsets = sequences.offsets
    return [values[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def _as_sample_array(sample, index):
    """Convert one ragged sample to an ndarray, with a clear error."""
    if hasattr(sample, "to_numpy"):
        sample = sample.to_numpy()
    if isinstance(sample, str):
        raise ValueError(
            f"Sample {index} is a string ({sample[:30]!r}); text must be tokenized "
            "first, for example with sklearn_rnn.preprocessing.SequenceTokenizer."
        )
    try:
        array = np.asarray(sample)
    except ValueError as exc:  # inhomogeneous nested lists
        raise ValueError(
            f"Sample {index} is not a rectangular array of shape (T, n_features) or (T,): {exc}"
        ) from None
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"Sample {index} holds non-numeric values (dtype object); expected numbers."
            ) from None
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported; sample {index} is complex.")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"Sample {index} has dtype {array.dtype}; expected a numeric array.")
    if array.ndim == 0:
        raise ValueError(
            f"Sample {index} is a scalar; each sample must be a sequence of shape "
            "(T, n_features) or (T,). A 1-D array of numbers is one univariate "
            "sample only inside a list of samples; for a single sample, pass [x]."
        )
    if array.ndim > 2:
        raise ValueError(
            f"Sample {index} has {array.ndim} dimensions (shape {array.shape}); "
            "expected (T, n_features) or (T,)."
        )
    if len(array) == 0:
        raise ValueError(
            f"Sample {index} has length 0; every sequence needs at least one time step."
        )
    return array


def _ragged_to_sequences(samples, allow_tokens, dtype):
    arrays = [_as_sample_array(s, i) for i, s in enumerate(samples)]
    if not arrays:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    integer = [a.ndim == 1 and a.dtype.kind in "iub" and a.dtype.kind != "b" for a in arrays]
    if allow_tokens and all(integer):
        bad = [i for i, a in enumerate(arrays) if a.min() < 0]
        if bad:
            raise ValueError(
                f"Token ids must be non-negative; sample {bad[0]} has {int(arrays[bad[0]].min())}."
            )
        # uint64 ids past the int64 range would wrap around to negative ids.
        too_large = [i for i, a in enumerate(arrays) if int(a.max()) > np.iinfo(np.int64).max]
        if too_large:
            raise ValueError(
                f"Token id {int(arrays[too_large[0]].max())} of sample {too_large[0]} does "
                "not fit in int64; number the tokens from 0, for example with "
                "sklearn_rnn.preprocessing.SequenceTokenizer."
            )
        return Sequences.from_list([a.astype(np.int64, copy=False) for a in arrays])
    arrays = [a.reshape(-1, 1) if a.ndim == 1 else a for a in arrays]
    n_features = arrays[0].shape[1]
    if n_features == 0:
        raise ValueError(
            f"Sample 0 has 0 features per time step (shape {arrays[0].shape}); at least 1 "
            "is required."
        )
    for i, a in enumerate(arrays):
        if a.shape[1] != n_features:
            raise ValueError(
                f"Sample {i} has {a.shape[1]} features per time step but sample 0 has "
                f"{n_features}; all samples must have the same number of features."
            )
    return Sequences.from_list(arrays, dtype=dtype)


def _masked_to_sequences(X, allow_tokens, dtype):
    data = np.ma.getdata(X)
    mask = np.ma.getmaskarray(X)
    if data.ndim not in (2, 3):
        raise ValueError(f"A masked (padded) array must be 2-D or 3-D; got shape {data.shape}.")
    step_mask = mask if data.ndim == 2 else mask.all(axis=2)
    if data.ndim == 3 and np.any(mask.any(axis=2) & ~step_mask):
        raise ValueError(
            "A masked (padded) array must mask whole time steps; some steps are only partly masked."
        )
    samples = [data[i][~step_mask[i]] for i in range(len(data))]
    tokens = allow_tokens and data.ndim == 2 and data.dtype.kind in "iu"
    if not tokens and data.ndim == 2:
        samples = [s.reshape(-1, 1) for s in samples]
    return _ragged_to_sequences(samples, allow_tokens=tokens, dtype=dtype)


def _check_finite(seqs):
    if seqs.is_tokens or not seqs.data.size:
        return
    # min and max propagate NaN and hold any inf: no temporary of the data's
    # size (predicting on a million sequences must not copy them).
    if np.isfinite(seqs.data.min()) and np.isfinite(seqs.data.max()):
        return
    finite = np.isfinite(seqs.data)
    if not finite.all():
        step = int(np.flatnonzero(~finite.reshape(len(finite), -1).all(axis=1))[0])
        sample = int(np.searchsorted(seqs.offsets, step, side="right") - 1)
        raise ValueError(
            f"Input X contains NaN, infinity or a value too large for {seqs.data.dtype} "
            f"(sample {sample}, time step {step - int(seqs.offsets[sample])}). Impute or "
            "drop NaN and infinity; scale values too large for the dtype first."
        )


def _quiet_overflow(function):
    """Casts that overflow (1e39 to float32) give inf, which ``_check_finite``
    reports naming the sample; numpy's RuntimeWarning would only repeat it."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore"):
            return function(*args, **kwargs)

    return wrapper


@_quiet_overflow
def check_sequences(X, *, estimator=None, reset=True, allow_tokens=True, dtype=np.float32):
    """Validate any accepted form of ``X`` and return it as :class:`Sequences`.

    Parameters
    ----------
    X : array-like, DataFrame, sequence of arrays, masked array or Sequences
        The input, in one of the forms listed in the module docstring.
    estimator : estimator instance, default=None
        When given, ``n_features_in_`` (and ``feature_names_in_`` for
        DataFrames) is set on it when ``reset=True`` and checked otherwise.
    reset : bool, default=True
        Whether this call is ``fit`` (set the attributes) or not (check them).
    allow_tokens : bool, default=True
        Whether 1-D integer samples are read as token sequences.
    dtype : numpy dtype or None, default=np.float32
        dtype of the returned float data; None keeps the input's float dtype
        (float32 stays float32, anything else becomes float64).

    Returns
    -------
    sequences : Sequences
        Ragged storage of the validated samples; its ``form`` attribute is the
        :class:`InputForm` that :func:`rebuild` turns it back into.
    """
    univariate_fit = (
        estimator is not None
        and not reset
        and getattr(estimator, "n_features_in_", None) == 1
        and not hasattr(estimator, "feature_names_in_")
    )
    X, form = describe_input(X, allow_tokens=allow_tokens, univariate_fit=univariate_fit)
    dtype = form.float_dtype if dtype is None else dtype
    if form.kind == "sequences":
        seqs = X
    elif form.kind == "masked":
        seqs = _masked_to_sequences(X, allow_tokens, dtype)
    elif form.kind == "2d":
        # 2-D: univariate sequences. sklearn's own validation gives the standard
        # errors (sparse, NaN, complex, object, empty) and feature names.
        # NaN/inf are left to _check_finite, whose message names the sample.
        if len(form.shape) == 2 and form.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={tuple(form.shape)}) while a minimum "
                "of 1 is required: 2-D X has 0 time steps; every sequence needs at least one."
            )
        try:
            if estimator is not None:
                array = validate_data(
                    estimator, X, reset=reset, dtype=dtype, ensure_all_finite=False
                )
            else:
                array = check_array(X, dtype=dtype, ensure_all_finite=False)
        except ValueError as exc:
            if "sequence" not in str(exc):
                raise
            # numpy's "setting an array element with a sequence": cells hold arrays.
            raise ValueError(
                "X is 2-D (a DataFrame or an array of rows) but some of its cells hold "
                "sequences; 2-D input is read as (n_samples, n_timesteps) numbers. Pass "
                "per-sample arrays as a list or a pandas Series instead."
            ) from None
        n, t = array.shape
        seqs = Sequences(
            np.ascontiguousarray(array, dtype=dtype).reshape(n * t, 1),
            np.arange(n + 1, dtype=np.int64) * t,
        )
        _check_finite(seqs)
        if estimator is not None:
            _check_step_features(estimator, seqs, reset)
        seqs.form = form
        return seqs
    elif form.kind == "3d":
        seqs = _array_3d_to_sequences(X, dtype)
    else:
        if hasattr(X, "to_numpy") and getattr(X, "ndim", 1) == 1:  # pandas Series
            X = X.to_numpy()
        if isinstance(X, np.ndarray) and X.dtype != object:
            if X.ndim == 1:
                raise ValueError(
                    "Expected 2D array, got 1D array instead. Reshape your data either "
                    "using array.reshape(-1, 1) if your data has a single feature or "
                    "array.reshape(1, -1) if it contains a single sample; a 1-D object "
                    "array or a list is read as ragged samples."
                )
            raise ValueError(
                f"X has {X.ndim} dimensions (shape {X.shape}); expected 2-D "
                "(n_samples, n_timesteps), 3-D (n_samples, n_timesteps, n_features) "
                "or a sequence of per-sample arrays."
            )
        if not hasattr(X, "__len__") or isinstance(X, (str, bytes, dict, set, frozenset)):
            raise ValueError(
                f"X must be an array or a sequence of samples; got {type(X).__name__}."
            )
        if len(X) == 0:
            raise ValueError(
                "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required."
            )
        seqs = _ragged_to_sequences(list(X), allow_tokens, dtype)
    if len(seqs) == 0:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    if np.any(seqs.lengths == 0):
        index = int(np.flatnonzero(seqs.lengths == 0)[0])
        raise ValueError(
            f"Sample {index} has length 0; every sequence needs at least one time step."
        )
    _check_finite(seqs)
    if estimator is not None:
        _check_n_features(estimator, seqs, reset)
        _check_step_features(estimator, seqs, reset)
    if seqs.subwords is not None:
        _check_subwords(seqs)
    if seqs.form is None:
        seqs = Sequences(seqs.data, seqs.offsets, form, subwords=seqs.subwords)
    return seqs


def _check_subwords(seqs):
    """Character n-grams (``Sequences.subwords``) that fit their token sequences."""
    subwords = seqs.subwords
    if not seqs.is_tokens:
        raise ValueError(
            "Sequences.subwords holds the character n-grams of token sequences; these "
            f"sequences hold floats ({seqs.n_features} feature(s) per step)."
        )
    if not isinstance(subwords, Sequences) or not subwords.is_tokens or len(subwords) != len(seqs):
        raise ValueError(
            f"Sequences.subwords must be a Sequences of integer ids with one sample per "
            f"sequence ({len(seqs)}); got {subwords!r}."
        )
    if subwords.data.size and subwords.data.min() < 0:
        raise ValueError("Character n-gram ids (Sequences.subwords) must be non-negative.")


def _array_3d_to_sequences(X, dtype):
    if X.dtype == object:  # numbers held as Python objects
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "X has dtype object and holds non-numeric values; expected numbers."
            ) from None
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X has dtype {X.dtype}; expected numbers.")
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"X has 0 time steps (shape {X.shape}); every sequence needs at least one."
        )
    if X.shape[2] == 0:
        raise ValueError(f"X has 0 features (shape {X.shape}); at least 1 is required.")
    n, t, f = X.shape
    array = np.ascontiguousarray(X, dtype=dtype)
    return Sequences(array.reshape(n * t, f), np.arange(n + 1, dtype=np.int64) * t)


def _all_integer_rows(rows):
    try:
        return all(np.asarray(r).dtype.kind in "iu" for r in rows)
    except ValueError:
        return False


def _check_step_features(estimator, seqs, reset):
    """Features per time step: recorded in fit, compared afterwards.

    ``n_features_in_`` alone cannot tell them apart: for 2-D input it counts
    the columns (time steps), as sklearn requires, while each step holds one
    feature. Token sequences have none (``_base`` tells tokens from floats).
    """
    n_step = seqs.n_features
    if reset:
        estimator._n_step_features_in = n_step
        return
    expected = getattr(estimator, "_n_step_features_in", None)
    if expected is not None and n_step is not None and n_step != expected:
        raise ValueError(
            f"X has {n_step} feature(s) per time step, but {type(estimator).__name__} "
            f"was fitted on sequences of {expected}. A 2-D array or DataFrame holds "
            "univariate sequences (n_samples, n_timesteps); pass a 3-D array "
            "(n_samples, n_timesteps, n_features) or a list of (T_i, n_features) arrays."
        )


def _check_n_features(estimator, seqs, reset):
    """``n_features_in_`` for 3-D, ragged and token input (2-D goes through sklearn)."""
    n_features = 1 if seqs.is_tokens else seqs.n_features
    if reset:
        estimator.n_features_in_ = n_features
        _check_feature_names(estimator, None, reset=True)
        return
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and n_features != expected:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{expected} features as input."
        )


def check_sample_weight_array(sample_weight, n_samples):
    """Validate ``sample_weight`` (None, scalar or 1-D of length n_samples)."""
    return _check_sample_weight(sample_weight, np.empty((n_samples, 1)), dtype=np.float32)
