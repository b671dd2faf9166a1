"""pandas helpers: long-format frames to sequences and back, forecasting windows."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from .._validation import check_sequences


def _plain(value):
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _row_name(frame, position):
    return f"row {position} (index {_plain(frame.index[position])!r})"


def _check_long_frame(frame, id_column, time_column, value_columns):
    """Validate a long-format frame; return the value column names."""
    if not (hasattr(frame, "columns") and hasattr(frame, "iloc")):
        raise ValueError(
            "Long-format input must be a pandas DataFrame with an id column, an "
            f"optional time column and value columns; got {type(frame).__name__}."
        )
    if len(frame) == 0:
        raise ValueError("The long-format DataFrame has 0 rows; a minimum of 1 is required.")
    required = [id_column] + ([] if time_column is None else [time_column])
    if value_columns is not None:
        value_columns = (
            [value_columns] if isinstance(value_columns, (str, Integral)) else list(value_columns)
        )
        required += value_columns
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(
            f"Column(s) {missing} missing from the long-format DataFrame; it has "
            f"columns {list(frame.columns)}."
        )
    if value_columns is None:
        value_columns = [c for c in frame.columns if c != id_column and c != time_column]
    if not value_columns:
        raise ValueError(
            f"The long-format DataFrame has no value column besides id_column={id_column!r}"
            f" and time_column={time_column!r}."
        )
    for column in [id_column] + ([] if time_column is None else [time_column]):
        missing_rows = np.flatnonzero(frame[column].isna().to_numpy())
        if len(missing_rows):
            raise ValueError(
                f"Column {column!r} has a missing value at {_row_name(frame, int(missing_rows[0]))}."
            )
    for column in value_columns:
        if not (
            pd.api.types.is_numeric_dtype(frame[column])
            and not pd.api.types.is_bool_dtype(frame[column])
        ):
            raise ValueError(
                f"Value column {column!r} has dtype {frame[column].dtype}; value columns "
                "must be numeric (encode categories first)."
            )
    if time_column is not None:
        duplicated = np.flatnonzero(
            frame.duplicated([id_column, time_column], keep="first").to_numpy()
        )
        if len(duplicated):
            position = int(duplicated[0])
            raise ValueError(
                f"Duplicate (id, time) pair ({_plain(frame[id_column].iloc[position])!r}, "
                f"{_plain(frame[time_column].iloc[position])!r}) at {_row_name(frame, position)}: "
                "each id may have one row per time. Aggregate the duplicates first, "
                "e.g. frame.groupby([id_column, time_column]).mean()."
            )
    values = frame[value_columns].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"Value column {value_columns[column]!r} holds {values[row, column]} at "
            f"{_row_name(frame, int(row))}. Impute or drop it first."
        )
    return value_columns


def long_to_sequences(
    frame,
    *,
    id_column="id",
    time_column=None,
    value_columns=None,
    dtype=np.float32,
    return_index=False,
):
    """Turn a long-format DataFrame (one row per id and time step) into sequences.

    Parameters
    ----------
    frame : DataFrame
        One row per (id, time step).
    id_column : str, default="id"
        Column naming each row's sequence. Ids keep the order of their first
        appearance in ``frame``.
    time_column : str or None, default=None
        Column to sort each sequence's steps by; None keeps the row order.
        (id, time) pairs must be unique.
    value_columns : str, list of str or None, default=None
        The per-step features; None takes every other column.
    dtype : numpy dtype, default=np.float32
        dtype of the arrays.
    return_index : bool, default=False
        Also return, per id, the original row labels of its steps in sequence
        order, to map per-step outputs back with :func:`sequences_to_long`.

    Returns
    -------
    sequences : Series of ndarray of shape (T_i, n_values)
        Indexed by id; every estimator of the package accepts it as X, and
        ``y.loc[sequences.index]`` aligns per-id targets.
    row_index : Series of ndarray
        Returned when ``return_index=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn.preprocessing import long_to_sequences
    >>> frame = pd.DataFrame({"id": ["b", "a", "b"], "t": [2, 1, 1], "x": [3.0, 1.0, 2.0]})
    >>> seqs = long_to_sequences(frame, id_column="id", time_column="t")
    >>> seqs.index.tolist(), [s.ravel().tolist() for s in seqs]
    (['b', 'a'], [[2.0, 3.0], [1.0]])
    """
    value_columns = _check_long_frame(frame, id_column, time_column, value_columns)
    codes, ids = pd.factorize(frame[id_column], sort=False)
    if time_column is None:
        order = np.argsort(codes, kind="stable")
    else:
        time_rank, _ = pd.factorize(frame[time_column], sort=True)
        order = np.lexsort((time_rank, codes))
    values = frame[value_columns].to_numpy(dtype=dtype)[order]
    boundaries = np.cumsum(np.bincount(codes, minlength=len(ids)))[:-1]
    index = pd.Index(ids, name=id_column)
    sequences = pd.Series(np.split(values, boundaries), index=index, name="sequence", dtype=object)
    if not return_index:
        return sequences
    row_index = pd.Series(
        np.split(frame.index.to_numpy()[order], boundaries), index=index, dtype=object
    )
    return sequences, row_index


def sequences_to_long(
    sequences, *, ids=None, index=None, id_column="id", time_column="step", value_columns=None
):
    """Turn per-step sequences (inputs or per-step outputs) into a long DataFrame.

    The reverse of :func:`long_to_sequences`.

    Parameters
    ----------
    sequences : sequence of arrays of shape (T_i,) or (T_i, n_values), or any accepted form
        For example per-step predictions.
    ids : array-like of shape (n_samples,) or None, default=None
        Id of each sequence; None uses the index of a Series input, else
        ``0..n_samples-1``.
    index : sequence of arrays or None, default=None
        Per-sequence original row labels (``row_index`` from
        :func:`long_to_sequences`); the result is then indexed by them, so it
        aligns with the original frame.
    id_column : str, default="id"
    time_column : str, default="step"
        Column holding each step's position within its sequence.
    value_columns : list of str or None, default=None
        Names of the value columns; None gives ``"value"`` for one column,
        else ``"value0", "value1", ...``.

    Returns
    -------
    frame : DataFrame
        One row per (id, step), columns ``[id_column, time_column, *value_columns]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import sequences_to_long
    >>> sequences_to_long([np.array([0.5, 0.7]), np.array([0.1])], ids=["b", "a"])
      id  step  value
    0  b     0    0.5
    1  b     1    0.7
    2  a     0    0.1
    """
    if ids is None and hasattr(sequences, "index") and getattr(sequences, "ndim", 2) == 1:
        ids = sequences.index
    validated = check_sequences(sequences, allow_tokens=True, dtype=np.float64)
    lengths = validated.lengths
    data = validated.data.reshape(len(validated.data), -1)
    n_values = data.shape[1]
    if ids is None:
        ids = np.arange(len(validated))
    ids = np.asarray(ids, dtype=object) if not isinstance(ids, pd.Index) else ids.to_numpy()
    if len(ids) != len(validated):
        raise ValueError(f"Got {len(ids)} ids for {len(validated)} sequences; they must match.")
    if value_columns is None:
        value_columns = ["value"] if n_values == 1 else [f"value{j}" for j in range(n_values)]
    value_columns = list(value_columns)
    if len(value_columns) != n_values:
        raise ValueError(
            f"Got {len(value_columns)} value_columns for {n_values} value(s) per step."
        )
    steps = np.arange(len(data)) - np.repeat(validated.offsets[:-1], lengths)
    columns = {id_column: np.repeat(ids, lengths), time_column: steps}
    columns.update({name: data[:, j] for j, name in enumerate(value_columns)})
    frame = pd.DataFrame(columns)
    if index is not None:
        labels = np.concatenate([np.asarray(labels) for labels in index])
        if len(labels) != len(frame):
            raise ValueError(f"index holds {len(labels)} row labels for {len(frame)} steps.")
        frame.index = labels
    return frame


class LongToSequences(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Transformer form of :func:`long_to_sequences`.

    It records the frame's columns (``feature_names_in_``) and value columns
    in ``fit`` and checks them in ``transform``. It changes the number of
    samples (rows become ids), so it belongs *before* a Pipeline that is
    cross-validated, not inside it: apply it, then align ``y`` by id.

    Parameters
    ----------
    id_column : str, default="id"
        Column naming each row's sequence.
    time_column : str or None, default=None
        Column to sort each sequence's steps by; None keeps the row order.
    value_columns : list of str or None, default=None
        Per-step features; None takes every other column.
    dtype : numpy dtype, default=np.float32
        dtype of the arrays.

    Attributes
    ----------
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Columns of the frame seen in ``fit``.
    n_features_in_ : int
        Number of those columns.
    value_columns_ : list of str
        The value columns, in output order.
    ids_ : Index
        Ids seen in ``fit``, in output order.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn.preprocessing import LongToSequences
    >>> frame = pd.DataFrame({"id": [7, 7, 3], "x": [1.0, 2.0, 3.0], "z": [0.0, 0.0, 1.0]})
    >>> long = LongToSequences().fit(frame)
    >>> long.transform(frame).map(len).to_dict(), long.get_feature_names_out().tolist()
    ({7: 2, 3: 1}, ['x', 'z'])
    """

    _parameter_constraints = {
        "id_column": "no_validation",
        "time_column": "no_validation",
        "value_columns": [list, str, None],
        "dtype": "no_validation",
    }

    def __init__(self, *, id_column="id", time_column=None, value_columns=None, dtype=np.float32):
        self.id_column = id_column
        self.time_column = time_column
        self.value_columns = value_columns
        self.dtype = dtype

    def fit(self, X, y=None):
        """Check the frame and record its columns.

        Parameters
        ----------
        X : DataFrame
            Long-format frame.
        y : None
            Ignored.

        Returns
        -------
        self : LongToSequences
        """
        self._validate_params()
        self.value_columns_ = _check_long_frame(
            X, self.id_column, self.time_column, self.value_columns
        )
        _check_feature_names(self, X, reset=True)
        self.n_features_in_ = X.shape[1]
        self.ids_ = pd.Index(pd.unique(X[self.id_column]), name=self.id_column)
        return self

    def transform(self, X):
        """Return the per-id sequences.

        Parameters
        ----------
        X : DataFrame
            Long-format frame with the columns seen in ``fit``.

        Returns
        -------
        sequences : Series of ndarray of shape (T_i, len(value_columns_))
            Indexed by id, in order of first appearance.
        """
        check_is_fitted(self, "value_columns_")
        _check_long_frame(X, self.id_column, self.time_column, self.value_columns_)
        _check_feature_names(self, X, reset=False)
        return long_to_sequences(
            X,
            id_column=self.id_column,
            time_column=self.time_column,
            value_columns=self.value_columns_,
            dtype=self.dtype,
        )

    def inverse_transform(self, X):
        """Turn sequences (or per-step outputs) back into a long DataFrame.

        Parameters
        ----------
        X : Series or sequence of arrays
            Per-id sequences; a Series gives the ids by its index, else
            ``ids_`` when the count matches, else ``0..n-1``.

        Returns
        -------
        frame : DataFrame
            Columns ``id_column``, ``time_column`` (or "step": the position in
            the sequence) and the value columns (``value_columns_`` when the
            width matches).
        """
        check_is_fitted(self, "value_columns_")
        ids = None
        if not (hasattr(X, "index") and getattr(X, "ndim", 2) == 1) and len(X) == len(self.ids_):
            ids = self.ids_
        width = check_sequences(X, allow_tokens=False).n_features
        names = self.value_columns_ if width == len(self.value_columns_) else None
        return sequences_to_long(
            X,
            ids=ids,
            id_column=self.id_column,
            time_column=self.time_column or "step",
            value_columns=names,
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the per-step features of the output.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "value_columns_")
        return np.asarray(self.value_columns_, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _as_series_table(series, number, target):
    """One series -> (values of shape (T, n_features), target values (T,), labels)."""
    if hasattr(series, "iloc"):
        labels = series.index.to_numpy()
        if series.ndim == 1:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1)
            names = [series.name]
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            names = list(series.columns)
    else:
        values = np.asarray(series, dtype=np.float64)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        if values.ndim != 2:
            raise ValueError(
                f"Series {number} has shape {values.shape}; expected (T,) or (T, n_features)."
            )
        labels = np.arange(len(values))
        names = None
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(
            f"Series {number} holds {values[row, column]} at position {row} (index "
            f"{labels[row]!r}), column {column}. Impute or drop it first."
        )
    n_features = values.shape[1]
    if target is None:
        if n_features != 1:
            raise ValueError(
                f"The data has {n_features} columns; pass target= (a column name or "
                "position) to say which one to forecast."
            )
        column = 0
    elif isinstance(target, Integral) and not (names is not None and target in names):
        column = int(target)
        if not -n_features <= column < n_features:
            raise ValueError(f"target={target} is out of range for {n_features} column(s).")
    else:
        if names is None or target not in names:
            raise ValueError(
                f"target={target!r} is not a column of series {number}; columns: {names}."
            )
        column = names.index(target)
    return values, values[:, column], labels


@validate_params(
    {
        "data": "no_validation",
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "target": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def make_windows(data, *, window, horizon=1, stride=1, target=None):
    """Cut one or several series into (window, horizon) pairs for forecasting.

    ``X[i]`` holds ``window`` consecutive steps and ``y[i]`` the ``horizon``
    target values that follow them: an :class:`~sklearn_rnn.RNNRegressor`
    fitted on ``(X, y)`` forecasts all ``horizon`` steps at once (direct
    multi-step forecasting). Map its predictions back to the original index
    with :func:`windows_to_frame`.

    Parameters
    ----------
    data : array-like of shape (T,) or (T, n_features), Series, DataFrame, or list of those
        One series, or a list of several (each cut separately: no window spans
        two series).
    window : int
        Input steps per sample.
    horizon : int, default=1
        Target steps per sample.
    stride : int, default=1
        Steps between the starts of consecutive windows.
    target : int, str or None, default=None
        The column to forecast, by position or DataFrame column name; None
        requires a single column.

    Returns
    -------
    X : ndarray of shape (n_windows, window) or (n_windows, window, n_features)
        2-D for univariate data (read as univariate sequences), else 3-D.
    y : ndarray of shape (n_windows,) if horizon == 1 else (n_windows, horizon)
    target_index : ndarray of shape (n_windows, horizon)
        Original index label (position for arrays) of each target value; for
        a list of series, ``(series_number, label)`` tuples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import make_windows
    >>> X, y, index = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> X.tolist(), y.tolist(), index.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]], [[3, 4], [4, 5]])
    """
    window, horizon, stride = int(window), int(horizon), int(stride)
    several = isinstance(data, (list, tuple)) and len(data) > 0 and not _is_flat_numbers(data)
    series_list = list(data) if several else [data]
    Xs, ys, indices = [], [], []
    n_features = None
    for number, series in enumerate(series_list):
        values, target_values, labels = _as_series_table(series, number, target)
        if n_features is not None and values.shape[1] != n_features:
            raise ValueError(
                f"Series {number} has {values.shape[1]} columns but series 0 has {n_features}."
            )
        n_features = values.shape[1]
        n_windows = (len(values) - window - horizon) // stride + 1
        if n_windows < 1:
            if len(series_list) == 1:
                raise ValueError(
                    f"The series has {len(values)} steps, fewer than window + horizon = "
                    f"{window + horizon}; no window fits."
                )
            continue
        starts = np.arange(n_windows) * stride
        steps = starts[:, None] + np.arange(window)
        target_steps = starts[:, None] + window + np.arange(horizon)
        Xs.append(values[steps])
        ys.append(target_values[target_steps])
        label_block = labels[target_steps]
        if len(series_list) > 1:
            tuples = np.empty(label_block.shape, dtype=object)
            tuples.ravel()[:] = [(number, label) for label in label_block.ravel().tolist()]
            label_block = tuples
        indices.append(label_block)
    if not Xs:
        raise ValueError(
            f"No series has window + horizon = {window + horizon} steps; no window fits."
        )
    X = np.concatenate(Xs)
    if n_features == 1:
        X = X[:, :, 0]
    y = np.concatenate(ys)
    if horizon == 1:
        y = y[:, 0]
    return X, y, np.concatenate(indices)


def _is_flat_numbers(data):
    """Whether a list is one univariate series of numbers, not a list of series."""
    return all(np.ndim(value) == 0 for value in data)


def windows_to_frame(y_pred, target_index):
    """Put direct multi-step forecasts back on the original index.

    Parameters
    ----------
    y_pred : array-like of shape (n_windows,) or (n_windows, horizon)
        Predictions for the windows of :func:`make_windows`.
    target_index : ndarray of shape (n_windows, horizon)
        The ``target_index`` returned by :func:`make_windows`.

    Returns
    -------
    forecasts : DataFrame
        Indexed by the original labels (in order of first appearance), one
        column per horizon step ``1..horizon``: column ``h`` holds the forecast
        made ``h`` steps ahead (NaN where no window forecast that label at
        that step, e.g. with ``stride > 1``). ``forecasts[1]`` is the usual
        one-step-ahead forecast.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import make_windows, windows_to_frame
    >>> X, y, index = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> windows_to_frame(y, index)
         1    2
    3  3.0  NaN
    4  4.0  4.0
    5  NaN  5.0
    """
    target_index = np.asarray(target_index)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_pred.ndim == 1:
        y_pred = y_pred.reshape(-1, 1)
    if y_pred.shape != target_index.shape[:2]:
        raise ValueError(
            f"y_pred has shape {y_pred.shape} but target_index has shape "
            f"{target_index.shape}; they must match (n_windows, horizon)."
        )
    horizon = y_pred.shape[1]
    labels = target_index.ravel()
    steps = np.tile(np.arange(1, horizon + 1), len(y_pred))
    long = pd.DataFrame(
        {"label": pd.Series(list(labels), dtype=object), "step": steps, "value": y_pred.ravel()}
    )
    frame = long.pivot(index="label", columns="step", values="value")
    order = pd.unique(pd.Series(list(labels), dtype=object))
    frame = frame.reindex(pd.Index(order, dtype=object))
    if len(order) and not any(isinstance(label, tuple) for label in order):
        frame.index = pd.Index(list(order))
    frame.index.name = None
    frame.columns.name = None
    return frame
