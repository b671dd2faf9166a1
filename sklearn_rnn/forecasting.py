"""ResidualForecaster: a regressor forecasts what a simple forecast misses."""

import itertools
import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._auto import (
    AUTO_FORECAST_BASELINES,
    AUTO_FORECAST_CORRECTION_PRIOR,
    AUTO_FORECAST_MIN_CORRECTION_WINDOWS,
    SEASONAL_MIN_AUTOCORRELATION,
    auto_forecast_folds,
    auto_forecast_scale,
)
from ._validation import Sequences, check_sequences, rebuild

BASELINES = (
    "auto", "last", "drift", "linear", "ar", "ar_diff", "damped", "theta", "seasonal",
    "seasonal_bic",
)  # fmt: skip
#: The seasonal baselines: the name, the AR's order criterion, and whether
#: the order is capped at the period.
_SEASONAL = {"seasonal": ("aic", False), "seasonal_bic": ("bic", True)}
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
    baseline : {"auto", "last", "drift", "linear", "ar", "ar_diff", "damped", \
            "theta", "seasonal", "seasonal_bic"}, list of them, or callable, \
            default="auto"
        The simple forecast, per window and per step ``h = 1..horizon``:

        - ``"auto"``: a weighted mean of the forecasts of ``"last"``,
          ``"drift"``, ``"linear"``, ``"ar"``, ``"ar_diff"``, ``"damped"``,
          ``"theta"`` and ``"seasonal"`` (where a period is found) (a
          forecast combination, Bates & Granger 1969; stacked with
          non-negative weights, Breiman 1996), the weights
          (``baseline_weights_``, non-negative, summing to 1) those of least
          squared error in a rolling-origin validation on the training
          windows, taken in their order (time order for windows cut from one
          series): the last half of the windows, in 3 consecutive blocks,
          each forecast by the baselines fitted on the windows before it
          (less the ``horizon - 1`` whose targets overlap the block's). The
          baselines of non-zero weight are then fitted on every window. A
          series that one baseline suits gets it alone (weight 1). Below 12
          windows: ``"last"``.
        - a list of the names below: the same validated combination, of
          those only (below 12 windows, the first). ``["last", "drift",
          "linear", "ar"]`` is ``"auto"`` before 2026-12-07 (the evidence
          for the whole pool: ``sklearn_rnn._auto``); ``"seasonal_bic"``
          in place of ``"seasonal"`` weighs its AR of order at most the
          period.
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
          window: one direct model per forecast step. The network then learns
          what the linear model misses (a linear and a neural forecast added,
          as in Zhang 2003 and LSTNet's autoregressive component, Lai et al.
          2018). Windows shorter than ``n_lags_`` cannot be forecast.
        - ``"ar"``: an AR(p) with a constant, fitted by least squares on every
          distinct ``(p values -> next value)`` transition of the training
          windows followed by their targets (overlapping windows of one
          series count each transition once), ``p`` (``ar_order_``, at most
          the shortest window) by AIC as statsmodels' ``ar_select_order``;
          it forecasts recursively, each step from the ones before. Windows
          shorter than ``ar_order_`` cannot be forecast.
        - ``"ar_diff"``: ``"ar"`` on the differences of the values (an
          ARIMA(p, 1, 0) with drift): an AR(p) with a constant fitted on
          every distinct transition of the windows' steps (each value minus
          the one before, the targets' included), ``p``
          (``ar_diff_order_``) by AIC; the forecast steps are added to the
          window's last value. It has no level to return to: a fitted AR
          on the values of a trending or random-walk series pulls its
          forecasts back toward the levels it was fitted on, this one does
          not. Windows of fewer than ``ar_diff_order_ + 1`` values cannot be
          forecast. Not in ``"auto"``'s pool (``sklearn_rnn._auto``).
        - ``"damped"``: Holt's additive trend with a damping factor
          (Gardner & McKenzie 1985), the exponential smoothing that ETS's
          damped trend fits, run over each window: its level starts at the
          window's first value, its trend at the window's mean step. Its
          three parameters (``damped_``: smoothing ``alpha``, trend smoothing
          ``beta``, damping ``phi``) are shared by every window, chosen on a
          grid (``DAMPED_ALPHAS``, ``DAMPED_BETAS``, ``DAMPED_PHIS``) for
          the least squared error of the forecasts of the training targets.
          The grid holds the naive forecast, simple exponential smoothing,
          the drift and Holt's undamped trend; ``phi < 1`` flattens the
          trend with the horizon.
        - ``"theta"``: the Theta method (Assimakopoulos & Nikolopoulos
          2000) in Hyndman & Billah's (2003) form, run over each window:
          simple exponential smoothing plus half the window's least-squares
          slope, its smoothing ``theta_alpha_`` shared by every window and
          chosen as ``"damped"``'s (``THETA_ALPHAS``).
        - ``"seasonal"``: ``"ar"`` on the windows less their seasonal
          profile, the profile added back to its forecast. The period
          (``period_``) is found in the training windows: the lag from 2
          to half the shortest window at which the differenced windows
          (each followed by its targets) have the largest autocorrelation,
          pooled over the windows, if it is at least
          ``SEASONAL_MIN_AUTOCORRELATION`` (0.25; ``sklearn_rnn._auto``).
          Each window's profile is fitted on the window alone: least
          squares of its values on a constant, a line and one indicator
          per phase of the period, the phases' coefficients centred to a
          mean of 0. The AR(p) (``seasonal_order_`` by AIC,
          ``seasonal_coef_``) is fitted as ``"ar"``'s on the windows and
          targets less their window's profile. Without a period it cannot
          be fitted: alone it is an error, in a list it is left out. Windows
          shorter than ``2 * period_`` or ``seasonal_order_`` cannot be
          forecast.
        - ``"seasonal_bic"``: ``"seasonal"`` with its AR's order
          (``seasonal_bic_order_``, ``seasonal_bic_coef_``) by BIC and at
          most the period: the order AIC picks on the deseasonalised
          windows is high (each window's profile makes its transitions its
          own: 20-24 on monthly series), and a longer AR follows the
          windows' noise. Windows shorter than ``2 * period_`` cannot be
          forecast.
        - a callable ``baseline(windows, horizon)``: ``windows`` is a list of
          1-D float64 arrays (each window's ``target`` feature); it returns
          an array of shape ``(n_windows, horizon)`` (or ``(n_windows,)``
          when ``horizon`` is 1).
    correction : {"auto", "unshrunk"} or float in [0, 1], default="auto"
        The share of the regressor's forecast residual added to the
        baseline's forecast (``correction_``). ``"auto"``: the factor that
        best fits the baseline's residuals on the validation windows of
        ``baseline="auto"`` (the last half), as forecast by a clone of the
        regressor fitted on the windows before them (a second fit, on half
        the windows, with the baselines fitted on those), by least squares
        with a ridge penalty worth 100 validation windows (the least-squares
        factor times ``n / (n + 100)`` for ``n`` validation windows: a factor
        measured on few windows is trusted less), clipped to [0, 1]; 0 when
        the network only adds noise to the baseline. 0, without the second
        fit, when fewer than 50 windows precede the validation (about 100
        training windows or fewer): a network fitted on so few did not help
        on any test series. Below 12 windows: 1. ``"unshrunk"``: the same
        without the penalty (the least-squares factor clipped to [0, 1]:
        ``"auto"`` before 2026-12-07). A number fixes it; ``correction=1`` is
        the forecaster before the factor existed.
    target : int, default=0
        The feature (column) of multi-feature windows that is forecast; the
        other features are passed unchanged. Univariate windows have only 0.
    scale : {"auto", "mean"} or None, default="auto"
        Whether each window is divided by its level before anything else
        (``scale_``):

        - ``"mean"``: each window's ``target`` feature and its targets are
          divided by the mean absolute value of that feature in the window
          (1 where it is 0), and the forecast multiplied back (the scaling
          of DeepAR, Salinas et al. 2020). The baselines, their validation
          and the regressor then work in units of each window's level, and
          squared errors weigh every window alike, whatever its level.
        - None: the windows keep their units (before 2026-12-07).
        - ``"auto"``: ``"mean"`` when every training value of the ``target``
          feature is positive and the windows' means span at least a factor
          of 10 (``AUTO_FORECAST_SCALE_SPAN``: several series of different
          units, or one that grew tenfold); otherwise None. The windows of
          one series of a steady level keep their units.

        A callable ``baseline`` is given the scaled windows.

    Attributes
    ----------
    regressor_ : estimator
        The fitted clone of ``regressor``.
    baseline_ : str
        The baseline used: ``baseline``'s name, ``"callable"``, or for
        ``"auto"`` and a list the one of largest weight.
    baseline_weights_ : dict
        The weight of each baseline in the forecast, ``{name: weight}``
        (``{baseline_: 1.0}`` unless ``baseline="auto"``).
    validation_scores_ : dict or None
        ``baseline="auto"`` or a list: each candidate's mean squared
        validation error (inf where it cannot be fitted); else None.
    correction_ : float
        The share of the regressor's residual forecast that ``predict`` adds
        (for ``"auto"``, after the shrinkage).
    linear_ : RidgeCV or None
        The linear autoregression of ``baseline_="linear"``; else None.
    n_lags_ : int or None
        The values of each window ``linear_`` reads; else None.
    ar_order_ : int or None
        The order p of ``baseline_="ar"``; else None.
    ar_coef_ : ndarray of shape (ar_order_ + 1,) or None
        Its coefficients, oldest lag first, then the constant; else None.
    ar_diff_order_ : int or None
        The order p of ``"ar_diff"`` when it has a weight; else None.
    ar_diff_coef_ : ndarray of shape (ar_diff_order_ + 1,) or None
        Its coefficients on the differences, oldest lag first, then the
        constant (the drift); else None.
    damped_ : dict or None
        ``{"alpha": ..., "beta": ..., "phi": ...}`` of ``"damped"`` when it
        has a weight; else None.
    theta_alpha_ : float or None
        The smoothing of ``"theta"`` when it has a weight; else None.
    period_ : int or None
        The period of ``"seasonal"`` or ``"seasonal_bic"`` when one has a
        weight (both find it alike); else None.
    seasonal_order_ : int or None
        The order p of ``"seasonal"``'s AR when it has a weight; else None.
    seasonal_coef_ : ndarray of shape (seasonal_order_ + 1,) or None
        Its coefficients on the deseasonalised values, oldest lag first,
        then the constant; else None.
    seasonal_bic_order_ : int or None
        The order p (at most ``period_``) of ``"seasonal_bic"``'s AR when it
        has a weight; else None.
    seasonal_bic_coef_ : ndarray of shape (seasonal_bic_order_ + 1,) or None
        Its coefficients, as ``seasonal_coef_``; else None.
    scale_ : {"mean"} or None
        The scaling ``scale`` chose.
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
        "baseline": [StrOptions(set(BASELINES)), callable, list, tuple],
        "correction": [
            StrOptions({"auto", "unshrunk"}),
            Interval(numbers.Real, 0, 1, closed="both"),
        ],
        "target": [Interval(numbers.Integral, 0, None, closed="left")],
        "scale": [StrOptions({"auto", "mean"}), None],
    }

    def __init__(
        self, regressor=None, *, baseline="auto", correction="auto", target=0, scale="auto"
    ):
        self.regressor = regressor
        self.baseline = baseline
        self.correction = correction
        self.target = target
        self.scale = scale

    def _relative(self, X, reset):
        """The windows with their ``target`` feature (divided by its level
        where ``scale_`` says so) minus its last value, in X's form; that
        feature of each window, scaled, as a list of 1-D arrays; and each
        window's scale (1 where none). ``reset``: ``scale_`` is chosen on
        these windows."""
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
        bounds = list(zip(offsets[:-1], offsets[1:]))
        if reset:
            raw = [values[start:stop] for start, stop in bounds]
            self.scale_ = auto_forecast_scale(raw) if self.scale == "auto" else self.scale
        scales = np.ones(len(bounds))
        if self.scale_ == "mean":
            scales = np.array([np.mean(np.abs(values[start:stop])) for start, stop in bounds])
            scales[~(scales > 0)] = 1.0
            values /= np.repeat(scales, lengths)
        last = values[offsets[1:] - 1]
        data = np.array(sequences.data, copy=True)
        data[:, self.target] = values - np.repeat(last, lengths)
        relative = rebuild(Sequences(data, offsets), sequences.form)
        windows = [values[start:stop] for start, stop in bounds]
        return relative, windows, scales

    # --- the baselines: fit on (windows, targets of shape (n, horizon)), forecast

    @staticmethod
    def _fit_baseline(name, windows, targets):
        """The fitted state of baseline ``name`` (None for those with none)."""
        if name == "linear":
            return _fit_linear(windows, targets)
        if name == "ar":
            return _fit_ar(windows, targets)
        if name == "ar_diff":
            return _fit_ar_diff(windows, targets)
        if name == "damped":
            return _fit_damped(windows, targets)
        if name == "theta":
            return _fit_theta(windows, targets)
        if name in _SEASONAL:
            return _fit_seasonal(windows, targets, name)
        return None

    def _forecast(self, name, state, windows, horizon):
        if name == "last":
            return np.repeat(_lasts(windows)[:, None], horizon, axis=1)
        if name == "drift":
            lengths = np.array([len(window) for window in windows])
            last, first = _lasts(windows), np.array([window[0] for window in windows])
            slope = (last - first) / np.maximum(lengths - 1, 1)
            return last[:, None] + slope[:, None] * np.arange(1, horizon + 1)
        if name == "linear":
            return _forecast_linear(state, windows, horizon)
        if name == "ar":
            return _forecast_ar(state, windows, horizon)
        if name == "ar_diff":
            return _forecast_ar_diff(state, windows, horizon)
        if name == "damped":
            return _forecast_damped(state, windows, horizon)
        if name == "theta":
            return _forecast_theta(state, windows, horizon)
        if name in _SEASONAL:
            return _forecast_seasonal(state, windows, horizon)
        return self._call_baseline(windows, horizon)

    def _call_baseline(self, windows, horizon):
        windows = [window.copy() for window in windows]
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

    def _combined_forecast(self, weights, states, windows, horizon):
        """The weighted sum of the forecasts of the baselines in ``weights``."""
        forecast = np.zeros((len(windows), horizon))
        for name, weight in weights.items():
            forecast += weight * self._forecast(name, states.get(name), windows, horizon)
        return forecast

    def _fit_baselines(self, weights, windows, targets):
        return {name: self._fit_baseline(name, windows, targets) for name in weights}

    def _fit_weighted(self, weights, windows, targets):
        """The weights and the states of the baselines fitted on every
        window; in a combination, one that cannot be fitted on them (a
        period found in the validation folds, not in every window) is left
        out and the others' weights scaled back to a sum of 1."""
        states = {}
        for name in weights:
            try:
                states[name] = self._fit_baseline(name, windows, targets)
            except _NotApplicable:
                if len(weights) == 1:
                    raise
        if len(states) < len(weights):
            if not states:
                name = next(iter(weights))
                states = {name: self._fit_baseline(name, windows, targets)}
            total = sum(weights[name] for name in states)
            weights = {name: weights[name] / total for name in states}
        return weights, states

    def _baseline_forecast(self, windows, horizon):
        """The fitted baseline's forecast of ``windows``."""
        states = {}
        if "linear" in self.baseline_weights_:
            _check_lags(windows, self.n_lags_, "linear")
            states["linear"] = {"model": self.linear_, "n_lags": self.n_lags_}
        if "ar" in self.baseline_weights_:
            _check_lags(windows, self.ar_order_, "ar")
            states["ar"] = {"order": self.ar_order_, "coef": self.ar_coef_}
        if "ar_diff" in self.baseline_weights_:
            _check_lags(windows, self.ar_diff_order_ + 1, "ar_diff")
            states["ar_diff"] = {"order": self.ar_diff_order_, "coef": self.ar_diff_coef_}
        if "damped" in self.baseline_weights_:
            states["damped"] = dict(self.damped_)
        if "theta" in self.baseline_weights_:
            states["theta"] = {"alpha": self.theta_alpha_}
        if "seasonal" in self.baseline_weights_:
            _check_lags(windows, max(2 * self.period_, self.seasonal_order_), "seasonal")
            states["seasonal"] = {
                "period": self.period_,
                "order": self.seasonal_order_,
                "coef": self.seasonal_coef_,
            }
        if "seasonal_bic" in self.baseline_weights_:
            _check_lags(windows, 2 * self.period_, "seasonal_bic")
            states["seasonal_bic"] = {
                "period": self.period_,
                "order": self.seasonal_bic_order_,
                "coef": self.seasonal_bic_coef_,
            }
        return self._combined_forecast(self.baseline_weights_, states, windows, horizon)

    def _set_baseline(self, weights, states):
        self.baseline_weights_ = weights
        self.baseline_ = max(weights, key=weights.get)
        self.linear_ = self.n_lags_ = self.ar_order_ = self.ar_coef_ = None
        self.ar_diff_order_ = self.ar_diff_coef_ = None
        self.damped_ = self.theta_alpha_ = None
        self.period_ = self.seasonal_order_ = self.seasonal_coef_ = None
        self.seasonal_bic_order_ = self.seasonal_bic_coef_ = None
        if "seasonal" in states:
            self.period_ = states["seasonal"]["period"]
            self.seasonal_order_ = states["seasonal"]["order"]
            self.seasonal_coef_ = states["seasonal"]["coef"]
        if "seasonal_bic" in states:
            # The same period as "seasonal"'s: found in the same windows.
            self.period_ = states["seasonal_bic"]["period"]
            self.seasonal_bic_order_ = states["seasonal_bic"]["order"]
            self.seasonal_bic_coef_ = states["seasonal_bic"]["coef"]
        if "damped" in states:
            self.damped_ = dict(states["damped"])
        if "theta" in states:
            self.theta_alpha_ = states["theta"]["alpha"]
        if "linear" in states:
            self.linear_, self.n_lags_ = states["linear"]["model"], states["linear"]["n_lags"]
        if "ar" in states:
            self.ar_order_, self.ar_coef_ = states["ar"]["order"], states["ar"]["coef"]
        if "ar_diff" in states:
            self.ar_diff_order_ = states["ar_diff"]["order"]
            self.ar_diff_coef_ = states["ar_diff"]["coef"]

    def _candidates(self):
        """The baselines ``fit`` weighs: ``"auto"``'s, or those named in a
        list; None for one baseline."""
        if isinstance(self.baseline, str):
            return AUTO_FORECAST_BASELINES if self.baseline == "auto" else None
        if callable(self.baseline):
            return None
        names = tuple(self.baseline)
        allowed = [name for name in BASELINES if name != "auto"]
        bad = [name for name in names if not isinstance(name, str) or name not in allowed]
        if not names or bad or len(set(names)) < len(names):
            raise ValueError(
                f"baseline={self.baseline!r}: a list of baselines to weigh names each of "
                f"{allowed} at most once (and at least one); got {bad or 'none or repeats'}."
            )
        return names

    def _validation_forecasts(self, windows, targets, folds, candidates):
        """Each candidate's forecasts of the validation blocks (those that
        can be fitted on every fold), and the blocks' targets."""
        horizon = targets.shape[1]
        forecasts = {}
        for name in candidates:
            try:
                blocks = []
                for n_fit, start, stop in folds:
                    state = self._fit_baseline(name, windows[:n_fit], targets[:n_fit])
                    blocks.append(self._forecast(name, state, windows[start:stop], horizon))
            except _NotApplicable:
                continue
            forecast = np.concatenate(blocks)
            if np.all(np.isfinite(forecast)):
                forecasts[name] = forecast
        observed = np.concatenate([targets[start:stop] for _, start, stop in folds])
        return forecasts, observed

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the baseline, then the regressor on the relative windows and
        the targets' residuals.

        Parameters
        ----------
        X : sequences
            The windows, in any form the package's estimators accept (2-D
            array of univariate windows, 3-D array, list of arrays of any
            lengths, DataFrame), in time order (the last ones validate the
            "auto" choices).
        y : array-like of shape (n_windows,) or (n_windows, horizon)
            The values that follow each window.
        **fit_params : dict
            Passed to ``regressor.fit`` (e.g. ``rnnregressor__sample_weight``
            for a pipeline). A validation set (``X_val`` and ``y_val``, or
            ``<step>__X_val`` and ``<step>__y_val``) is taken relative as the
            training windows are; anything else is passed unchanged (to the
            fit that weighs ``correction="auto"``, arrays of one row per
            window are cut to its windows).

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
        relative, windows, scales = self._relative(X, reset=True)
        if len(y) != len(windows):
            raise ValueError(f"X holds {len(windows)} windows but y has {len(y)} rows.")
        y = _scaled(y, scales)
        targets = y.reshape(len(y), horizon)
        folds = auto_forecast_folds(len(windows), horizon)

        # The baseline: given, or the convex combination of the candidates
        # of least squared validation error.
        self.validation_scores_ = None
        candidates = self._candidates()
        if candidates is None:
            weights = {self.baseline if isinstance(self.baseline, str) else "callable": 1.0}
        elif len(candidates) == 1:
            weights = {candidates[0]: 1.0}
        elif folds:
            forecasts, observed = self._validation_forecasts(windows, targets, folds, candidates)
            self.validation_scores_ = {
                name: float(np.mean((forecasts[name] - observed) ** 2))
                if name in forecasts
                else np.inf
                for name in candidates
            }
            weights = _convex_weights(forecasts, observed) if forecasts else {candidates[0]: 1.0}
        else:
            weights = {candidates[0]: 1.0}
        self._set_baseline(*self._fit_weighted(weights, windows, targets))
        forecast = self._baseline_forecast(windows, horizon)

        regressor = self._default_regressor() if self.regressor is None else self.regressor
        fit_params = self._relative_validation_sets(fit_params, y, horizon)
        # The correction: the least-squares factor in [0, 1] of the residuals
        # of every validation block, forecast by a network fitted before them.
        # Too few windows before the validation: the network is left out.
        few = bool(folds) and folds[0][0] < AUTO_FORECAST_MIN_CORRECTION_WINDOWS
        validated = isinstance(self.correction, str)
        if validated and few:
            self.correction_ = 0.0
        elif validated and folds:
            self.correction_ = self._weigh_correction(
                regressor,
                relative,
                windows,
                targets,
                y.ndim,
                (folds[0][0], folds[0][1], folds[-1][2]),
                fit_params,
            )
        else:
            self.correction_ = 1.0 if validated else float(self.correction)
        residuals = self._residuals(y, forecast, "y")
        self.regressor_ = clone(regressor).fit(relative, residuals, **fit_params)
        self.n_outputs_ = horizon
        return self

    def _weigh_correction(self, regressor, relative, windows, targets, ndim, fold, fit_params):
        n_fit, start, stop = fold
        horizon = targets.shape[1]
        weights = self.baseline_weights_
        states = self._fit_baselines(weights, windows[:n_fit], targets[:n_fit])
        forecast = self._combined_forecast(weights, states, windows, horizon)
        residuals = targets - forecast
        if ndim == 1:
            residuals = residuals[:, 0]
        n_windows = len(windows)
        params = {
            key: value[:n_fit]
            if not key.endswith("_val") and hasattr(value, "__len__") and len(value) == n_windows
            else value
            for key, value in fit_params.items()
        }
        model = clone(regressor).fit(_take(relative, 0, n_fit), residuals[:n_fit], **params)
        predicted = np.asarray(model.predict(_take(relative, start, stop)), dtype=np.float64)
        predicted = predicted.reshape(stop - start, -1)
        missed = residuals[start:stop].reshape(stop - start, -1)
        power = float(np.sum(predicted**2))
        if not np.isfinite(power) or power == 0.0:
            return 0.0
        factor = np.sum(predicted * missed) / power
        if self.correction == "auto":
            # Ridge on the factor: a penalty of prior * power / n, worth
            # ``prior`` of the n validation windows.
            factor *= (stop - start) / (stop - start + AUTO_FORECAST_CORRECTION_PRIOR)
        return float(np.clip(factor, 0.0, 1.0))

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
            relative, windows, scales = self._relative(fit_params[key], reset=False)
            if len(y_val) != len(windows):
                raise ValueError(
                    f"X holds {len(windows)} windows but {y_key} has {len(y_val)} rows."
                )
            y_val = _scaled(y_val, scales)
            forecast = self._baseline_forecast(windows, horizon)
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
        relative, windows, scales = self._relative(X, reset=False)
        forecast = self._baseline_forecast(windows, self.n_outputs_)
        residuals = self.correction_ * np.asarray(
            self.regressor_.predict(relative), dtype=np.float64
        )
        forecast = residuals + (forecast[:, 0] if residuals.ndim == 1 else forecast)
        return forecast * (scales if forecast.ndim == 1 else scales[:, None])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


# --- baselines fitted on the windows (pure numpy and scikit-learn) ------------------


class _NotApplicable(ValueError):
    """A baseline that cannot be fitted on these windows (too short, too few)."""


def _scaled(y, scales):
    """Targets (1-D, or one row per window) divided by their window's scale."""
    return y / (scales if y.ndim == 1 else scales[:, None])


def _lasts(windows):
    return np.array([window[-1] for window in windows], dtype=np.float64)


def _check_lags(windows, n_lags, name):
    lengths = np.array([len(window) for window in windows])
    short = np.flatnonzero(lengths < n_lags)
    if len(short):
        attribute = {
            "linear": "n_lags_",
            "ar": "ar_order_",
            "seasonal": "max(2 * period_, seasonal_order_)",
            "seasonal_bic": "2 * period_",
        }.get(name, "ar_diff_order_ + 1")
        raise ValueError(
            f"Window {short[0]} has {lengths[short[0]]} steps; baseline={name!r} reads the "
            f"last {attribute}={n_lags} steps of each window."
        )


def _last_lags(windows, n_lags):
    return np.stack([window[len(window) - n_lags :] for window in windows])


def _fit_linear(windows, targets):
    """``baseline="linear"``: ridge (penalty by leave-one-out) from the last
    ``n_lags`` values relative to the last one, ``n_lags`` the shortest window."""
    from sklearn.linear_model import RidgeCV

    n_lags = min(len(window) for window in windows)
    last = _lasts(windows)
    features = _last_lags(windows, n_lags) - last[:, None]
    model = RidgeCV(alphas=LINEAR_ALPHAS).fit(features, targets - last[:, None])
    return {"model": model, "n_lags": n_lags}


def _forecast_linear(state, windows, horizon):
    last = _lasts(windows)
    features = _last_lags(windows, state["n_lags"]) - last[:, None]
    return last[:, None] + state["model"].predict(features).reshape(len(windows), horizon)


def _lagged(sequences, order):
    """The distinct ``(order values -> next value)`` rows of the sequences:
    overlapping windows of one series repeat the same rows, counted once."""
    sequences = [sequence for sequence in sequences if len(sequence) > order]
    if not sequences:
        return np.empty((0, order)), np.empty(0)
    if len({len(sequence) for sequence in sequences}) == 1:
        # One length (windows cut by make_windows): one view of the stack,
        # the rows in the same order as the loop below gives them.
        rows = np.lib.stride_tricks.sliding_window_view(np.stack(sequences), order + 1, axis=1)
        rows = rows.reshape(-1, order + 1)
    else:
        rows = np.concatenate(
            [np.lib.stride_tricks.sliding_window_view(s, order + 1) for s in sequences]
        )
    rows = _unique_rows(rows)
    return rows[:, :-1], rows[:, -1]


def _unique_rows(rows):
    """``np.unique(rows, axis=0)``, the same array, faster when most rows
    repeat (overlapping windows of one series): the exact repeats that sort
    next to each other by a random projection of the rows are dropped first,
    so that ``np.unique``'s row sort runs on about one row per distinct
    transition instead of every window's."""
    if len(rows) > 10_000:
        key = rows @ np.random.default_rng(0).standard_normal(rows.shape[1])
        rows = rows[np.argsort(key, kind="stable")]
        repeat = np.all(rows[1:] == rows[:-1], axis=1)
        rows = rows[np.concatenate([[True], ~repeat])]
    return np.unique(rows, axis=0)


def _least_squares(lags, following):
    design = np.hstack([lags, np.ones((len(lags), 1))])
    coef = np.linalg.lstsq(design, following, rcond=None)[0]
    return coef, float(np.sum((design @ coef - following) ** 2))


def _nested_rss(lags, following):
    """The residual sum of squares of the least squares of ``following`` on a
    constant and the last ``order`` columns of ``lags`` (the nearest lags),
    for each order from 1 to all of them: from one QR decomposition of the
    design with the nearest lag first, each order's residual being the full
    model's plus the components along the columns it lacks (no difference of
    large sums). Where the design is near rank-deficient (an R diagonal under
    1e-10 of its largest), each order is solved apart, as lstsq does."""
    design = np.hstack([np.ones((len(lags), 1)), lags[:, ::-1]])
    q, r = np.linalg.qr(design)
    diagonal = np.abs(np.diag(r))
    if diagonal.min(initial=np.inf) <= 1e-10 * diagonal.max(initial=0.0):
        return [
            _least_squares(lags[:, lags.shape[1] - order :], following)[1]
            for order in range(1, lags.shape[1] + 1)
        ]
    z = q.T @ following
    full = float(np.sum((following - q @ z) ** 2))
    tail = np.cumsum((z**2)[::-1])[::-1]  # tail[j]: the components of columns j and after
    return [full + (float(tail[order + 1]) if order + 1 < len(z) else 0.0)
            for order in range(1, lags.shape[1] + 1)]  # fmt: skip


def _fit_ar(windows, targets, *, criterion="aic", max_lag=None):
    """``baseline="ar"``: AR(p) with a constant by least squares on every
    distinct transition of the windows followed by their targets, the order p
    (at most the shortest window, and at most ``max_lag`` if given) by AIC
    (or BIC, ``criterion="bic"``) on a common sample, as statsmodels'
    ``ar_select_order``."""
    sequences = [np.concatenate([window, target]) for window, target in zip(windows, targets)]
    # The largest order (at most the shortest window) with at least two
    # distinct transitions per coefficient, and one more.
    longest = min(len(window) for window in windows)
    if max_lag is not None:
        longest = min(longest, max_lag)
    for max_order in range(longest, 0, -1):
        lags, following = _lagged(sequences, max_order)
        if len(following) > 2 * (max_order + 1):
            break
    else:
        raise _NotApplicable(
            f"baseline='ar' fits an AR(p) on the windows' distinct transitions; {len(following)} "
            "are too few for an AR(1) with a constant. Pass more windows or another baseline."
        )
    best = None
    n = len(following)
    penalty = np.log(n) if criterion == "bic" else 2.0
    for order, rss in enumerate(_nested_rss(lags, following), start=1):
        score = n * np.log(max(rss, 1e-300) / n) + penalty * (order + 1)
        if best is None or score < best[0]:
            best = (score, order)
    order = best[1]
    coef, _ = _least_squares(*_lagged(sequences, order))
    return {"order": order, "coef": coef}


def _forecast_ar(state, windows, horizon):
    order, coef = state["order"], state["coef"]
    history = _last_lags(windows, order)
    forecast = np.empty((len(windows), horizon))
    for step in range(horizon):
        forecast[:, step] = history @ coef[:-1] + coef[-1]
        history = np.hstack([history[:, 1:], forecast[:, step : step + 1]])
    return forecast


def _differences(windows, targets):
    """Each window's steps (value minus the one before), and the targets'
    (the first minus the window's last value)."""
    steps = [np.diff(window) for window in windows]
    targets = np.diff(np.concatenate([_lasts(windows)[:, None], targets], axis=1), axis=1)
    return steps, targets


def _fit_ar_diff(windows, targets):
    """``baseline="ar_diff"``: ``"ar"`` fitted on the differences (an
    ARIMA(p, 1, 0) with drift)."""
    if min(len(window) for window in windows) < 2:
        raise _NotApplicable(
            "baseline='ar_diff' fits an AR(p) on the windows' steps; a window of one value "
            "has none. Pass windows of at least 2 values or another baseline."
        )
    return _fit_ar(*_differences(windows, targets))


def _forecast_ar_diff(state, windows, horizon):
    steps = _forecast_ar(state, [np.diff(window) for window in windows], horizon)
    return _lasts(windows)[:, None] + np.cumsum(steps, axis=1)


def _autocorrelations(windows, targets):
    """``{lag: r}`` for lags 2 to half the shortest window: the
    autocorrelation of the differenced windows, each followed by its
    targets, pooled over the windows (each sequence centred on its own mean;
    the sums of products at the lag over the sum of squares, as the usual
    biased estimate, which favours the shorter of two lags alike)."""
    steps = [np.diff(np.concatenate([w, t])) for w, t in zip(windows, targets)]
    steps = [step - step.mean() for step in steps if len(step)]
    power = sum(float(step @ step) for step in steps)
    longest = min(len(window) for window in windows) // 2
    if power == 0.0 or not np.isfinite(power):
        return {}
    return {
        lag: sum(float(step[lag:] @ step[:-lag]) for step in steps if len(step) > lag) / power
        for lag in range(2, longest + 1)
    }


def _find_period(windows, targets):
    """The lag of largest autocorrelation (:func:`_autocorrelations`; the
    shorter on a tie) if it reaches ``SEASONAL_MIN_AUTOCORRELATION``; else
    None."""
    correlations = _autocorrelations(windows, targets)
    if not correlations:
        return None
    lag = max(correlations, key=lambda k: (correlations[k], -k))
    return lag if correlations[lag] >= SEASONAL_MIN_AUTOCORRELATION else None


def _seasonal_profiles(windows, period):
    """Each window's seasonal profile: shape (n_windows, period), the
    profile's value at phase ``j`` being that of the steps ``j`` (mod
    ``period``) after the window's last value; least squares of the window on
    a constant, a line and an indicator per phase (the last value's phase
    left out), the phases' coefficients centred to a mean of 0."""
    profiles = np.empty((len(windows), period))
    lengths = np.array([len(window) for window in windows])
    # Windows of one length share the design: one least squares for them all.
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        t = np.arange(n)
        phase = (t - (n - 1)) % period
        design = np.zeros((n, period + 1))
        design[:, 0], design[:, 1] = 1.0, t - (n - 1)
        design[t[phase > 0], 1 + phase[phase > 0]] = 1.0
        values = np.stack([windows[row] for row in rows], axis=1)
        coef = np.linalg.lstsq(design, values, rcond=None)[0]
        profile = np.vstack([np.zeros((1, len(rows))), coef[2:]]).T
        profiles[rows] = profile - profile.mean(axis=1, keepdims=True)
    return profiles


def _deseasonalised(windows, period, profiles):
    """The windows less their profiles (each value at its phase)."""
    return [
        window - profile[(np.arange(len(window)) - (len(window) - 1)) % period]
        for window, profile in zip(windows, profiles)
    ]


def _fit_seasonal(windows, targets, name="seasonal"):
    """``baseline="seasonal"``: the period found in the windows, and
    ``"ar"`` fitted on the windows and targets less each window's profile;
    ``"seasonal_bic"``: the same, the AR's order by BIC and at most the
    period."""
    period = _find_period(windows, targets)
    if period is None:
        raise _NotApplicable(
            f"baseline={name!r} found no period in the training windows: no lag from 2 to "
            "half the shortest window has an autocorrelation of the differenced windows of "
            f"at least {SEASONAL_MIN_AUTOCORRELATION}. Pass another baseline."
        )
    criterion, capped = _SEASONAL[name]
    profiles = _seasonal_profiles(windows, period)
    steps = np.arange(1, targets.shape[1] + 1) % period
    state = _fit_ar(
        _deseasonalised(windows, period, profiles),
        targets - profiles[:, steps],
        criterion=criterion,
        max_lag=period if capped else None,
    )
    return {"period": period, **state}


def _forecast_seasonal(state, windows, horizon):
    period = state["period"]
    profiles = _seasonal_profiles(windows, period)
    adjusted = _deseasonalised(windows, period, profiles)
    forecast = _forecast_ar(state, adjusted, horizon)
    return forecast + profiles[:, np.arange(1, horizon + 1) % period]


#: The smoothing (alpha), trend smoothing (beta) and damping (phi) values
#: ``baseline="damped"`` chooses from; the grid holds the naive forecast
#: (alpha=1, phi=0), simple exponential smoothing (phi=0), the drift
#: (alpha=1, beta=0, phi=1) and Holt's linear trend (phi=1).
DAMPED_ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.85, 1.0)
DAMPED_BETAS = (0.0, 0.05, 0.1, 0.2, 0.4)
DAMPED_PHIS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 1.0)
#: The smoothing values ``baseline="theta"`` chooses from.
THETA_ALPHAS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _aligned(windows):
    """The windows right-aligned in a ``(n_windows, longest)`` matrix (zeros
    before each window's first value) and the column of each first value."""
    lengths = np.array([len(window) for window in windows])
    longest = int(lengths.max())
    values = np.zeros((len(windows), longest))
    for row, window in enumerate(windows):
        values[row, longest - len(window) :] = window
    return values, longest - lengths


def _holt(windows, alpha, beta, phi):
    """Holt's damped additive trend run over each window, for every
    parameter triple at once (``alpha``, ``beta``, ``phi`` of shape (k,)):
    the final levels and trends, each of shape (k, n_windows). The level
    starts at the window's first value, the trend at its mean step (so that
    alpha=1, beta=0, phi=1 is the drift)."""
    values, starts = _aligned(windows)
    n_windows, longest = values.shape
    first = values[np.arange(n_windows), starts]
    slope = (values[:, -1] - first) / np.maximum(longest - starts - 1, 1)
    alpha, beta, phi = (np.asarray(p, dtype=np.float64)[:, None] for p in (alpha, beta, phi))
    level = np.broadcast_to(first, (len(alpha), n_windows)).copy()
    trend = np.broadcast_to(slope, (len(alpha), n_windows)).copy()
    for step in range(1, longest):
        active = starts < step
        observed = values[:, step]
        damped = phi * trend
        new_level = alpha * observed + (1.0 - alpha) * (level + damped)
        new_trend = beta * (new_level - level) + (1.0 - beta) * damped
        level = np.where(active, new_level, level)
        trend = np.where(active, new_trend, trend)
    return level, trend


def _damped_forecast(level, trend, phi, horizon):
    """``level + (phi + ... + phi^h) trend`` for h = 1..horizon: shape
    (k, n_windows, horizon)."""
    phi = np.asarray(phi, dtype=np.float64)[:, None]
    weights = np.cumsum(phi ** np.arange(1, horizon + 1), axis=1)  # (k, horizon)
    return level[:, :, None] + weights[:, None, :] * trend[:, :, None]


def _fit_damped(windows, targets):
    """``baseline="damped"``: Holt's damped additive trend (Gardner &
    McKenzie 1985) run over each window, its three parameters shared by every
    window: those of the grid whose forecasts of the targets have the least
    squared error."""
    grid = np.array(list(itertools.product(DAMPED_ALPHAS, DAMPED_BETAS, DAMPED_PHIS)))
    errors = np.zeros(len(grid))
    # In chunks of windows: the (k, n_windows, horizon) forecasts stay small.
    for start in range(0, len(windows), 512):
        chunk = windows[start : start + 512]
        level, trend = _holt(chunk, grid[:, 0], grid[:, 1], grid[:, 2])
        forecast = _damped_forecast(level, trend, grid[:, 2], targets.shape[1])
        errors += np.sum((forecast - targets[start : start + 512]) ** 2, axis=(1, 2))
    errors = np.where(np.isfinite(errors), errors, np.inf)
    alpha, beta, phi = grid[int(np.argmin(errors))]
    return {"alpha": float(alpha), "beta": float(beta), "phi": float(phi)}


def _forecast_damped(state, windows, horizon):
    params = [[state["alpha"]], [state["beta"]], [state["phi"]]]
    level, trend = _holt(windows, *params)
    return _damped_forecast(level, trend, params[2], horizon)[0]


def _theta_forecast(windows, alpha, horizon):
    """The Theta method (Assimakopoulos & Nikolopoulos 2000) as Hyndman &
    Billah (2003) state it: simple exponential smoothing of the window plus
    half its least-squares slope ``b``, ``b / 2 (h - 1 + 1/alpha - (1 -
    alpha)^n / alpha)``; shape (k, n_windows, horizon) for the k ``alpha``."""
    alpha = np.asarray(alpha, dtype=np.float64)
    zeros = np.zeros_like(alpha)
    level, _ = _holt(windows, alpha, zeros, zeros)
    lengths = np.array([len(window) for window in windows], dtype=np.float64)
    slopes = np.array(
        [np.polyfit(np.arange(len(w)), w, 1)[0] if len(w) > 1 else 0.0 for w in windows]
    )
    steps = np.arange(1, horizon + 1, dtype=np.float64)
    a = alpha[:, None, None]
    drift = (steps - 1.0) + 1.0 / a - (1.0 - a) ** lengths[None, :, None] / a
    return level[:, :, None] + 0.5 * slopes[None, :, None] * drift


def _fit_theta(windows, targets):
    """``baseline="theta"``: the Theta method run over each window, its
    smoothing parameter shared by every window: the one of the grid whose
    forecasts of the targets have the least squared error."""
    errors = np.zeros(len(THETA_ALPHAS))
    for start in range(0, len(windows), 512):
        forecast = _theta_forecast(windows[start : start + 512], THETA_ALPHAS, targets.shape[1])
        errors += np.sum((forecast - targets[start : start + 512]) ** 2, axis=(1, 2))
    errors = np.where(np.isfinite(errors), errors, np.inf)
    return {"alpha": float(THETA_ALPHAS[int(np.argmin(errors))])}


def _forecast_theta(state, windows, horizon):
    return _theta_forecast(windows, [state["alpha"]], horizon)[0]


def _convex_weights(forecasts, observed):
    """``{name: weight}``: the weights, non-negative and summing to 1, of the
    combination of ``forecasts`` of least squared error to ``observed``
    (exactly, over every subset of the candidates: at most 2**9 - 1 for the
    nine named baselines);
    candidates of weight 0 are left out."""
    names = list(forecasts)
    columns = np.stack([forecasts[name].ravel() for name in names], axis=1)
    target = observed.ravel()
    # One scale for all (the weights do not change): better conditioned.
    scale = np.max(np.abs(target), initial=0.0)
    if np.isfinite(scale) and scale > 0:
        columns, target = columns / scale, target / scale
    best, tolerance = None, 1e-9 * float(np.sum(target**2) + 1e-300)
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(range(len(names)), size):
            design = columns[:, subset]
            # Least squares under sum(w) = 1 (KKT system; lstsq for ties).
            kkt = np.zeros((size + 1, size + 1))
            kkt[:size, :size] = design.T @ design
            kkt[:size, size] = kkt[size, :size] = 1.0
            rhs = np.append(design.T @ target, 1.0)
            if not (np.all(np.isfinite(kkt)) and np.all(np.isfinite(rhs))):
                continue  # forecasts too large to weigh (an exploding AR, say)
            try:
                weights = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:size]
            except np.linalg.LinAlgError:
                continue
            if np.any(weights < 0):
                continue
            error = float(np.sum((design @ weights - target) ** 2))
            # Strictly better only: ties keep the smaller, earlier subset.
            if best is None or error < best[0] - tolerance:
                best = (error, subset, weights)
    if best is None:  # nothing could be weighed: the first candidate
        return {names[0]: 1.0}
    _, subset, weights = best
    weights = np.clip(weights, 0.0, None)
    weights /= weights.sum()
    return {names[i]: float(w) for i, w in zip(subset, weights) if w > 0}


def _take(X, start, stop):
    """Windows ``start:stop`` of relative windows in the form ``rebuild`` gives."""
    if isinstance(X, Sequences):
        offsets = X.offsets[start : stop + 1]
        return Sequences(X.data[offsets[0] : offsets[-1]], offsets - offsets[0])
    return X[start:stop]
