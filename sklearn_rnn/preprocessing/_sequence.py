"""SequencePadder and SequenceScaler: transformers of numeric sequences.

Both read their input through the package's one validator
(:func:`sklearn_rnn._validation.check_sequences`), so they accept every form
the estimators accept.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._validation import Sequences, check_sequences, rebuild


class SequencePadder(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Pad or truncate sequences to one fixed length, keeping their true lengths.

    The output is a numpy masked array in which the padding is masked, so that
    every estimator of the package (and :class:`SequenceScaler`) reads each
    sample at its true length: an estimator after a ``SequencePadder`` predicts
    exactly what it predicts on the ragged input, up to the truncation asked
    for. Use it for a fixed input size or to tune truncation in a grid search.

    Parameters
    ----------
    maxlen : int or None, default=None
        Length of the output sequences. None uses the longest sequence seen in
        ``fit``; longer sequences met in ``transform`` are then truncated.
    padding : {"post", "pre"}, default="post"
        Pad after ("post") or before ("pre") the real steps.
    truncating : {"pre", "post"}, default="pre"
        Drop the first ("pre") or the last ("post") steps of longer sequences.
        The default keeps the end of each sequence, which a recurrent network
        reading to the last step relies on most.
    value : float or int, default=0
        Value stored under the mask in the padded positions. For token
        sequences keep the default (:data:`~sklearn_rnn.PAD_TOKEN_ID`).
    dtype : numpy dtype or None, default=None
        dtype of the output. None gives int64 for token sequences and the input's
        float dtype (float32 kept, anything else float64) for numeric ones.

    Attributes
    ----------
    maxlen_ : int
        Output length used by ``transform``.
    n_features_in_ : int
        Features per time step (the number of columns for 2-D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, defined only when X was a DataFrame.

    See Also
    --------
    SequenceScaler : Scale the real time steps of sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequencePadder
    >>> X = [np.array([3, 4, 5]), np.array([6])]
    >>> padded = SequencePadder().fit_transform(X)
    >>> padded
    masked_array(
      data=[[3, 4, 5],
            [6, --, --]],
      mask=[[False, False, False],
            [False,  True,  True]],
      fill_value=999999)
    >>> [x.tolist() for x in SequencePadder().fit(X).inverse_transform(padded)]
    [[3, 4, 5], [6]]
    """

    _parameter_constraints = {
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "value": [Real],
        "dtype": "no_validation",
    }

    def __init__(self, *, maxlen=None, padding="post", truncating="pre", value=0, dtype=None):
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.value = value
        self.dtype = dtype

    def fit(self, X, y=None):
        """Learn the output length.

        Parameters
        ----------
        X : sequences
            Any form the package accepts: 3-D or 2-D array, DataFrame, list or
            Series of ``(T_i, n_features)`` or ``(T_i,)`` arrays, integer token
            sequences, masked array.
        y : None
            Ignored.

        Returns
        -------
        self : SequencePadder
        """
        self._validate_params()
        sequences = check_sequences(X, estimator=self, reset=True, dtype=None)
        self.maxlen_ = int(sequences.lengths.max()) if self.maxlen is None else int(self.maxlen)
        return self

    def transform(self, X):
        """Pad or truncate every sequence to ``maxlen_`` steps.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        X_padded : masked array of shape (n_samples, maxlen_) or (n_samples, maxlen_, n_features)
            2-D for token sequences and for univariate input given as 2-D data
            or 1-D samples, 3-D otherwise. Padded positions are masked (whole
            time steps).
        """
        check_is_fitted(self, "maxlen_")
        sequences = check_sequences(X, estimator=self, reset=False, dtype=None)
        two_d = sequences.is_tokens or (sequences.n_features == 1 and sequences.form.univariate)
        return pad_sequences(
            sequences,
            maxlen=self.maxlen_,
            padding=self.padding,
            truncating=self.truncating,
            value=self.value,
            dtype=self.dtype,
            two_d=two_d,
        )

    def inverse_transform(self, X):
        """Return the real (unmasked) steps of each sample as a list.

        Truncated steps cannot be restored.

        Parameters
        ----------
        X : masked array of shape (n_samples, maxlen_[, n_features])
            Output of :meth:`transform` (any accepted form works).

        Returns
        -------
        X_ragged : list of ndarray
            ``(T_i,)`` arrays for 2-D input (tokens or univariate), else
            ``(T_i, n_features)`` arrays.
        """
        check_is_fitted(self, "maxlen_")
        sequences = check_sequences(X, dtype=None)
        samples = sequences.to_list()
        if not sequences.is_tokens and sequences.form.kind in ("2d", "masked"):
            samples = (
                [sample.ravel() for sample in samples] if sequences.form.univariate else samples
            )
        return [sample.copy() for sample in samples]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def pad_sequences(
    sequences, *, maxlen, padding="post", truncating="pre", value=0, dtype=None, two_d=None
):
    """Pad :class:`~sklearn_rnn.Sequences` into a masked array, vectorised.

    Parameters
    ----------
    sequences : Sequences
        Validated sequences.
    maxlen : int
        Output length.
    padding, truncating : {"pre", "post"}
        As in :class:`SequencePadder`.
    value : float or int, default=0
        Fill value under the mask.
    dtype : numpy dtype or None, default=None
        Output dtype; None keeps the data's dtype.
    two_d : bool or None, default=None
        Drop the feature axis (requires one feature); None: only for tokens.

    Returns
    -------
    masked : numpy masked array
    """
    data = sequences.data
    if two_d is None:
        two_d = sequences.is_tokens
    if two_d and data.ndim == 2:
        data = data[:, 0]
    n_samples = len(sequences)
    lengths = sequences.lengths
    kept = np.minimum(lengths, maxlen)
    starts = sequences.offsets[:-1]
    if truncating == "pre":
        starts = starts + lengths - kept
    # Position of each kept step within its kept run, all samples at once.
    run_starts = np.zeros(n_samples, dtype=np.int64)
    np.cumsum(kept[:-1], out=run_starts[1:])
    within = np.arange(int(kept.sum()), dtype=np.int64) - np.repeat(run_starts, kept)
    rows = np.repeat(np.arange(n_samples), kept)
    source = np.repeat(starts, kept) + within
    columns = within if padding == "post" else np.repeat(maxlen - kept, kept) + within
    out_dtype = data.dtype if dtype is None else np.dtype(dtype)
    out = np.full((n_samples, maxlen) + data.shape[1:], value, dtype=out_dtype)
    out[rows, columns] = data[source]
    step_mask = np.ones((n_samples, maxlen), dtype=bool)
    step_mask[rows, columns] = False
    mask = step_mask if out.ndim == 2 else np.repeat(step_mask[:, :, None], out.shape[2], axis=2)
    return np.ma.MaskedArray(out, mask=mask)


_METHODS = ("standard", "minmax", "robust")

#: ``per_sequence="auto"`` scales a feature per sequence when its training
#: sequences' own scales span more than this many orders of magnitude
#: (log10 of the 95th over the 5th percentile).
AUTO_SCALE_SPREAD = 2.0


def _statistics(data, method):
    """Centre and scale of each column of ``data`` for ``method``."""
    if method == "standard":
        return data.mean(axis=0), data.std(axis=0)
    if method == "minmax":
        center = data.min(axis=0)
        return center, data.max(axis=0) - center
    center = np.median(data, axis=0)
    q25, q75 = np.percentile(data, [25, 75], axis=0)
    return center, q75 - q25


def _sequence_statistics(sequences, method, floor):
    """Each sequence's own centre and scale per feature, ``(n_samples, n_features)``
    each; scales are floored at ``floor``."""
    data, starts, lengths = sequences.data, sequences.offsets[:-1], sequences.lengths
    if method == "standard":
        centers = np.add.reduceat(data, starts, axis=0) / lengths[:, None]
        deviations = data - np.repeat(centers, lengths, axis=0)
        scales = np.sqrt(np.add.reduceat(deviations**2, starts, axis=0) / lengths[:, None])
    elif method == "minmax":
        centers = np.minimum.reduceat(data, starts, axis=0)
        scales = np.maximum.reduceat(data, starts, axis=0) - centers
    else:
        pairs = [_statistics(sample, method) for sample in sequences.to_list()]
        centers = np.array([c for c, _ in pairs]).reshape(len(pairs), -1)
        scales = np.array([s for _, s in pairs]).reshape(len(pairs), -1)
    return centers, np.maximum(scales, floor)


def _mean_std(values):
    """Column means and standard deviations (a zero deviation replaced by 1)."""
    if values.shape[1] == 0:
        return np.zeros(0), np.ones(0)
    std = values.std(axis=0)
    return values.mean(axis=0), np.where(std > 0, std, 1.0)


def _rebuild_with_feature_axis(sequences, form):
    """Like :func:`rebuild`, but every sample keeps a feature axis (its width
    may differ from the input's): 2-D input gives a 3-D array, 1-D ragged
    samples give 2-D ones, a 2-D masked array a 3-D one."""
    n_samples, n_features = len(sequences), sequences.data.shape[1]
    if form.kind == "sequences":
        return sequences
    if form.kind in ("2d", "3d"):
        return sequences.data.reshape(n_samples, form.shape[1], n_features)
    if form.kind == "masked":
        step_mask = form.mask if len(form.shape) == 2 else form.mask.all(axis=2)
        out = np.zeros(step_mask.shape + (n_features,), dtype=sequences.data.dtype)
        out[~step_mask] = sequences.data
        mask = np.repeat(step_mask[:, :, None], n_features, axis=2)
        return np.ma.MaskedArray(out, mask=mask)
    return sequences.to_list()


class SequenceScaler(
    OneToOneFeatureMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Scale each feature using statistics over all real time steps.

    Statistics are computed per feature over every real step of every sample
    (padding, i.e. masked steps, is ignored), so that a long sequence weighs as
    many steps as it has. The output keeps the input's form: a list of arrays
    for ragged input (each sample keeps its shape), a 3-D array for 3-D input,
    a 2-D array (or, with ``set_output(transform="pandas")``, a DataFrame) for
    2-D input, a masked array with the same mask for masked input.

    2-D input is read as univariate sequences (each column a time step), so
    one statistic is shared by all its columns.

    **Per-sequence scaling.** When the sequences' own scales differ by orders
    of magnitude (electrical loads from 1e-4 to 500, case counts of small and
    large countries), one dataset-wide scale leaves most sequences near zero
    and a network cannot read their shapes. A feature scaled *per sequence*
    is centred and divided by each sequence's own statistic, and two constant
    channels keep what that removes: the sequence's level and the log10 of
    its scale, each standardised over the training sequences. Nothing is
    lost: :meth:`inverse_transform` rebuilds the input from them. A fourth
    channel (``global_channel=True``, the default) keeps the feature scaled
    by the global statistics too, so that what reads the amplitudes as
    values along the sequence (a convolution, MiniRocket's features) still
    can: the shape per sequence and the amplitude across sequences, side by
    side. Such a feature becomes four features (three without the global
    channel), in the order given by :meth:`get_feature_names_out`; 2-D
    input then gives a 3-D array (its steps can no longer be one column
    each) and ragged 1-D samples give 2-D samples.

    Parameters
    ----------
    method : {"standard", "minmax", "robust"}, default="standard"
        "standard": remove the mean, divide by the standard deviation;
        "minmax": map ``[min, max]`` to ``[0, 1]``; "robust": remove the
        median, divide by the interquartile range. A zero scale is replaced
        by 1 (per sequence: by the floor below).
    per_sequence : {"auto"} or bool, default="auto"
        Which features are scaled per sequence (see above). False: none;
        True: every feature; "auto": each feature whose per-sequence scales
        (the standard deviation, range or IQR of each training sequence)
        span more than two orders of magnitude between their 5th and 95th
        percentiles (``scale_spread_ > 2``). A rule on the data's spread of
        scales, not on which data it is; data already normalised per series
        (most of the UCR archive) has a spread of 0 and keeps the global
        scaling. A sequence's scale is floored at 1e-9 times the feature's
        global scale, so a constant sequence gives finite values.
    global_channel : bool, default=True
        Each feature scaled per sequence is followed, after its level and
        log-scale channels, by its values scaled with the global statistics
        (``center_``, ``scale_``), as without per-sequence scaling. With
        :class:`~sklearn_rnn.components.RocketBranch` under the defaults, on
        PLAID (electrical loads whose amplitudes tell the appliances apart)
        the classifier scored 0.944 with it and 0.933 without (MiniRocket on
        the raw loads: 0.955); Covid3Month's RMSE went 0.0400 -> 0.0406
        (MiniRocket 0.0412), seeds 0-2 (``benchmarks/journal.md``, "Issue
        25: the amplitudes across sequences"). False: the three channels of
        the versions before it (a scaler saved by them keeps them).

    Attributes
    ----------
    center_ : ndarray of shape (n_step_features,)
        Per-feature value subtracted (mean, minimum or median).
    scale_ : ndarray of shape (n_step_features,)
        Per-feature divisor (standard deviation, range or IQR).
    n_steps_seen_ : int
        Real time steps the statistics were computed on.
    per_sequence_ : ndarray of bool of shape (n_step_features,)
        Which features are scaled per sequence.
    scale_spread_ : ndarray of shape (n_step_features,)
        log10 of the ratio of the 95th to the 5th percentile of the training
        sequences' own scales: the statistic ``per_sequence="auto"`` reads.
    level_center_, level_scale_ : ndarray of shape (n_per_sequence,)
        Mean and standard deviation, over the training sequences, of each
        per-sequence feature's level (the removed centre): they standardise
        the level channel.
    log_scale_center_, log_scale_scale_ : ndarray of shape (n_per_sequence,)
        The same for the log10 of each sequence's scale.
    n_features_in_ : int
        Features per time step (the number of columns for 2-D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, defined only when X was a DataFrame.

    See Also
    --------
    SequencePadder : Pad sequences to a fixed length.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.preprocessing import SequenceScaler
    >>> X = [np.array([[0.0], [2.0]]), np.array([[4.0]])]
    >>> scaler = SequenceScaler(method="minmax").fit(X)
    >>> [x.ravel().tolist() for x in scaler.transform(X)]
    [[0.0, 0.5], [1.0]]

    Sequences whose amplitudes span orders of magnitude are scaled one by one,
    with their level, log-scale and globally scaled values as three more
    channels:

    >>> rng = np.random.default_rng(0)
    >>> X = [a * rng.normal(size=(50, 1)) for a in np.logspace(-4, 3, 20)]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.per_sequence_, round(float(scaler.scale_spread_[0]), 1)
    (array([ True]), 6.3)
    >>> scaler.get_feature_names_out().tolist()
    ['x0', 'x0_level', 'x0_log10_scale', 'x0_global']
    >>> Xt = scaler.transform(X)
    >>> Xt[0].shape, round(float(Xt[0][:, 0].std()), 6)
    ((50, 4), 1.0)
    >>> bool(np.allclose(scaler.inverse_transform(Xt)[0], X[0]))
    True
    """

    _parameter_constraints = {
        "method": [StrOptions(set(_METHODS))],
        "per_sequence": [StrOptions({"auto"}), "boolean"],
        "global_channel": ["boolean"],
    }

    def __init__(self, *, method="standard", per_sequence="auto", global_channel=True):
        self.method = method
        self.per_sequence = per_sequence
        self.global_channel = global_channel

    def __setstate__(self, state):
        # A scaler pickled before global_channel existed keeps its output:
        # the model fitted after it reads three channels per such feature.
        state.setdefault("global_channel", False)
        super().__setstate__(state)

    def _channels(self):
        """Output channels of a feature scaled per sequence."""
        return 4 if self.global_channel else 3

    def fit(self, X, y=None):
        """Compute the per-feature statistics over the real time steps.

        Parameters
        ----------
        X : sequences
            Any numeric form the package accepts (integer samples are read as
            numbers, not tokens).
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        self._validate_params()
        sequences = check_sequences(
            X, estimator=self, reset=True, allow_tokens=False, dtype=np.float64
        )
        data = sequences.data
        center, scale = _statistics(data, self.method)
        # A constant feature keeps its values centred rather than dividing by 0.
        self.center_ = center
        self.scale_ = np.where(
            scale > 10 * np.finfo(np.float64).eps * np.maximum(np.abs(center), 1), scale, 1.0
        )
        self.n_steps_seen_ = len(data)

        levels, scales = _sequence_statistics(sequences, self.method, self._floor())
        q05, q95 = np.percentile(scales, [5, 95], axis=0)
        self.scale_spread_ = np.log10(q95 / q05)
        if self.per_sequence == "auto":
            self.per_sequence_ = self.scale_spread_ > AUTO_SCALE_SPREAD
        else:
            self.per_sequence_ = np.full(data.shape[1], bool(self.per_sequence))
        chosen = self.per_sequence_
        log_scales = np.log10(scales[:, chosen])
        self.level_center_, self.level_scale_ = _mean_std(levels[:, chosen])
        self.log_scale_center_, self.log_scale_scale_ = _mean_std(log_scales)
        return self

    def _floor(self):
        """Smallest per-sequence scale: 1e-9 of each feature's global scale."""
        return 1e-9 * self.scale_

    def transform(self, X):
        """Scale the real time steps.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        X_scaled : same form as X
            List of arrays for ragged input, 2-D or 3-D array, or masked array.
            With features scaled per sequence (``per_sequence_``), each of
            them is followed by its level and log-scale channels (and with
            ``global_channel``, its globally scaled values), and 2-D input
            gives a 3-D array.
        """
        check_is_fitted(self, "scale_")
        sequences = check_sequences(
            X, estimator=self, reset=False, allow_tokens=False, dtype=np.float64
        )
        data = (sequences.data - self.center_) / self.scale_
        if not self.per_sequence_.any():
            return self._rebuild(data, sequences, widened=False)
        chosen = self.per_sequence_
        levels, scales = _sequence_statistics(sequences, self.method, self._floor())
        lengths = sequences.lengths
        levels, scales = levels[:, chosen], scales[:, chosen]
        own = (sequences.data[:, chosen] - np.repeat(levels, lengths, axis=0)) / np.repeat(
            scales, lengths, axis=0
        )
        level_channel = (levels - self.level_center_) / self.level_scale_
        log_channel = (np.log10(scales) - self.log_scale_center_) / self.log_scale_scale_
        columns = []
        k = 0
        for j in range(len(chosen)):
            if chosen[j]:
                columns += [
                    own[:, k],
                    np.repeat(level_channel[:, k], lengths),
                    np.repeat(log_channel[:, k], lengths),
                ]
                if self.global_channel:
                    columns.append(data[:, j])
                k += 1
            else:
                columns.append(data[:, j])
        return self._rebuild(np.column_stack(columns), sequences, widened=True)

    def inverse_transform(self, X):
        """Undo the scaling.

        Parameters
        ----------
        X : sequences
            Scaled sequences, in any form, with the features that
            :meth:`transform` returns (the level and log-scale channels of
            per-sequence features included: the originals are rebuilt from
            them; the global channel is not read).

        Returns
        -------
        X_original : same form as X
            With ``n_features_in_`` features per step.
        """
        check_is_fitted(self, "scale_")
        if not self.per_sequence_.any():
            sequences = check_sequences(
                X, estimator=self, reset=False, allow_tokens=False, dtype=np.float64
            )
            data = sequences.data * self.scale_ + self.center_
            return self._rebuild(data, sequences, widened=False)
        sequences = check_sequences(X, allow_tokens=False, dtype=np.float64)
        width = self._channels()
        n_out = len(self.per_sequence_) + (width - 1) * int(self.per_sequence_.sum())
        if sequences.n_features != n_out:
            raise ValueError(
                f"X has {sequences.n_features} features per step, but this SequenceScaler's "
                f"transform returns {n_out} (features scaled per sequence carry their level "
                "and log-scale channels"
                + (" and their globally scaled values" if self.global_channel else "")
                + "); inverse_transform needs all of them."
            )
        scaled = sequences.data
        columns = []
        i = k = 0
        for j, chosen in enumerate(self.per_sequence_):
            if chosen:
                level = scaled[:, i + 1] * self.level_scale_[k] + self.level_center_[k]
                scale = 10.0 ** (
                    scaled[:, i + 2] * self.log_scale_scale_[k] + self.log_scale_center_[k]
                )
                columns.append(scaled[:, i] * scale + level)
                i, k = i + width, k + 1
            else:
                columns.append(scaled[:, i] * self.scale_[j] + self.center_[j])
                i += 1
        return self._rebuild(np.column_stack(columns), sequences, widened=True)

    def _rebuild(self, values, sequences, *, widened):
        """Scaled values in the input's form (3-D for 2-D input when ``widened``)."""
        form = sequences.form
        values = values.astype(form.float_dtype, copy=False)
        if widened:
            return _rebuild_with_feature_axis(Sequences(values, sequences.offsets), form)
        out = rebuild(Sequences(values, sequences.offsets), form)
        if form.kind == "2d":
            out = self._wrap_tabular(out, form)
        return out

    def get_feature_names_out(self, input_features=None):
        """Output feature names: each per-sequence feature followed by its
        ``<name>_level`` and ``<name>_log10_scale`` channels, and with
        ``global_channel`` its ``<name>_global`` channel.

        For 2-D input (columns are time steps) with per-sequence scaling, the
        output is 3-D and these are the names of its last axis: ``x0``,
        ``x0_level``, ``x0_log10_scale``, ``x0_global``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None uses ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        names = super().get_feature_names_out(input_features)
        if not self.per_sequence_.any():
            return names
        if len(names) != len(self.per_sequence_):
            # 2-D input: its columns are time steps of one feature, and the
            # output is 3-D; name that feature's channels.
            names = np.array(["x0"], dtype=object)
        out = []
        for name, chosen in zip(names, self.per_sequence_):
            if chosen:
                out += [name, f"{name}_level", f"{name}_log10_scale"]
                out += [f"{name}_global"] if self.global_channel else []
            else:
                out.append(name)
        return np.asarray(out, dtype=object)

    def _wrap_tabular(self, out, form):
        """2-D output as a DataFrame when ``set_output`` (or sklearn's config) asks."""
        container = getattr(self, "_output_container", None) or "default"
        if container == "default":
            container = get_config()["transform_output"]
        if container == "default":
            return out
        columns = self.get_feature_names_out()
        if container == "polars":
            import polars as pl

            return pl.DataFrame(out, schema=columns.tolist(), orient="row")
        return pd.DataFrame(out, columns=columns, index=form.index)

    def set_output(self, *, transform=None):
        """Set the output container of ``transform`` for 2-D (tabular) input.

        Only 2-D output can become a DataFrame; ragged, 3-D and masked outputs
        keep their form. sklearn's automatic wrapping cannot serve here: it
        turns every output of ``transform`` into a DataFrame, ragged and 3-D
        ones included, so the wrapping is done by :meth:`transform` itself,
        reading this setting or sklearn's global ``transform_output``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            "pandas" or "polars": a DataFrame; "default": the array (or the
            global configuration); None: unchanged.

        Returns
        -------
        self : SequenceScaler
        """
        if transform is None:
            return self
        if transform not in {"default", "pandas", "polars"}:
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None; got {transform!r}."
            )
        self._output_container = transform
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
