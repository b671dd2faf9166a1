"""ResidualForecaster: windows relative to their last value, targets relative
to a baseline forecast, and the forecast shifted back."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_rnn import ResidualForecaster, RNNRegressor
from sklearn_rnn._auto import AUTO_FORECAST_BASELINES
from sklearn_rnn.preprocessing import SequenceScaler, make_windows


class _Recorder(DummyRegressor):
    """Predicts the mean residual; keeps what fit saw."""

    def fit(self, X, y, sample_weight=None):
        self.X_seen_, self.y_seen_ = X, np.array(y)
        return super().fit(np.zeros((len(y), 1)), y, sample_weight)

    def predict(self, X):
        return super().predict(np.zeros((len(X), 1)))


RAGGED = [np.array([1.0, 3.0]), np.array([5.0, 2.0, 7.0]), np.array([4.0])]
Y = np.array([[4.0, 5.0], [9.0, 10.0], [6.0, 8.0]])


def test_last_baseline_shifts_ragged_windows_and_targets_by_the_last_value():
    model = ResidualForecaster(_Recorder(), baseline="last", correction=1).fit(RAGGED, Y)
    seen = model.regressor_.X_seen_
    assert isinstance(seen, list) and [len(s) for s in seen] == [2, 3, 1]
    np.testing.assert_array_equal(seen[1], [-2.0, -5.0, 0.0])
    np.testing.assert_array_equal(model.regressor_.y_seen_, Y - np.array([[3.0], [7.0], [4.0]]))
    # The dummy learned the mean residual (5/3, 7/3) and adds it to each last value.
    mean = (Y - np.array([[3.0], [7.0], [4.0]])).mean(axis=0)
    np.testing.assert_allclose(model.predict(RAGGED), np.array([[3.0], [7.0], [4.0]]) + mean)
    assert model.n_outputs_ == 2 and model.n_features_in_ == 1


def test_drift_baseline_extends_each_windows_mean_step():
    model = ResidualForecaster(_Recorder(), baseline="drift").fit(RAGGED, Y)
    # slopes: (3-1)/1 = 2, (7-5)/2 = 1, and 0 for the one-step window
    drift = np.array([[5.0, 7.0], [8.0, 9.0], [4.0, 4.0]])
    np.testing.assert_allclose(model.regressor_.y_seen_, Y - drift)
    np.testing.assert_allclose(model.predict(RAGGED), drift + (Y - drift).mean(axis=0))


def test_linear_baseline_is_a_ridge_autoregression_of_the_relative_windows():
    """baseline="linear" fits RidgeCV from the last n_lags_ values of each
    window (the shortest training window), relative to its last value, to
    the targets relative to it; the regressor learns what is left."""
    from sklearn.linear_model import RidgeCV

    from sklearn_rnn.forecasting import LINEAR_ALPHAS

    rng = np.random.default_rng(0)
    series = np.zeros(300)
    for t in range(2, 300):  # an oscillating AR(2): the last value says little
        series[t] = 1.5 * series[t - 1] - 0.8 * series[t - 2] + rng.normal()
    X, y, _ = make_windows(series, window=6, horizon=2)
    windows = [x[-k:] for x, k in zip(X, np.resize([6, 5, 4], len(X)))]
    model = ResidualForecaster(_Recorder(), baseline="linear", correction=1).fit(
        windows[:200], y[:200]
    )
    assert model.n_lags_ == 4
    features = np.array([w[-4:] - w[-1] for w in windows])
    last = np.array([w[-1] for w in windows])[:, None]
    expected = RidgeCV(alphas=LINEAR_ALPHAS).fit(features[:200], y[:200] - last[:200])
    np.testing.assert_allclose(model.linear_.coef_, expected.coef_)
    linear = last + expected.predict(features)
    np.testing.assert_allclose(model.regressor_.y_seen_, y[:200] - linear[:200])
    residual = (y[:200] - linear[:200]).mean(axis=0)
    np.testing.assert_allclose(model.predict(windows[200:]), linear[200:] + residual)
    # Far better than the last value on this series.
    last_only = ResidualForecaster(_Recorder(), baseline="last", correction=1).fit(
        windows[:200], y[:200]
    )
    errors = {
        name: np.sqrt(np.mean((m.predict(windows[200:]) - y[200:]) ** 2))
        for name, m in [("linear", model), ("last", last_only)]
    }
    assert errors["linear"] < 0.8 * errors["last"], errors
    # A window shorter than n_lags_ cannot be read.
    with pytest.raises(ValueError, match="Window 1 has 3 steps; baseline='linear' reads"):
        model.predict([windows[0], windows[0][-3:]])
    with pytest.raises(ValueError, match="X holds 200 windows but y has 199 rows"):
        ResidualForecaster(_Recorder(), baseline="linear").fit(windows[:200], y[:199])
    # The other baselines leave no linear model behind, even after a refit.
    model.set_params(baseline="last").fit(windows[:200], y[:200])
    assert model.linear_ is None and model.n_lags_ is None


def test_callable_baseline_and_its_shape_is_checked():
    def mean_of_window(windows, horizon):
        return np.array([[w.mean()] * horizon for w in windows])

    model = ResidualForecaster(_Recorder(), baseline=mean_of_window).fit(RAGGED, Y)
    means = np.array([[2.0], [14 / 3], [4.0]])
    np.testing.assert_allclose(model.regressor_.y_seen_, Y - means)

    def wrong(windows, horizon):
        return np.zeros((len(windows), horizon + 1))

    with pytest.raises(ValueError, match=r"baseline wrong returned a forecast of shape \(3, 3\)"):
        ResidualForecaster(_Recorder(), baseline=wrong).fit(RAGGED, Y)


def test_a_baseline_function_cannot_change_the_windows():
    def scribble(windows, horizon):
        for w in windows:
            w[:] = 0.0
        return np.zeros(len(windows))  # 1-D: accepted for a horizon of 1

    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    model = ResidualForecaster(_Recorder(), baseline=scribble).fit(X, np.array([4.0, 8.0]))
    np.testing.assert_array_equal(X, [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    np.testing.assert_allclose(model.regressor_.X_seen_, X - X[:, -1:])
    np.testing.assert_allclose(model.regressor_.y_seen_, [4.0, 8.0])


def test_one_dimensional_targets_give_one_dimensional_forecasts():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]])
    y = np.array([4.0, 8.0, 1.5])
    model = ResidualForecaster(_Recorder(), baseline="drift").fit(X, y)
    np.testing.assert_allclose(model.regressor_.X_seen_, X - X[:, -1:])
    np.testing.assert_allclose(model.regressor_.y_seen_, y - [4.0, 8.0, 1.5])
    prediction = model.predict(X)
    assert prediction.shape == (3,)
    np.testing.assert_allclose(prediction, [4.0, 8.0, 1.5])


def test_only_the_target_feature_of_multifeature_windows_is_shifted():
    rng = np.random.RandomState(0)
    X = rng.randn(5, 4, 2)
    y = rng.randn(5, 3)
    model = ResidualForecaster(_Recorder(), baseline="last", target=1).fit(X, y)
    seen = model.regressor_.X_seen_
    assert seen.shape == X.shape
    np.testing.assert_array_equal(seen[:, :, 0], X[:, :, 0])
    np.testing.assert_allclose(seen[:, :, 1], X[:, :, 1] - X[:, -1:, 1])
    np.testing.assert_allclose(model.regressor_.y_seen_, y - X[:, -1, 1][:, None])
    with pytest.raises(ValueError, match="target=2 but the windows have 2 feature"):
        ResidualForecaster(_Recorder(), target=2).fit(X, y)


def test_bad_input_gets_a_clear_error():
    X = np.arange(12.0).reshape(4, 3)
    y = np.arange(4.0)
    with pytest.raises(ValueError, match="requires y to be passed"):
        ResidualForecaster(_Recorder()).fit(X, None)
    with pytest.raises(ValueError, match="X holds 4 windows but y has 3 rows"):
        ResidualForecaster(_Recorder()).fit(X, y[:3])
    with pytest.raises(ValueError, match="y must be 1-D or 2-D"):
        ResidualForecaster(_Recorder()).fit(X, np.zeros((4, 2, 1)))
    with pytest.raises(ValueError, match="baseline"):
        ResidualForecaster(_Recorder(), baseline="mean").fit(X, y)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ResidualForecaster(_Recorder()).fit(bad, y)
    with pytest.raises(NotFittedError):
        ResidualForecaster(_Recorder()).predict(X)
    model = ResidualForecaster(_Recorder()).fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(np.zeros((2, 4)))


def test_dataframe_windows_and_grid_search():
    series = np.sin(np.arange(120) / 4) + np.arange(120) / 10
    X, y, _ = make_windows(series, window=12, horizon=3)
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(12, 0, -1)])
    search = GridSearchCV(
        ResidualForecaster(Ridge()),
        {"baseline": ["last", "drift"], "regressor__alpha": [0.1, 10.0]},
        cv=3,
    ).fit(frame, y)
    assert search.best_estimator_.feature_names_in_.tolist() == frame.columns.tolist()
    assert search.predict(frame.iloc[:5]).shape == (5, 3)


def test_default_regressor_forecasts_levels_it_never_saw():
    """A trending series: test windows lie above every training level. The
    default network on relative windows follows the trend; the same network on
    raw levels cannot forecast values outside those it saw."""
    t = np.arange(160, dtype=float)
    series = 0.5 * t + np.sin(t / 3)
    X, y, _ = make_windows(series, window=10, horizon=2)
    train, test = slice(0, 100), slice(120, None)
    forecaster = ResidualForecaster().fit(X[train], y[train])
    assert isinstance(forecaster.regressor_, Pipeline)
    assert [name for name, _ in forecaster.regressor_.steps] == ["sequencescaler", "rnnregressor"]
    error = np.abs(forecaster.predict(X[test]) - y[test]).mean()
    levels = make_pipeline(SequenceScaler(), RNNRegressor(random_state=0)).fit(X[train], y[train])
    level_error = np.abs(levels.predict(X[test]) - y[test]).mean()
    assert error < 1.0 < level_error


def test_fit_params_reach_the_regressor():
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([1.0, 2.0, 3.0, 10.0])
    model = ResidualForecaster(
        make_pipeline(FunctionTransformer(), DummyRegressor()), baseline="last"
    )
    weights = np.array([1.0, 1.0, 1.0, 0.0])
    model.fit(X, y, dummyregressor__sample_weight=weights)
    residuals = y - X[:, -1]
    np.testing.assert_allclose(model.predict(X[:1]), X[0, -1] + residuals[:3].mean())


def test_padded_windows_forecast_as_their_real_steps_and_survive_pickling():
    """A masked (padded) array: the last value is each window's last *real*
    step, and the forecasts equal those of the ragged list, before and after
    a pickle round trip."""
    import pickle

    rng = np.random.RandomState(0)
    windows = [np.cumsum(rng.randn(rng.randint(3, 9))) + 10 for _ in range(30)]
    y = np.array([[w[-1] + 1.0, w[-1] + 2.0] for w in windows])
    padded = np.ma.masked_all((30, 8))
    for i, w in enumerate(windows):
        padded[i, : len(w)] = w
    small = {"hidden_size": 8, "max_epochs": 3, "random_state": 0, "device": "cpu"}
    ragged_model = ResidualForecaster(RNNRegressor(**small), baseline="drift").fit(windows, y)
    padded_model = ResidualForecaster(RNNRegressor(**small), baseline="drift").fit(padded, y)
    expected = ragged_model.predict(windows)
    np.testing.assert_allclose(padded_model.predict(padded), expected, rtol=1e-5, atol=1e-5)
    restored = pickle.loads(pickle.dumps(ragged_model))
    np.testing.assert_array_equal(restored.predict(windows), expected)


def test_a_validation_set_is_taken_relative_as_the_training_windows():
    class _Validated(_Recorder):
        def fit(self, X, y, X_val=None, y_val=None):
            self.val_seen_ = (X_val, y_val)
            return super().fit(X, y)

    X_val = [np.array([2.0, 6.0]), np.array([1.0])]
    y_val = np.array([[8.0, 9.0], [3.0, 0.0]])
    model = ResidualForecaster(_Validated(), baseline="drift")
    model.fit(RAGGED, Y, X_val=X_val, y_val=y_val)
    seen_X, seen_y = model.regressor_.val_seen_
    np.testing.assert_array_equal(seen_X[0], [-4.0, 0.0])
    np.testing.assert_allclose(seen_y, y_val - np.array([[10.0, 14.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="X_val was passed without y_val"):
        ResidualForecaster(_Validated()).fit(RAGGED, Y, X_val=X_val)
    with pytest.raises(ValueError, match="y_val has shape \\(2, 3\\); y has \\(3, 2\\)"):
        ResidualForecaster(_Validated()).fit(RAGGED, Y, X_val=X_val, y_val=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X holds 2 windows but y_val has 1 rows"):
        ResidualForecaster(_Validated()).fit(RAGGED, Y, X_val=X_val, y_val=y_val[:1])


# --- baseline="auto", baseline="ar" and the correction ---------------------------


def _random_walks_with_drift(seed, n=16):
    """Independent series, each a random walk with its own drift."""
    rng = np.random.default_rng(seed)
    series = [np.cumsum(rng.normal(rng.normal(0, 3), 0.5, 30)) for _ in range(n)]
    return np.array([s[:24] for s in series]), np.array([s[24:] for s in series])


def _seasonal(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(240.0)
    X, y, _ = make_windows(10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 240), window=24)
    return X, y


def _random_walk(seed):
    rng = np.random.default_rng(seed)
    X, y, _ = make_windows(np.cumsum(rng.normal(0, 1, 120)), window=10)
    return X, y


@pytest.mark.parametrize(
    "make, expected",
    [
        (_random_walks_with_drift, {"drift", "ar_diff"}),
        (_seasonal, {"linear", "ar", "ar_diff", "seasonal"}),
        (_random_walk, {"last", "ar_diff"}),
    ],
)
def test_auto_baseline_weighs_the_baselines_that_suit_the_series(make, expected):
    """Trending series get the trend followers (the drift, the AR on the
    differences), a seasonal one the autoregressions, a random walk the last
    value; the forecast is the weighted sum of the chosen baselines, each
    fitted on every window."""
    X, y = make(0)
    model = ResidualForecaster(_Recorder(), correction=0.0).fit(X, y)
    weights = model.baseline_weights_
    assert model.baseline_ in expected
    assert sum(weights.get(name, 0.0) for name in expected) > 0.7, weights
    assert sum(weights.values()) == pytest.approx(1.0) and min(weights.values()) > 0
    assert set(model.validation_scores_) == set(AUTO_FORECAST_BASELINES)
    best = min(model.validation_scores_, key=model.validation_scores_.get)
    assert best in expected
    combined = sum(
        weight * ResidualForecaster(_Recorder(), baseline=name, correction=0.0).fit(X, y).predict(X)
        for name, weight in weights.items()
    )
    np.testing.assert_allclose(model.predict(X), combined)
    # On the series' own windows the combination is no worse than any baseline alone.
    errors = {
        name: np.mean(
            (
                ResidualForecaster(_Recorder(), baseline=name, correction=0.0).fit(X, y).predict(X)
                - y
            )
            ** 2
        )
        for name in ("last", "drift")
    }
    assert np.mean((model.predict(X) - y) ** 2) <= min(errors.values()) * 1.01


def test_convex_weights_are_the_least_squares_combination_summing_to_one():
    from sklearn_rnn.forecasting import _convex_weights

    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 50, 2))
    weights = _convex_weights({"a": a, "b": b, "c": c}, 0.3 * a + 0.7 * b)
    assert weights.keys() == {"a", "b"}
    assert weights["a"] == pytest.approx(0.3) and weights["b"] == pytest.approx(0.7)
    # Outside the simplex: the best corner or edge, never a negative weight.
    assert _convex_weights({"a": a, "b": b}, 2 * a - b) == {"a": 1.0}
    assert _convex_weights({"a": a, "same": a.copy()}, a) == {"a": 1.0}


def test_auto_validates_on_the_last_windows_with_a_gap_for_the_horizon():
    """The correction's network is fitted on the windows before the first
    validation block, less the horizon - 1 whose targets overlap it; the
    final one on every window. Below 12 windows nothing is validated."""
    from sklearn_rnn._auto import auto_forecast_folds

    class _Sizes(_Recorder):
        sizes = []

        def fit(self, X, y, sample_weight=None):
            type(self).sizes.append(len(y))
            return super().fit(X, y, sample_weight)

    X, y = _seasonal(0)
    X3, y3, _ = make_windows(X[:114, 0], window=6, horizon=3)
    # 106 windows: blocks of round(0.5 * 106 / 3) = 18, each 2 windows after its fit.
    assert auto_forecast_folds(len(X3), 3) == [(50, 52, 70), (68, 70, 88), (86, 88, 106)]
    ResidualForecaster(_Sizes()).fit(X3, y3)
    assert _Sizes.sizes == [50, 106]
    assert auto_forecast_folds(11, 1) == []
    small = ResidualForecaster(_Recorder()).fit(X3[:11], y3[:11])
    assert small.baseline_weights_ == {"last": 1.0} and small.validation_scores_ is None
    assert small.correction_ == 1.0


class _Backwards(Ridge):
    """Forecasts the opposite of what a ridge regression forecasts."""

    def predict(self, X):
        return -super().predict(X)


def test_the_correction_keeps_the_network_only_where_it_helps():
    """A regressor that only harms the baseline gets weight 0 (the forecast
    is the baseline's); one that forecasts what the baseline misses keeps
    most of its weight; a number fixes the weight."""
    X, y = _seasonal(1)
    baseline_only = ResidualForecaster(_Recorder(), baseline="last", correction=0.0).fit(X, y)
    noisy = ResidualForecaster(_Backwards(), baseline="last").fit(X, y)
    assert noisy.correction_ == 0.0
    np.testing.assert_allclose(noisy.predict(X), baseline_only.predict(X))
    useful = ResidualForecaster(Ridge(alpha=1.0), baseline="last", correction="unshrunk")
    assert useful.fit(X, y).correction_ > 0.8
    half = ResidualForecaster(Ridge(alpha=1.0), baseline="last", correction=0.5).fit(X, y)
    assert half.correction_ == 0.5
    relative = X - X[:, -1:]
    np.testing.assert_allclose(half.predict(X), X[:, -1] + 0.5 * half.regressor_.predict(relative))
    with pytest.raises(ValueError, match="correction"):
        ResidualForecaster(Ridge(), correction=1.5).fit(X, y)


def test_ar_baseline_is_statsmodels_ar_on_the_series_behind_the_windows():
    """AR(p) on the windows' distinct transitions, p by AIC up to the window:
    the lags and coefficients statsmodels fits on the series they were cut
    from, and a recursive forecast."""
    statsmodels = pytest.importorskip("statsmodels.tsa.ar_model")
    rng = np.random.default_rng(0)
    series = np.zeros(200)
    for t in range(3, 200):
        series[t] = 5 + 0.6 * series[t - 1] - 0.3 * series[t - 3] + rng.normal()
    X, y, _ = make_windows(series, window=8, horizon=2)
    model = ResidualForecaster(_Recorder(), baseline="ar", correction=0.0).fit(X, y)
    selection = statsmodels.ar_select_order(series, maxlag=8, ic="aic", trend="c")
    assert model.ar_order_ == len(selection.ar_lags) == max(selection.ar_lags)
    fitted = statsmodels.AutoReg(series, lags=model.ar_order_, trend="c").fit()
    # statsmodels: constant first, then lag 1, 2, ...; ours: oldest lag first, then the constant.
    np.testing.assert_allclose(model.ar_coef_[-1], fitted.params[0], rtol=1e-6)
    np.testing.assert_allclose(model.ar_coef_[:-1][::-1], fitted.params[1:], rtol=1e-6)
    forecast = model.predict(X[-1:])[0]
    history = list(X[-1])
    for step in range(2):
        history.append(fitted.params[0] + fitted.params[1:] @ history[::-1][: model.ar_order_])
        assert forecast[step] == pytest.approx(history[-1])
    windows = [x[-k:] for x, k in zip(X, np.resize([8, 7], len(X)))]
    ragged = ResidualForecaster(_Recorder(), baseline="ar").fit(windows, y)
    assert ragged.ar_order_ >= 2
    with pytest.raises(ValueError, match="Window 0 has 1 steps; baseline='ar' reads"):
        ragged.predict([X[0][-1:]])
    with pytest.raises(ValueError, match="too few for an AR"):
        ResidualForecaster(_Recorder(), baseline="ar").fit(RAGGED[:1], Y[:1])


def test_auto_forecaster_is_deterministic_and_survives_pickle_and_clone():
    import pickle

    from sklearn.base import clone

    X, y = _seasonal(2)
    small = {"hidden_size": 8, "max_epochs": 3, "random_state": 0, "device": "cpu"}
    first = ResidualForecaster(RNNRegressor(**small)).fit(X[:150], y[:150])
    second = ResidualForecaster(RNNRegressor(**small)).fit(X[:150], y[:150])
    assert first.baseline_weights_ == second.baseline_weights_
    assert first.correction_ == second.correction_
    np.testing.assert_array_equal(first.predict(X[150:]), second.predict(X[150:]))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict(X[150:]), first.predict(X[150:]))
    assert restored.baseline_weights_ == first.baseline_weights_
    fresh = clone(first)
    assert fresh.get_params()["baseline"] == "auto" and fresh.get_params()["correction"] == "auto"
    assert not hasattr(fresh, "baseline_weights_")
    np.testing.assert_array_equal(
        fresh.fit(X[:150], y[:150]).predict(X[150:]), first.predict(X[150:])
    )


# --- baseline="damped", baseline="theta" and lists of baselines -------------------


def _flattening(seed, n=60):
    """Independent series rising towards a ceiling (a saturating curve with
    noise): 18 values in, the next 6 out, cut while they still rise."""
    rng = np.random.default_rng(seed)
    t = np.arange(24.0)
    series = np.array(
        [
            rng.uniform(20, 60) * (1 - np.exp(-t / rng.uniform(8, 14))) + rng.normal(0, 0.3, 24)
            for _ in range(n)
        ]
    )
    return series[:, :18], series[:, 18:]


def _holt_by_hand(window, alpha, beta, phi, horizon):
    level, trend = window[0], (window[-1] - window[0]) / (len(window) - 1)
    for value in window[1:]:
        previous = level
        level = alpha * value + (1 - alpha) * (level + phi * trend)
        trend = beta * (level - previous) + (1 - beta) * phi * trend
    return [level + sum(phi**i for i in range(1, h + 1)) * trend for h in range(1, horizon + 1)]


def test_damped_baseline_flattens_a_trend_that_flattens():
    """On series whose rise slows down, Holt's damped trend (phi < 1) beats
    the drift, which extends the window's mean step, and the last value; its
    forecast is Holt's recursion with the fitted parameters."""
    X, y = _flattening(0)
    X_new, y_new = _flattening(1)
    errors = {}
    for name in ("last", "drift", "damped"):
        model = ResidualForecaster(_Recorder(), baseline=name, correction=0.0).fit(X, y)
        errors[name] = np.mean((model.predict(X_new) - y_new) ** 2)
    damped = ResidualForecaster(_Recorder(), baseline="damped", correction=0.0).fit(X, y)
    assert damped.baseline_weights_ == {"damped": 1.0}
    assert damped.damped_["phi"] < 1
    assert errors["damped"] < 0.5 * min(errors["drift"], errors["last"]), errors
    expected = _holt_by_hand(X_new[3], **damped.damped_, horizon=6)
    np.testing.assert_allclose(damped.predict(X_new[3:4])[0], expected)
    # Ragged windows run over their own steps only.
    windows = [*X[:-1], X[-1][5:]]
    as_list = ResidualForecaster(_Recorder(), baseline="damped", correction=0.0).fit(windows, y)
    ragged = [X_new[3][-7:], X_new[4]]
    forecast = as_list.predict(ragged)
    for window, row in zip(ragged, forecast):
        np.testing.assert_allclose(row, _holt_by_hand(window, **as_list.damped_, horizon=6))


def test_damped_parameters_follow_the_series():
    """On random walks the fitted damped trend forecasts about as the last
    value does, better than the drift; on straight lines it keeps the
    trend undamped (phi=1) and forecasts them exactly."""
    rng = np.random.default_rng(0)
    walks = np.cumsum(rng.normal(size=(160, 16)), axis=1)
    train, new = walks[:80], walks[80:]
    errors = {}
    for name in ("last", "drift", "damped"):
        model = ResidualForecaster(_Recorder(), baseline=name, correction=0.0)
        model.fit(train[:, :12], train[:, 12:])
        errors[name] = np.mean((model.predict(new[:, :12]) - new[:, 12:]) ** 2)
    assert errors["damped"] < 1.05 * errors["last"] < errors["drift"], errors
    lines = rng.normal(size=(30, 1)) * np.arange(16.0) + rng.normal(size=(30, 1))
    model = ResidualForecaster(_Recorder(), baseline="damped", correction=0.0)
    model.fit(lines[:, :12], lines[:, 12:])
    assert model.damped_["phi"] == 1.0
    np.testing.assert_allclose(model.predict(lines[:, :12]), lines[:, 12:], atol=1e-9)


def test_theta_baseline_is_smoothing_plus_half_the_slope():
    """The Theta method: exponential smoothing of the window plus half its
    least-squares slope (Hyndman & Billah 2003), which on a noisy trend
    forecasts better than the last value."""
    rng = np.random.default_rng(0)
    series = np.cumsum(1.0 + rng.normal(0, 2, 300))
    X, y, _ = make_windows(series, window=20, horizon=3)
    model = ResidualForecaster(_Recorder(), baseline="theta", correction=0.0).fit(X[:200], y[:200])
    last = ResidualForecaster(_Recorder(), baseline="last", correction=0.0).fit(X[:200], y[:200])
    alpha = model.theta_alpha_
    assert model.baseline_weights_ == {"theta": 1.0} and 0 < alpha <= 1
    window = X[250]
    level = window[0]
    for value in window[1:]:
        level = alpha * value + (1 - alpha) * level
    slope = np.polyfit(np.arange(20.0), window, 1)[0]
    n = len(window)
    expected = [
        level + slope / 2 * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha) for h in (1, 2, 3)
    ]
    np.testing.assert_allclose(model.predict(X[250:251])[0], expected)
    error = np.mean((model.predict(X[200:]) - y[200:]) ** 2)
    assert error < np.mean((last.predict(X[200:]) - y[200:]) ** 2)


def test_a_list_of_baselines_weighs_those_only():
    """A list is "auto"'s validated combination over the names it holds; one
    name is that baseline; a bad name or an empty list is an error."""
    X, y = _seasonal(0)
    auto = ResidualForecaster(_Recorder(), correction=0.0).fit(X, y)
    pair = ResidualForecaster(_Recorder(), baseline=["last", "drift"], correction=0.0).fit(X, y)
    assert set(pair.validation_scores_) == {"last", "drift"}
    assert set(pair.baseline_weights_) <= {"last", "drift"}
    assert pair.validation_scores_["last"] == auto.validation_scores_["last"]
    assert not np.allclose(pair.predict(X), auto.predict(X))
    old = ["last", "drift", "linear", "ar"]
    before = ResidualForecaster(_Recorder(), baseline=old, correction=0.0).fit(X, y)
    assert set(before.validation_scores_) == set(old)
    one = ResidualForecaster(_Recorder(), baseline=("theta",), correction=0.0).fit(X, y)
    theta = ResidualForecaster(_Recorder(), baseline="theta", correction=0.0).fit(X, y)
    np.testing.assert_array_equal(one.predict(X), theta.predict(X))
    # Below 12 windows nothing is validated: the first name.
    small = ResidualForecaster(_Recorder(), baseline=["theta", "last"]).fit(X[:11], y[:11])
    assert small.baseline_weights_ == {"theta": 1.0} and small.validation_scores_ is None
    for bad in (["last", "median"], [], ["last", "last"], ["auto"]):
        with pytest.raises(ValueError, match="baseline="):
            ResidualForecaster(_Recorder(), baseline=bad).fit(X, y)


def test_the_correction_is_left_out_below_50_windows_before_the_validation():
    """With fewer than 50 windows before the first validation block the
    network is not weighed (no second fit) and the forecast is the
    baseline's; from 50 it is weighed as before."""
    from sklearn_rnn._auto import auto_forecast_folds

    class _Sizes(Ridge):
        sizes = []

        def fit(self, X, y, sample_weight=None):
            type(self).sizes.append(len(y))
            return super().fit(X, y, sample_weight)

    X, y = _seasonal(1)
    assert auto_forecast_folds(96, 1)[0][0] == 48 and auto_forecast_folds(102, 1)[0][0] == 51
    few = ResidualForecaster(_Sizes(), baseline="last").fit(X[:96], y[:96])
    assert _Sizes.sizes == [96] and few.correction_ == 0.0
    baseline = ResidualForecaster(_Recorder(), baseline="last", correction=0.0)
    np.testing.assert_allclose(few.predict(X[96:]), baseline.fit(X[:96], y[:96]).predict(X[96:]))
    _Sizes.sizes = []
    enough = ResidualForecaster(_Sizes(), baseline="last", correction="unshrunk")
    assert enough.fit(X[:102], y[:102]).correction_ > 0.5 and _Sizes.sizes == [51, 102]
    _Sizes.sizes = []
    assert ResidualForecaster(_Sizes(), baseline="last").fit(X[:102], y[:102]).correction_ > 0.1
    assert _Sizes.sizes == [51, 102]
    _Sizes.sizes = []
    unshrunk = ResidualForecaster(_Sizes(), baseline="last", correction="unshrunk")
    assert unshrunk.fit(X[:96], y[:96]).correction_ == 0.0 and _Sizes.sizes == [96]


def test_auto_shrinks_the_correction_by_the_validation_windows():
    """correction="auto" is the least-squares factor times n / (n + 100) for
    n validation windows, clipped to [0, 1]; "unshrunk" is the factor alone.
    The two forecast differently; both survive pickling and clone."""
    import pickle

    from sklearn.base import clone

    from sklearn_rnn._auto import AUTO_FORECAST_CORRECTION_PRIOR

    X, y = _seasonal(1)  # 216 windows: 108 validation windows
    unshrunk = ResidualForecaster(Ridge(alpha=1.0), baseline="last", correction="unshrunk")
    shrunk = ResidualForecaster(Ridge(alpha=1.0), baseline="last").fit(X, y)
    factor = unshrunk.fit(X, y).correction_
    assert 0.8 < factor < 1.0  # not clipped: the shrinkage is seen whole
    assert shrunk.correction_ == pytest.approx(
        factor * 108 / (108 + AUTO_FORECAST_CORRECTION_PRIOR)
    )
    np.testing.assert_allclose(shrunk.regressor_.predict(X), unshrunk.regressor_.predict(X))
    relative = X - X[:, -1:]
    for model in (shrunk, unshrunk):
        np.testing.assert_allclose(
            model.predict(X), X[:, -1] + model.correction_ * model.regressor_.predict(relative)
        )
    assert np.max(np.abs(shrunk.predict(X) - unshrunk.predict(X))) > 0.1
    for model in (shrunk, unshrunk):
        restored = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(restored.predict(X), model.predict(X))
        again = clone(model).fit(X, y)
        assert again.correction_ == model.correction_
        np.testing.assert_array_equal(again.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="correction"):
        ResidualForecaster(Ridge(), correction="shrunk").fit(X, y)


def test_damped_and_theta_survive_pickle_and_clone_and_refit_alike():
    import pickle

    from sklearn.base import clone

    X, y = _flattening(2)
    model = ResidualForecaster(Ridge(), baseline=["damped", "theta"]).fit(X[:50], y[:50])
    assert set(model.validation_scores_) == {"damped", "theta"}
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[50:]), model.predict(X[50:]))
    assert (restored.damped_, restored.theta_alpha_) == (model.damped_, model.theta_alpha_)
    again = clone(model).fit(X[:50], y[:50])
    assert again.baseline_weights_ == model.baseline_weights_
    np.testing.assert_array_equal(again.predict(X[50:]), model.predict(X[50:]))


# --- baseline="ar_diff" -----------------------------------------------------------


def _integrated_ar(seed, n=240, drift=0.5):
    """A random walk whose steps are an AR(1) (0.7) around ``drift``."""
    rng = np.random.default_rng(seed)
    steps = np.zeros(n)
    for t in range(1, n):
        steps[t] = drift + 0.7 * (steps[t - 1] - drift) + rng.normal()
    return np.cumsum(steps)


def test_ar_diff_baseline_is_statsmodels_ar_on_the_differences():
    """AR(p) with a constant on the windows' steps: the lags and coefficients
    statsmodels fits on the differenced series, its forecast steps added to
    the window's last value."""
    statsmodels = pytest.importorskip("statsmodels.tsa.ar_model")
    series = _integrated_ar(0)
    X, y, _ = make_windows(series, window=8, horizon=3)
    model = ResidualForecaster(_Recorder(), baseline="ar_diff", correction=0.0).fit(X, y)
    assert model.baseline_weights_ == {"ar_diff": 1.0} and model.ar_order_ is None
    steps = np.diff(series)
    selection = statsmodels.ar_select_order(steps, maxlag=7, ic="aic", trend="c")
    assert model.ar_diff_order_ == len(selection.ar_lags) == max(selection.ar_lags)
    fitted = statsmodels.AutoReg(steps, lags=model.ar_diff_order_, trend="c").fit()
    np.testing.assert_allclose(model.ar_diff_coef_[-1], fitted.params[0], rtol=1e-6)
    np.testing.assert_allclose(model.ar_diff_coef_[:-1][::-1], fitted.params[1:], rtol=1e-6)
    window = X[-1]
    history, level, expected = list(np.diff(window)), window[-1], []
    for _ in range(3):
        step = fitted.params[0] + fitted.params[1:] @ history[::-1][: model.ar_diff_order_]
        history.append(step)
        level += step
        expected.append(level)
    np.testing.assert_allclose(model.predict(X[-1:])[0], expected, rtol=1e-6)
    windows = [x[-k:] for x, k in zip(X, np.resize([8, 7], len(X)))]
    ragged = ResidualForecaster(_Recorder(), baseline="ar_diff").fit(windows, y)
    with pytest.raises(ValueError, match="Window 0 has 1 steps; baseline='ar_diff' reads"):
        ragged.predict([X[0][-1:]])
    with pytest.raises(ValueError, match="a window of one value"):
        ResidualForecaster(_Recorder(), baseline="ar_diff").fit([[1.0], [2.0]], [3.0, 4.0])


def test_ar_diff_follows_a_random_walk_that_ar_pulls_back():
    """On a random walk that wanders away from the levels of its training
    windows, the AR on the values pulls its forecasts back toward them; the
    AR on the differences does not. In a list it is weighed, and its fitted
    state survives pickle and clone."""
    import pickle

    from sklearn.base import clone

    series = _integrated_ar(2, n=300, drift=0.0)
    X, y, _ = make_windows(series, window=12, horizon=6)
    errors, models = {}, {}
    for name in ("ar", "ar_diff"):
        models[name] = ResidualForecaster(_Recorder(), baseline=name, correction=0.0)
        models[name].fit(X[:120], y[:120])
        errors[name] = np.mean((models[name].predict(X[200:]) - y[200:]) ** 2)
    assert errors["ar_diff"] < 0.5 * errors["ar"], errors
    both = ResidualForecaster(Ridge(), baseline=["last", "ar_diff"]).fit(X[:120], y[:120])
    assert set(both.validation_scores_) == {"last", "ar_diff"}
    assert both.validation_scores_["ar_diff"] < both.validation_scores_["last"]
    assert "ar_diff" in both.baseline_weights_
    assert both.ar_diff_order_ == models["ar_diff"].ar_diff_order_
    restored = pickle.loads(pickle.dumps(both))
    np.testing.assert_array_equal(restored.predict(X[120:]), both.predict(X[120:]))
    assert restored.ar_diff_order_ == both.ar_diff_order_
    again = clone(both).fit(X[:120], y[:120])
    assert again.baseline_weights_ == both.baseline_weights_
    np.testing.assert_array_equal(again.predict(X[120:]), both.predict(X[120:]))


# --- baseline="seasonal" ------------------------------------------------------------


def _seasonal_trend(seed, n=200, period=6):
    """A trend, a season of ``period`` steps and AR(1) noise: windows of 24
    values, the next 3 out."""
    rng = np.random.default_rng(seed)
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.5 * noise[t - 1] + rng.normal()
    t = np.arange(n)
    pattern = np.array([3.0, 2.0, -1.0, -3.0, -2.0, 1.0])[:period]
    X, y, _ = make_windows(0.2 * t + pattern[t % period] + noise, window=24, horizon=3)
    return X, y


def _profile_by_hand(window, period):
    """Least squares on a line and one indicator per phase (no constant),
    the phases' coefficients centred: indexed by steps after the last value."""
    n = len(window)
    t = np.arange(n)
    phase = (t - (n - 1)) % period
    design = np.column_stack([t, np.eye(period)[phase]])
    coef = np.linalg.lstsq(design, window, rcond=None)[0][1:]
    return coef - coef.mean()


def test_seasonal_baseline_is_ar_on_the_windows_less_their_profile():
    """The forecast is each window's seasonal profile (a line and a phase
    indicator per step, fitted on the window) plus the AR(p) that
    baseline="ar" fits on the windows and targets less their profile."""
    X, y = _seasonal_trend(0)
    model = ResidualForecaster(_Recorder(), baseline="seasonal", correction=0.0).fit(X, y)
    assert model.baseline_weights_ == {"seasonal": 1.0} and model.period_ == 6
    assert model.ar_order_ is None
    profiles = np.array([_profile_by_hand(window, 6) for window in X])
    phases = (np.arange(24) - 23) % 6
    adjusted = X - profiles[:, phases]
    targets = y - profiles[:, np.arange(1, 4) % 6]
    ar = ResidualForecaster(_Recorder(), baseline="ar", correction=0.0).fit(adjusted, targets)
    assert model.seasonal_order_ == ar.ar_order_
    np.testing.assert_allclose(model.seasonal_coef_, ar.ar_coef_, rtol=1e-9, atol=1e-12)
    # The recursion by hand on one window.
    profile = profiles[-1]
    history = list(adjusted[-1])
    coef, order = model.seasonal_coef_, model.seasonal_order_
    expected = []
    for h in (1, 2, 3):
        history.append(coef[-1] + coef[:-1] @ np.array(history[-order:]))
        expected.append(history[-1] + profile[h % 6])
    np.testing.assert_allclose(model.predict(X[-1:])[0], expected, rtol=1e-9)
    # A pure season on a line is forecast exactly.
    t = np.arange(60.0)
    exact = 3.0 + 0.5 * t + np.array([2.0, -1.0, 0.0, 4.0])[np.arange(60) % 4]
    Xe, ye, _ = make_windows(exact, window=12, horizon=5)
    fitted = ResidualForecaster(_Recorder(), baseline="seasonal", correction=0.0).fit(Xe, ye)
    assert fitted.period_ == 4
    np.testing.assert_allclose(fitted.predict(Xe), ye, atol=1e-6)
    windows = [x[-k:] for x, k in zip(X, np.resize([24, 23], len(X)))]
    ragged = ResidualForecaster(_Recorder(), baseline="seasonal").fit(windows, y)
    assert ragged.period_ == 6
    shortest = max(2 * ragged.period_, ragged.seasonal_order_)
    assert ragged.predict([X[-1][-shortest:], X[-1]]).shape == (2, 3)
    with pytest.raises(ValueError, match=f"Window 0 has {shortest - 1} steps; baseline='seas"):
        ragged.predict([X[0][1 - shortest :], X[0]])


def test_the_period_is_found_in_seasonal_windows_and_not_in_noise():
    """A season of 6 (and of 12, 4) is found at its lag; white noise and a
    random walk have none: "seasonal" alone is then an error, and in a list
    it is left out."""
    from sklearn_rnn.forecasting import _find_period

    for period in (4, 6):
        X, y = _seasonal_trend(1, period=period)
        assert _find_period(list(X), y) == period
    X, y = _seasonal(0)  # a sine of 12 steps, windows of 24
    assert _find_period(list(X), y.reshape(-1, 1)) == 12
    rng = np.random.default_rng(0)
    for series in (rng.normal(size=300), np.cumsum(rng.normal(size=300))):
        Xn, yn, _ = make_windows(series, window=24, horizon=3)
        assert _find_period(list(Xn), yn) is None
        with pytest.raises(ValueError, match="baseline='seasonal' found no period"):
            ResidualForecaster(_Recorder(), baseline="seasonal").fit(Xn, yn)
        pool = ResidualForecaster(_Recorder(), baseline=["last", "ar", "seasonal"]).fit(Xn, yn)
        assert pool.validation_scores_["seasonal"] == np.inf
        assert "seasonal" not in pool.baseline_weights_ and pool.period_ is None


def test_seasonal_in_the_pool_changes_the_forecast_of_a_seasonal_series():
    """Added to the pool of "auto" before 2026-12-07, the seasonal AR is
    validated as the others are and takes a weight on a trending seasonal
    series: the forecast is the weighted sum of the single baselines' and
    differs from the pool's without it."""
    X, y = _seasonal_trend(1)
    pool = ["last", "drift", "linear", "ar", "seasonal"]
    auto = ResidualForecaster(_Recorder(), baseline=pool[:-1], correction=0.0)
    auto.fit(X[:150], y[:150])
    seasonal = ResidualForecaster(_Recorder(), baseline=pool, correction=0.0)
    seasonal.fit(X[:150], y[:150])
    assert set(seasonal.validation_scores_) == set(pool)
    assert seasonal.baseline_weights_["seasonal"] > 0.1
    assert seasonal.period_ == 6 and auto.period_ is None
    combined = sum(
        weight
        * ResidualForecaster(_Recorder(), baseline=name, correction=0.0)
        .fit(X[:150], y[:150])
        .predict(X[150:])
        for name, weight in seasonal.baseline_weights_.items()
    )
    np.testing.assert_allclose(seasonal.predict(X[150:]), combined, rtol=1e-9)
    assert np.max(np.abs(seasonal.predict(X[150:]) - auto.predict(X[150:]))) > 0.1


def test_auto_weighs_every_named_baseline_and_the_old_pool_stays_reachable():
    """ "auto" validates every named baseline but "seasonal_bic" (a variant of
    "seasonal"); on a trending seasonal series it weighs ones the pool before
    2026-12-07 lacked, so its forecast differs from that pool's, which a list
    of the four still gives."""
    from sklearn_rnn.forecasting import BASELINES

    assert set(AUTO_FORECAST_BASELINES) == set(BASELINES) - {"auto", "seasonal_bic"}
    X, y = _seasonal_trend(1)
    auto = ResidualForecaster(_Recorder(), correction=0.0).fit(X[:150], y[:150])
    assert set(auto.validation_scores_) == set(AUTO_FORECAST_BASELINES)
    new = set(auto.baseline_weights_) - {"last", "drift", "linear", "ar"}
    assert new and sum(auto.baseline_weights_[name] for name in new) > 0.2
    old = ResidualForecaster(
        _Recorder(), baseline=["last", "drift", "linear", "ar"], correction=0.0
    )
    old.fit(X[:150], y[:150])
    assert set(old.baseline_weights_) <= {"last", "drift", "linear", "ar"}
    assert np.max(np.abs(auto.predict(X[150:]) - old.predict(X[150:]))) > 0.1


def test_a_period_found_in_the_folds_but_not_in_every_window_is_left_out(monkeypatch):
    """When the seasonal AR has a weight from the validation but no period is
    found on every training window, it is left out of the final fit and the
    other weights are scaled back to a sum of 1."""
    import sklearn_rnn.forecasting as forecasting

    X, y = _seasonal_trend(1)
    X, y = X[:150], y[:150]
    pool = ["last", "drift", "linear", "ar", "seasonal"]
    unpatched = ResidualForecaster(_Recorder(), baseline=pool, correction=0.0).fit(X, y)
    assert unpatched.baseline_weights_["seasonal"] > 0.1
    find = forecasting._find_period
    monkeypatch.setattr(
        forecasting, "_find_period", lambda w, t: None if len(w) == len(X) else find(w, t)
    )
    model = ResidualForecaster(_Recorder(), baseline=pool, correction=0.0).fit(X, y)
    assert model.validation_scores_ == unpatched.validation_scores_
    kept = {k: w for k, w in unpatched.baseline_weights_.items() if k != "seasonal"}
    assert model.baseline_weights_ == pytest.approx(
        {k: w / sum(kept.values()) for k, w in kept.items()}
    )
    assert "seasonal" not in model.baseline_weights_ and model.period_ is None
    assert sum(model.baseline_weights_.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="found no period"):
        ResidualForecaster(_Recorder(), baseline="seasonal").fit(X, y)


# --- baseline="seasonal_bic" --------------------------------------------------------


def _season_and_ar(seed, coefs, n=2000, step=20):
    """A season of 4 steps plus AR noise (``{lag: coefficient}``), no trend:
    windows of 120 values (30 periods), the next one out, every 20th kept."""
    rng = np.random.default_rng(seed)
    noise = np.zeros(n)
    for t in range(n):
        noise[t] = sum(c * noise[t - lag] for lag, c in coefs.items() if t >= lag) + rng.normal()
    season = 3.0 * np.array([1.0, 0.5, -1.0, -0.5])[np.arange(n) % 4]
    X, y, _ = make_windows(season + noise, window=120, horizon=1)
    return X[::step], y[::step]


def _bic_by_hand(X, y, period, max_order):
    """The BIC of AR(1..max_order) with a constant on the distinct
    transitions of the windows and targets less each window's profile, on
    the common sample of max_order lags; and the least-squares coefficients
    of each order on its own distinct transitions."""
    profiles = np.array([_profile_by_hand(window, period) for window in X])
    n_steps = X.shape[1]
    adjusted = X - profiles[:, (np.arange(n_steps) - (n_steps - 1)) % period]
    sequences = np.hstack([adjusted, (y - profiles[:, 1 % period]).reshape(-1, 1)])

    def rows(order):
        windows = np.lib.stride_tricks.sliding_window_view(sequences, order + 1, axis=1)
        return np.unique(windows.reshape(-1, order + 1), axis=0)

    common = rows(max_order)
    bic, coefs = {}, {}
    for order in range(1, max_order + 1):
        design = np.hstack([common[:, max_order - order : -1], np.ones((len(common), 1))])
        coef = np.linalg.lstsq(design, common[:, -1], rcond=None)[0]
        rss = np.sum((design @ coef - common[:, -1]) ** 2)
        bic[order] = len(common) * np.log(rss / len(common)) + np.log(len(common)) * (order + 1)
        own = rows(order)
        design = np.hstack([own[:, :-1], np.ones((len(own), 1))])
        coefs[order] = np.linalg.lstsq(design, own[:, -1], rcond=None)[0]
    return bic, coefs


def test_seasonal_bic_is_the_seasonal_ar_of_bic_order_capped_at_the_period():
    """baseline="seasonal_bic" is "seasonal" with the AR's order by BIC,
    at most the period: on a season of 4 with AR(1) noise it finds order 1
    and the noise's coefficient (where "seasonal", by AIC up to the window,
    takes 118 of the 120 lags); where the noise depends on lag 6 the
    uncapped BIC would go past the period and the cap holds it there."""
    X, y = _season_and_ar(0, {1: 0.7})
    model = ResidualForecaster(_Recorder(), baseline="seasonal_bic", correction=0.0).fit(X, y)
    assert model.baseline_weights_ == {"seasonal_bic": 1.0} and model.period_ == 4
    assert model.seasonal_order_ is None and model.ar_order_ is None
    bic, coefs = _bic_by_hand(X, y, 4, 4)
    assert model.seasonal_bic_order_ == min(bic, key=bic.get) == 1
    np.testing.assert_allclose(model.seasonal_bic_coef_, coefs[1], rtol=1e-9, atol=1e-12)
    assert model.seasonal_bic_coef_[0] == pytest.approx(0.7, abs=0.05)
    # The forecast: the profile plus the AR(1) from the deseasonalised last value.
    profile = _profile_by_hand(X[-1], 4)
    last = X[-1][-1] - profile[0]
    expected = profile[1] + model.seasonal_bic_coef_[0] * last + model.seasonal_bic_coef_[1]
    assert model.predict(X[-1:])[0] == pytest.approx(expected, rel=1e-9)
    # The cap binds: the uncapped BIC picks a lag of the noise past the period.
    X, y = _season_and_ar(0, {1: 0.3, 6: 0.5})
    model = ResidualForecaster(_Recorder(), baseline="seasonal_bic", correction=0.0).fit(X, y)
    assert model.period_ == 4
    bic, coefs = _bic_by_hand(X, y, 4, 8)
    assert min(bic, key=bic.get) > 4
    bic, _ = _bic_by_hand(X, y, 4, 4)  # the rule's common sample: 4 lags
    assert model.seasonal_bic_order_ == min(bic, key=bic.get) == 4
    np.testing.assert_allclose(model.seasonal_bic_coef_, coefs[4], rtol=1e-9, atol=1e-12)


def test_seasonal_bic_changes_the_forecast_and_shorter_windows_suffice():
    """Alone and in "auto"'s pool, "seasonal_bic" forecasts differently
    from "seasonal" and from the pool without it; its windows need only
    twice the period, and without a period it is an error alone and left
    out of a list."""
    X, y = _seasonal_trend(1)
    forecasts = {}
    for baseline in ("seasonal", "seasonal_bic"):
        model = ResidualForecaster(_Recorder(), baseline=baseline, correction=0.0)
        forecasts[baseline] = model.fit(X[:150], y[:150]).predict(X[150:])
    assert model.seasonal_bic_order_ <= model.period_ == 6
    assert np.max(np.abs(forecasts["seasonal"] - forecasts["seasonal_bic"])) > 0.1
    pools = {
        "auto": "auto",
        "seasonal": ["last", "drift", "linear", "ar", "seasonal"],
        "seasonal_bic": ["last", "drift", "linear", "ar", "seasonal_bic"],
    }
    fitted = {
        name: ResidualForecaster(_Recorder(), baseline=pool, correction=0.0).fit(X[:150], y[:150])
        for name, pool in pools.items()
    }
    assert fitted["seasonal_bic"].baseline_weights_["seasonal_bic"] > 0.1
    combined = sum(
        weight
        * ResidualForecaster(_Recorder(), baseline=name, correction=0.0)
        .fit(X[:150], y[:150])
        .predict(X[150:])
        for name, weight in fitted["seasonal_bic"].baseline_weights_.items()
    )
    np.testing.assert_allclose(fitted["seasonal_bic"].predict(X[150:]), combined, rtol=1e-9)
    for other in ("auto", "seasonal"):
        difference = fitted["seasonal_bic"].predict(X[150:]) - fitted[other].predict(X[150:])
        assert np.max(np.abs(difference)) > 0.1
    windows = [x[-k:] for x, k in zip(X, np.resize([24, 23], len(X)))]
    ragged = ResidualForecaster(_Recorder(), baseline="seasonal_bic").fit(windows, y)
    assert ragged.predict([X[-1][-12:], X[-1]]).shape == (2, 3)
    with pytest.raises(ValueError, match="Window 0 has 11 steps; baseline='seasonal_bic'"):
        ragged.predict([X[-1][-11:], X[-1]])
    rng = np.random.default_rng(0)
    Xn, yn, _ = make_windows(rng.normal(size=300), window=24, horizon=3)
    with pytest.raises(ValueError, match="baseline='seasonal_bic' found no period"):
        ResidualForecaster(_Recorder(), baseline="seasonal_bic").fit(Xn, yn)
    pool = ResidualForecaster(_Recorder(), baseline=["last", "ar", "seasonal_bic"]).fit(Xn, yn)
    assert pool.validation_scores_["seasonal_bic"] == np.inf
    assert pool.period_ is None and pool.seasonal_bic_order_ is None


@pytest.mark.parametrize(
    ("name", "pool", "fitted"),
    [
        ("seasonal", ["last", "ar", "seasonal"], ("period_", "seasonal_order_", "seasonal_coef_")),
        (
            "seasonal_bic",
            ["last", "ar", "seasonal", "seasonal_bic"],
            ("period_", "seasonal_bic_order_", "seasonal_bic_coef_"),
        ),
    ],
)
def test_seasonal_baselines_are_deterministic_and_survive_pickle_and_clone(name, pool, fitted):
    import pickle

    from sklearn.base import clone

    from sklearn_rnn.persistence import save

    X, y = _seasonal_trend(3)
    first = ResidualForecaster(Ridge(), baseline=pool).fit(X[:120], y[:120])
    second = ResidualForecaster(Ridge(), baseline=pool).fit(X[:120], y[:120])
    assert name in first.baseline_weights_
    assert first.baseline_weights_ == second.baseline_weights_
    np.testing.assert_array_equal(first.predict(X[120:]), second.predict(X[120:]))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict(X[120:]), first.predict(X[120:]))
    for attribute in fitted:
        np.testing.assert_equal(getattr(restored, attribute), getattr(first, attribute))
    again = clone(first)
    assert again.get_params()["baseline"] == pool
    assert not any(hasattr(again, attribute) for attribute in fitted)
    np.testing.assert_array_equal(
        again.fit(X[:120], y[:120]).predict(X[120:]), first.predict(X[120:])
    )
    # The safe file format holds the package's networks, not the forecaster.
    with pytest.raises(ValueError, match="save\\(\\) writes the package's own estimators"):
        save(first, "unused.safetensors")


def test_the_ar_fits_fast_paths_give_what_the_plain_computations_give():
    """The order selection's residual sums (one QR) are each order's least
    squares', also on a rank-deficient design; the rows' deduplication is
    np.unique's, also above the size where repeats are dropped first; the
    seasonal profiles of equal-length windows are each window's own."""
    from sklearn_rnn.forecasting import (
        _least_squares,
        _nested_rss,
        _seasonal_profiles,
        _unique_rows,
    )

    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=400))
    lags = np.lib.stride_tricks.sliding_window_view(series, 9)
    lags, following = lags[:, :-1], lags[:, -1]
    expected = [_least_squares(lags[:, 8 - order :], following)[1] for order in range(1, 9)]
    np.testing.assert_allclose(_nested_rss(lags, following), expected, rtol=1e-9)
    collinear = np.hstack([lags[:, :4], lags[:, 2:3] * 2, lags[:, 5:]])  # rank-deficient
    expected = [_least_squares(collinear[:, 8 - order :], following)[1] for order in range(1, 9)]
    np.testing.assert_allclose(_nested_rss(collinear, following), expected, rtol=1e-9)

    windows = np.lib.stride_tricks.sliding_window_view(np.round(series, 1), 5)
    rows = np.concatenate([windows] * 40)[rng.permutation(40 * len(windows))]
    assert len(rows) > 10_000
    np.testing.assert_array_equal(_unique_rows(rows), np.unique(rows, axis=0))
    np.testing.assert_array_equal(_unique_rows(rows[:500]), np.unique(rows[:500], axis=0))

    ragged = [series[i : i + n] for i, n in zip(range(0, 300, 10), [24, 30, 24, 36] * 8)]
    together = _seasonal_profiles(ragged, 6)
    alone = np.vstack([_seasonal_profiles([window], 6) for window in ragged])
    np.testing.assert_allclose(together, alone, rtol=1e-9, atol=1e-9)


# --- scale: each window divided by its level ------------------------------------


def test_mean_scale_divides_each_window_and_its_targets_by_the_window_mean():
    X = [np.array([2.0, 4.0, 6.0]), np.array([100.0, 300.0])]
    y = np.array([[8.0], [500.0]])
    model = ResidualForecaster(_Recorder(), baseline="last", correction=1, scale="mean")
    model.fit(X, y)
    assert model.scale_ == "mean"
    seen = model.regressor_.X_seen_
    np.testing.assert_allclose(seen[0], [-1.0, -0.5, 0.0])  # (x - 6) / 4
    np.testing.assert_allclose(seen[1], [-1.0, 0.0])  # (x - 300) / 200
    np.testing.assert_allclose(model.regressor_.y_seen_, [[0.5], [1.0]])
    # Back in units: the last value plus the mean relative residual (0.75)
    # times each window's mean.
    np.testing.assert_allclose(np.ravel(model.predict(X)), [6.0 + 0.75 * 4, 300.0 + 0.75 * 200])
    # Without it, the residuals are in units: 2 and 200.
    unscaled = ResidualForecaster(_Recorder(), baseline="last", correction=1, scale=None)
    np.testing.assert_allclose(unscaled.fit(X, y).regressor_.y_seen_, [[2.0], [200.0]])
    assert unscaled.scale_ is None


def _growing_series(seed, n=40, levels=None):
    """Positive windows of series growing at their own rates, at levels
    spanning six orders of magnitude (or ``levels``)."""
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.normal(0.05, 0.1, (n, 16)) + rng.normal(0, 0.05, (n, 1)), axis=1)
    shapes = np.exp(steps)
    if levels is None:
        levels = 10 ** rng.uniform(0, 6, n)
    return shapes[:, :12] * levels[:, None], shapes[:, 12:] * levels[:, None], levels


def test_mean_scale_makes_the_auto_pool_blind_to_each_windows_level():
    """Windows of series at levels 1 to 10^6 are weighed as the same windows
    at level 1 would be, and forecast at their own level; in their units the
    largest series decide the weights."""
    X, y, levels = _growing_series(0)
    X1, y1, _ = _growing_series(0, levels=np.ones(40))
    scaled = ResidualForecaster(_Recorder(), correction=0.0, scale="mean").fit(X, y)
    same = ResidualForecaster(_Recorder(), correction=0.0, scale="mean").fit(X1, y1)
    assert scaled.baseline_weights_.keys() == same.baseline_weights_.keys()
    for name, weight in scaled.baseline_weights_.items():
        assert weight == pytest.approx(same.baseline_weights_[name], rel=1e-6)
    np.testing.assert_allclose(scaled.predict(X), same.predict(X1) * levels[:, None], rtol=1e-6)
    unscaled = ResidualForecaster(_Recorder(), correction=0.0, scale=None).fit(X, y)
    assert unscaled.baseline_weights_ != pytest.approx(scaled.baseline_weights_, rel=1e-3)
    # Scaled, the pool's relative errors are smaller on every window's level.
    relative = np.abs(scaled.predict(X) - y) / y
    assert np.mean(relative) < np.mean(np.abs(unscaled.predict(X) - y) / y)


@pytest.mark.parametrize(
    "low, high, shift, expected",
    [
        (1.0, 1000.0, 0.0, "mean"),  # positive, levels 1000-fold apart
        (1.0, 2.0, 0.0, None),  # positive, levels twofold apart
        (1.0, 1000.0, -1.5, None),  # levels 1000-fold apart, some values negative
    ],
)
def test_auto_scale_divides_positive_windows_whose_levels_span_tenfold(low, high, shift, expected):
    levels = np.where(np.arange(40) % 2 == 0, low, high)
    X, y, _ = _growing_series(1, levels=levels)
    X, y = X + shift, y + shift
    model = ResidualForecaster(_Recorder(), correction=0.0).fit(X, y)
    assert model.scale_ == expected
    explicit = ResidualForecaster(_Recorder(), correction=0.0, scale=expected).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), explicit.predict(X))
    other = ResidualForecaster(_Recorder(), correction=0.0, scale=None if expected else "mean")
    assert not np.allclose(other.fit(X, y).predict(X), model.predict(X))


def test_mean_scale_leaves_a_window_of_zeros_in_its_units():
    X = [np.zeros(3), np.array([1.0, 2.0, 3.0])]
    y = np.array([1.0, 4.0])
    model = ResidualForecaster(_Recorder(), baseline="last", correction=1, scale="mean")
    model.fit(X, y)
    # Residuals: (1 - 0) / 1 and (4 - 3) / 2; their mean 0.75.
    np.testing.assert_allclose(model.regressor_.y_seen_, [1.0, 0.5])
    np.testing.assert_allclose(model.predict(X), [0.75, 3.0 + 0.75 * 2])


def test_mean_scale_takes_a_validation_set_relative_and_scaled():
    class _Validated(_Recorder):
        def fit(self, X, y, X_val=None, y_val=None):
            self.val_seen_ = (X_val, y_val)
            return super().fit(X, y)

    X_val = [np.array([2.0, 6.0])]
    model = ResidualForecaster(_Validated(), baseline="last", scale="mean")
    model.fit(RAGGED, Y, X_val=X_val, y_val=np.array([[8.0, 10.0]]))
    seen_X, seen_y = model.regressor_.val_seen_
    np.testing.assert_allclose(seen_X[0], [-1.0, 0.0])  # (x - 6) / 4
    np.testing.assert_allclose(seen_y, [[0.5, 1.0]])  # (y - 6) / 4
