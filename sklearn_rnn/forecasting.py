"""ResidualForecaster: a regressor forecasts what a simple forecast misses."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._validation import Sequences, check_sequences, rebuild

BASELINES = ("last", "drift", "linear")
#: Ridge penalties ``baseline="linear"`` chooses from (leave-one-out, RidgeCV).
LINEAR_ALPHAS = np.logspace(-6, 6, 25)


class ResidualForecaster(RegressorMixin, BaseEstimator):
    """Forecast windows of a series as a simple forecast plus what it misses.

    Each input window is taken relative to its last value, and the targets
    relative to a baseline forecast computed from the window itself; the
    regressor learns the rest. A network trained on past levels cannot
    forecast values outside those it has seen: relative to the window, a
    trending series looks stationary. ``predict`` adds the baseline forecast
    back. Pair it with :func:`~sklearn_rnn.preprocessing.make_windows`.

    Parameters
    ----------
    regressor : estimator or None, default=None
        Fitted (as a clone, ``regressor_``) on the relative windows and the
        targets minus the baseline forecast. None:
        ``make_pipeline(SequenceScaler(), RNNRegressor())`` with default
        parameters. To tune it (in ``GridSearchCV``, say), pass that pipeline
        and address its parameters as ``regressor__rnnregressor__<name>``.
    baseline : {"last", "drift"} or callable, default="last"
        The simple forecast, per window and per step ``h = 1..horizon``:

        - ``"last"``: the window's last value (the naive forecast); the
          regressor forecasts the change from it.
        - ``"drift"``: the last value plus ``h`` times the window's mean step,
          ``(last - first) / (length - 1)`` (a random walk with drift; 0 for a
          window of one step). Which baseline suits which series (yearly
          trends, seasonal months): ``docs/user_guide/choosing.md``.
        - ``"linear"``: a linear autoregression fitted in ``fit``: ridge
          regression (penalty by leave-one-out, ``RidgeCV``) from the last
          ``n_lags_`` values of each window, relative to its last value, to
          the targets relative to it, ``n_lags_`` being the shortest training
          window. The network then learns what the linear model misses (a
          linear and a neural forecast added, as in Zhang 2003 and LSTNet's
          autoregressive component, Lai et al. 2018). Windows shorter than
          ``n_lags_`` cannot be forecast.
        - a callable ``baseline(windows, horizon)``: ``windows`` is a list of
          1-D float64 arrays (each window's ``target`` feature); it returns
          an array of shape ``(n_windows, horizon)`` (or ``(n_windows,)``
          when ``horizon`` is 1).
    target : int, default=0
        The feature (column) of multi-feature windows that is forecast; the
        other features are passed unchanged. Univariate windows have only 0.

    Attributes
    ----------
    regressor_ : estimator
        The fitted clone of ``regressor``.
    linear_ : RidgeCV or None
        The linear autoregression of ``baseline="linear"``; else None.
    n_lags_ : int or None
        The values of each window ``linear_`` reads (``baseline="linear"``);
        else None.
    n_outputs_ : int
        Forecast steps (the targets' columns; 1 for 1-D ``y``).
    n_features_in_ : int
        Number of features seen during fit (time steps of 2-D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, for DataFrame input.

    See Also
    --------
    sklearn_rnn.preprocessing.make_windows : Cut series into (window, horizon) pairs.
    sklearn.compose.TransformedTargetRegressor : A target transform that does
        not depend on the input.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_rnn import ResidualForecaster
    >>> from sklearn_rnn.preprocessing import make_windows
    >>> series = np.arange(40.0) + np.sin(np.arange(40.0))
    >>> X, y, _ = make_windows(series, window=8, horizon=3)
    >>> model = ResidualForecaster(Ridge(), baseline="drift").fit(X[:-3], y[:-3])
    >>> model.predict(X[-1:]).shape
    (1, 3)
    """

    _parameter_constraints = {
        "regressor": [HasMethods(["fit", "predict"]), None],
        "baseline": [StrOptions(set(BASELINES)), callable],
        "target": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(self, regressor=None, *, baseline="last", target=0):
        self.regressor = regressor
        self.baseline = baseline
        self.target = target

    def _relative(self, X, reset, horizon, y=None):
        """The windows with their ``target`` feature minus its last value, in
        X's form, and the baseline forecast of ``horizon`` steps (``y``: the
        training targets, which ``baseline="linear"`` is fitted on)."""
        sequences = check_sequences(X, estimator=self, reset=reset, allow_tokens=False, dtype=None)
        if len(sequences) == 0:
            raise ValueError("X holds no windows; at least one is required.")
        n_features = sequences.n_features
        if self.target >= n_features:
            raise ValueError(
                f"target={self.target} but the windows have {n_features} feature(s) per step; "
                f"choose a feature from 0 to {n_features - 1}."
            )
        offsets, lengths = sequences.offsets, sequences.lengths
        # A copy: a baseline function may write into the windows it is given.
        values = np.array(sequences.data[:, self.target], dtype=np.float64)
        last = values[offsets[1:] - 1]
        data = np.array(sequences.data, copy=True)
        data[:, self.target] -= np.repeat(last, lengths)
        relative = rebuild(Sequences(data, offsets), sequences.form)
        return relative, self._baseline_forecast(values, offsets, lengths, last, horizon, y)

    def _baseline_forecast(self, values, offsets, lengths, last, horizon, y=None):
        if self.baseline == "linear":
            return self._linear_forecast(values, offsets, lengths, last, horizon, y)
        if self.baseline == "last":
            return np.repeat(last[:, None], horizon, axis=1)
        if self.baseline == "drift":
            first = values[offsets[:-1]]
            slope = (last - first) / np.maximum(lengths - 1, 1)
            return last[:, None] + slope[:, None] * np.arange(1, horizon + 1)
        windows = [values[start:stop] for start, stop in zip(offsets[:-1], offsets[1:])]
        forecast = self.baseline(windows, horizon)
        name = getattr(self.baseline, "__name__", repr(self.baseline))
        try:
            forecast = check_array(forecast, ensure_2d=False, dtype=np.float64)
        except ValueError as exc:
            raise ValueError(f"baseline {name} returned an invalid forecast: {exc}") from None
        expected = (len(windows), horizon)
        if forecast.ndim == 1 and horizon == 1:
            forecast = forecast[:, None]
        if forecast.shape != expected:
            raise ValueError(
                f"baseline {name} returned a forecast of shape {forecast.shape}; expected "
                f"(n_windows, horizon) = {expected}."
            )
        return forecast

    def _linear_forecast(self, values, offsets, lengths, last, horizon, y):
        """``baseline="linear"``: fitted on ``y`` when given, else applied."""
        from sklearn.linear_model import RidgeCV

        if y is not None:
            if len(y) != len(last):
                raise ValueError(f"X holds {len(last)} windows but y has {len(y)} rows.")
            self.n_lags_ = int(lengths.min())
        short = np.flatnonzero(lengths < self.n_lags_)
        if len(short):
            raise ValueError(
                f"Window {short[0]} has {lengths[short[0]]} steps; baseline='linear' reads the "
                f"last n_lags_={self.n_lags_} steps of each window (the shortest training window)."
            )
        steps = offsets[1:, None] - self.n_lags_ + np.arange(self.n_lags_)
        features = values[steps] - last[:, None]
        if y is not None:
            residuals = y - (last if y.ndim == 1 else last[:, None])
            self.linear_ = RidgeCV(alphas=LINEAR_ALPHAS).fit(features, residuals)
        forecast = self.linear_.predict(features).reshape(len(last), horizon)
        return last[:, None] + forecast

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the regressor on the relative windows and the targets' residuals.

        Parameters
        ----------
        X : sequences
            The windows, in any form the package's estimators accept (2-D
            array of univariate windows, 3-D array, list of arrays of any
            lengths, DataFrame).
        y : array-like of shape (n_windows,) or (n_windows, horizon)
            The values that follow each window.
        **fit_params : dict
            Passed to ``regressor.fit`` (e.g. ``rnnregressor__sample_weight``
            for a pipeline). A validation set (``X_val`` and ``y_val``, or
            ``<step>__X_val`` and ``<step>__y_val``) is taken relative as the
            training windows are; anything else is passed unchanged.

        Returns
        -------
        self : ResidualForecaster
            The fitted forecaster.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D (n_windows, horizon); got shape {y.shape}.")
        horizon = 1 if y.ndim == 1 else y.shape[1]
        self.linear_ = self.n_lags_ = None
        relative, forecast = self._relative(X, reset=True, horizon=horizon, y=y)
        residuals = self._residuals(y, forecast, "y")
        fit_params = self._relative_validation_sets(fit_params, y, horizon)
        regressor = self._default_regressor() if self.regressor is None else self.regressor
        self.regressor_ = clone(regressor).fit(relative, residuals, **fit_params)
        self.n_outputs_ = horizon
        return self

    @staticmethod
    def _residuals(y, forecast, name):
        if len(y) != len(forecast):
            raise ValueError(f"X holds {len(forecast)} windows but {name} has {len(y)} rows.")
        return y - (forecast[:, 0] if y.ndim == 1 else forecast)

    def _relative_validation_sets(self, fit_params, y, horizon):
        """``fit_params`` with each ``[<step>__]X_val, y_val`` pair made relative."""
        fit_params = dict(fit_params)
        for key in [k for k in fit_params if k == "X_val" or k.endswith("__X_val")]:
            y_key = key[: -len("X_val")] + "y_val"
            if y_key not in fit_params:
                raise ValueError(f"{key} was passed without {y_key}; pass both or neither.")
            y_val = check_array(
                fit_params[y_key], ensure_2d=False, dtype=np.float64, input_name=y_key
            )
            if y_val.shape[1:] != y.shape[1:]:
                raise ValueError(
                    f"{y_key} has shape {y_val.shape}; y has {y.shape}: one row of the "
                    "same width per window."
                )
            relative, forecast = self._relative(fit_params[key], reset=False, horizon=horizon)
            fit_params[key] = relative
            fit_params[y_key] = self._residuals(y_val, forecast, y_key)
        for key in [k for k in fit_params if k == "y_val" or k.endswith("__y_val")]:
            if key[: -len("y_val")] + "X_val" not in fit_params:
                raise ValueError(f"{key} was passed without its X_val; pass both or neither.")
        return fit_params

    @staticmethod
    def _default_regressor():
        from .preprocessing import SequenceScaler
        from .regressor import RNNRegressor

        return make_pipeline(SequenceScaler(), RNNRegressor())

    def predict(self, X):
        """Forecast: the baseline forecast plus the regressor's residual.

        Parameters
        ----------
        X : sequences
            Windows in the form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_windows,) or (n_windows, horizon)
            1-D when ``fit`` was given 1-D ``y``.
        """
        check_is_fitted(self)
        relative, forecast = self._relative(X, reset=False, horizon=self.n_outputs_)
        residuals = np.asarray(self.regressor_.predict(relative), dtype=np.float64)
        return residuals + (forecast[:, 0] if residuals.ndim == 1 else forecast)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
