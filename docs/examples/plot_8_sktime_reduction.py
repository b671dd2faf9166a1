"""
==============================================
Forecasting with sktime: the regressor reduced
==============================================

sktime turns any scikit-learn regressor into a forecaster with
``make_reduction``: it cuts the series into windows of ``window_length``
values, fits the regressor to map each window to the value that follows,
and forecasts step by step, feeding its own forecasts back in
(``strategy="recursive"``). The package's regressors read the 2-D table of
windows as univariate sequences, so a pipeline of
:class:`~sklearn_rnn.preprocessing.SequenceScaler` and
:class:`~sklearn_rnn.RNNRegressor` plugs in unchanged, and sktime's own
split, forecasting horizon and metrics apply to it.

sktime is not a dependency of the package (``scripts/env.sh`` installs it
with ``--no-deps``; its required dependencies are the package's own).
"""

# %%
# The airline series, split by sktime
# -----------------------------------
# Monthly airline passengers (thousands), 1949-1960, shipped with sktime. The
# last 3 years are the test period; the horizon is their 36 months.
import time
import warnings

import matplotlib.pyplot as plt
from sktime.datasets import load_airline
from sktime.forecasting.base import ForecastingHorizon
from sktime.split import temporal_train_test_split

# sktime 1.2 announces, at every forecaster it builds, a config default that
# changes in 1.3 (sktime's own notice): silenced here for the forecaster
# built below, and by ``set_config(warnings="off")`` for the copies it makes.
warnings.filterwarnings("ignore", message="The default of config", category=FutureWarning)

y = load_airline()
y_train, y_test = temporal_train_test_split(y, test_size=36)
fh = ForecastingHorizon(y_test.index, is_relative=False)
print(f"{len(y_train)} training months, {len(y_test)} test months ({y_test.index[0]} on)")

# %%
# The regressor as a recursive forecaster
# ---------------------------------------
# Windows of 24 months. The scaler standardises each window's input, the
# regressor its target; the defaults choose the rest.
from sklearn.pipeline import make_pipeline
from sktime.forecasting.compose import make_reduction

from sklearn_rnn import RNNRegressor
from sklearn_rnn.preprocessing import SequenceScaler

forecaster = make_reduction(
    make_pipeline(SequenceScaler(), RNNRegressor(random_state=0)),
    window_length=24,
    strategy="recursive",
).set_config(warnings="off")
start = time.perf_counter()
forecaster.fit(y_train)
print(f"fitted in {time.perf_counter() - start:.1f} s")
y_pred = forecaster.predict(fh)

# %%
# Scores against naive forecasts
# ------------------------------
# sktime's mean absolute percentage error on the test months, next to the
# naive forecast (the last month repeated) and the seasonal naive one (the
# last year repeated; sktime's ``NaiveForecaster(sp=12)`` gives the same).
import numpy as np
import pandas as pd
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error

last_year = y_train.to_numpy()[-12:]
forecasts = {
    "naive": pd.Series(y_train.iloc[-1], index=y_test.index),
    "seasonal naive": pd.Series(np.resize(last_year, len(y_test)), index=y_test.index),
    "LSTM (make_reduction)": y_pred,
}
for name, forecast in forecasts.items():
    print(f"{name:>22}: MAPE {mean_absolute_percentage_error(y_test, forecast):.3f}")

# %%
# Plot
# ----
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(y.index.to_timestamp(), y.to_numpy(), color="k", linewidth=1, label="observed")
for name, forecast in forecasts.items():
    if name != "naive":
        ax.plot(forecast.index.to_timestamp(), forecast.to_numpy(), label=name)
ax.axvline(y_test.index[0].to_timestamp(), color="0.5", linestyle=":")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline passengers: 36 months forecast recursively")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
