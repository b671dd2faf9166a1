"""
================================================
Forecasting a monthly series, up to past its end
================================================

The Mauna Loa CO2 record (weekly, March 1958 to December 2001; shipped with
statsmodels) has a rising trend and a yearly cycle. We forecast it 12 months
ahead at once (direct multi-step forecasting) with an LSTM that reads the
last 2 years, using :func:`~sklearn_rnn.preprocessing.make_windows` to cut
the series into (past, future) pairs and
:func:`~sklearn_rnn.preprocessing.windows_to_frame` to put the forecasts back
on dates, including dates past the end of the series.
"""

# %%
# The series
# ----------
# Weekly measurements averaged per month; the 5 months without a measurement
# are interpolated.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from statsmodels.datasets import co2

series = co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
print(f"{len(series)} months, {series.index[0]:%Y-%m} to {series.index[-1]:%Y-%m}")

# %%
# Windows, and forecasting changes instead of levels
# --------------------------------------------------
# Each sample is 24 months of history and the 12 months that follow;
# ``target_index`` holds the date of every target value. A network trained
# on levels cannot forecast values above those it has seen, and this trend
# keeps rising, so each window is taken relative to its last value: the
# network forecasts how much the series will change.
# :class:`~sklearn_rnn.ResidualForecaster` does this around any regressor.
from sklearn_rnn.preprocessing import make_windows, windows_to_frame

WINDOW, HORIZON = 24, 12
X, y, target_index = make_windows(series, window=WINDOW, horizon=HORIZON)
print(f"X: {X.shape}, y: {y.shape}, target_index: {target_index.shape}")

# Train on the windows whose targets all fall before 1996; test on those
# whose targets all fall in 1996-2001.
test_start = pd.Timestamp("1996-01-01")
train = target_index[:, -1] < test_start
test = target_index[:, 0] >= test_start
print(f"{train.sum()} training windows, {test.sum()} test windows")

# %%
# The model
# ---------
# :class:`~sklearn_rnn.ResidualForecaster` subtracts each window's last
# value from the window and from its 12 targets (``baseline="last"``), fits
# the pipeline on what remains, and adds the last value back to its
# forecasts (``correction=1``: all of the network's forecast; the defaults,
# ``baseline="auto"`` and ``correction="auto"``, choose both on the last
# training windows, at the cost of a second fit). :class:`~sklearn_rnn.preprocessing.SequenceScaler` standardises
# the inputs; the regressor standardises its 12 targets itself. Shortened
# for the documentation build: 25 epochs.
from sklearn.pipeline import make_pipeline

from sklearn_rnn import ResidualForecaster, RNNRegressor
from sklearn_rnn.preprocessing import SequenceScaler

forecaster = ResidualForecaster(
    make_pipeline(SequenceScaler(), RNNRegressor(hidden_size=32, max_epochs=25, random_state=0)),
    baseline="last",
    correction=1,
)
start = time.perf_counter()
forecaster.fit(X[train], y[train])
print(f"fitted in {time.perf_counter() - start:.1f} s")
y_pred = forecaster.predict(X[test])

# %%
# Scores on the held-out years
# ----------------------------
# The baseline is a seasonal naive forecast: the value of the same month a
# year earlier, moved by the growth of the last 12 months.
from sklearn.metrics import mean_absolute_error

window = X[test]
seasonal_naive = window[:, -12:] + (window[:, -1:] - window[:, -13:-12])
for name, forecast in [("seasonal naive + growth", seasonal_naive), ("LSTM", y_pred)]:
    errors = np.abs(forecast - y[test]).mean(axis=0)
    print(
        f"{name:>23}: MAE {mean_absolute_error(y[test], forecast):.3f} ppm "
        f"(1 month ahead {errors[0]:.3f}, 12 months ahead {errors[-1]:.3f})"
    )

# %%
# Forecasts on the series' dates
# ------------------------------
# :func:`windows_to_frame` puts forecast ``h`` of each window on the date it
# forecasts: one row per date, one column per step ahead.
test_forecasts = windows_to_frame(y_pred, target_index[test])
print(test_forecasts[[1, 6, 12]].dropna().head())

# %%
# Past the end of the series
# --------------------------
# The last 24 months give a forecast of the 12 months after December 2001,
# dates that are not in the series: build them and pass them as the target
# index. (For brevity the model is the one fitted on data up to 1995; in
# practice, refit it on all the windows first.)
last_window = series.to_numpy()[None, -WINDOW:]
future_dates = pd.date_range(series.index[-1] + pd.offsets.MonthBegin(), periods=HORIZON, freq="MS")
future_pred = forecaster.predict(last_window)
future_frame = windows_to_frame(future_pred, np.array([future_dates]))
future_forecast = future_frame.bfill(axis=1)[1]  # one window: one forecast per date
print(future_forecast.round(2).to_string())

# %%
# Plot
# ----
fig, ax = plt.subplots(figsize=(9, 4))
recent = series["1992":]
ax.plot(recent.index, recent, color="k", linewidth=1, label="observed")
ax.plot(test_forecasts.index, test_forecasts[1], label="1 month ahead (test years)")
ax.plot(test_forecasts.index, test_forecasts[12], label="12 months ahead (test years)")
ax.plot(future_forecast.index, future_forecast, "o-", markersize=3, label="past the end")
ax.axvline(test_start, color="0.5", linestyle=":")
ax.set_ylabel("CO2 (ppm)")
ax.set_title("Mauna Loa CO2: direct 12-month forecasts")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
