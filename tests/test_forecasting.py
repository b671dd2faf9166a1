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
    model = ResidualForecaster(_Recorder()).fit(RAGGED, Y)
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
    model = ResidualForecaster(_Recorder(), baseline="linear").fit(windows[:200], y[:200])
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
    last_only = ResidualForecaster(_Recorder()).fit(windows[:200], y[:200])
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
    model = ResidualForecaster(_Recorder(), target=1).fit(X, y)
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
