"""Property-based tests (hypothesis) of every estimator and transformer.

The contract fuzzed here: for any input, a call either

- works, and its output is finite, of the right shape, type and order
  (``len(predict(X)) == n_samples``; predicting on a permuted subset gives
  the permuted predictions; transformers keep the form, the lengths and the
  mask, and ``inverse_transform`` round-trips where it is defined); or
- raises ``ValueError`` or ``TypeError`` whose message names the problem
  (the sample, ``X``, ``y``, a parameter, NaN, the dtype, ...).

No other exception may escape (a ``RuntimeError`` from torch, ``IndexError``,
``KeyError``, ``ZeroDivisionError``...), and nothing is silently truncated or
reordered. Where the input is plainly valid (finite numbers, every sequence
at least one step long, labels a classifier can learn...), the call must
work: a refusal is a failure too.

Inputs come in every accepted form: 3-D and 2-D arrays, DataFrames, ragged
lists (``(T_i, n_features)`` and ``(T_i,)`` samples), lists of lists,
tuples, pandas Series of arrays, token sequences and padded masked arrays;
with 0 to a few dozen samples, lengths from 0 to a few hundred (most small),
1 to 4 features, dtypes float16/32/64, ints, bool and object, and the special
values NaN, inf, 1e30 and -0.0. Labels are ints, strings, floats, bools, a
single class or pandas categoricals; CTC targets are strings or label lists,
empty ones included; the tagger's per-step labels (from the sign of each step's
first feature) are lists of arrays or lists, Series or 2-D arrays, with missing
labels, a length that differs from the sample's, a single class...; the tagger
also fits on lists of words.

The tagger's output follows X's form: one label array per sample, of the
sample's length (a list for ragged X, ``(n_samples, T)`` for fixed-length X,
a masked array with X's mask), and ``predict_proba`` one ``(T_i, n_classes)``
row of probabilities per step.

Each estimator fits with a tiny configuration (``hidden_size=4``,
``max_epochs=1``, ``batch_size=8``, ``frontend=None``; the default
``frontend="auto"`` on a tenth as many cases), then predicts on its training
input and on a permuted subset. The predict-side tests fit each estimator
once and fuzz only the input of ``predict``.

Examples per test: ``SKLEARN_RNN_FUZZ_EXAMPLES`` (default 300, the CI run).
The long run, before a release or after touching ``_validation.py``::

    SKLEARN_RNN_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py

About 10 minutes on one core (the CI run of 300: about 35 seconds).

A failure prints the smallest input that hypothesis found and the
``@reproduce_failure`` decorator that replays it.

``docs/user_guide/rejected_inputs.md`` lists every rejected input of
:data:`REJECTED_INPUTS` with its actual exception and message;
:func:`test_rejected_inputs_table_is_up_to_date` checks it, and
``python tests/test_fuzz.py`` rewrites it.
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sklearn_rnn import CTCTranscriber, RNNClassifier, RNNRegressor, RNNTagger
from sklearn_rnn._base import MAX_FEATURE_MAGNITUDE
from sklearn_rnn.components import TextBag
from sklearn_rnn.preprocessing import (
    LongToSequences,
    SequencePadder,
    SequenceScaler,
    SequenceTokenizer,
)

EXAMPLES = int(os.environ.get("SKLEARN_RNN_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
#: The default front end (convolutions, batch normalisation) costs more per fit.
FUZZ_FEW = settings(FUZZ, max_examples=max(10, EXAMPLES // 10))

TINY = dict(hidden_size=4, max_epochs=1, batch_size=8, device="cpu", random_state=0)
ESTIMATORS = {
    "classifier": RNNClassifier,
    "regressor": RNNRegressor,
    "ctc": CTCTranscriber,
    "tagger": RNNTagger,
}

FLOAT_DTYPES = (np.float16, np.float32, np.float64)
INT_DTYPES = (np.int8, np.int32, np.int64, np.uint8)
DTYPES = FLOAT_DTYPES + INT_DTYPES + (np.bool_, object)
SPECIALS = (np.nan, np.inf, -np.inf, 1e30, -1e30, -0.0)
FORMS = (
    "3d",
    "2d",
    "dataframe",
    "ragged",
    "ragged_1d",
    "tuple",
    "lists",
    "series",
    "tokens",
    "masked",
)
#: Forms whose samples all have the same length.
EQUAL_LENGTH_FORMS = ("3d", "2d", "dataframe")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny networks run fastest on one thread (and others share the cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- the contract ------------------------------------------------------------

#: Words that show a message names what is wrong with the input.
_NAMES_THE_PROBLEM = re.compile(
    r"\b(?:X|y|samples?|NaN|inf(?:inity)?|dtype|features?|labels?|class(?:es)?|"
    r"time steps?|tokens?|lengths?|strings?|shapes?|dimensions?|columns?|documents?|"
    r"rows?|weights?|numeric|numbers?|empty|mask(?:ed)?|series|DataFrame|id|values?|"
    r"float\d*|int\d*|fitted)\b",
    re.IGNORECASE,
)


_PARAMETER_NAMES = sorted({name for cls in ESTIMATORS.values() for name in cls().get_params()})


def check_message(exc, estimator=None):
    """A refusal must say what is wrong: more than a few words, naming the input."""
    message = str(exc)
    names = _PARAMETER_NAMES if estimator is None else list(estimator.get_params())
    assert len(message) >= 20, f"{type(exc).__name__} with a terse message: {message!r}"
    assert _NAMES_THE_PROBLEM.search(message) or any(name in message for name in names), (
        f"{type(exc).__name__}'s message does not name the problem: {message!r}"
    )


def outcome(call, estimator=None):
    """``("ok", result)`` or ``("refused", exception)``; any other exception escapes.

    Warnings are allowed (sklearn's ``DataConversionWarning`` for a column y).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", call()
    except (ValueError, TypeError) as exc:
        check_message(exc, estimator)
        return "refused", exc


# --- inputs ------------------------------------------------------------------


class Case:
    """A generated X: the object passed, and what it holds.

    ``samples`` are float64 ``(T_i, n_features)`` arrays of the real steps (the
    values after the cast to the input's dtype); ``valid`` says whether every
    estimator must accept it.
    """

    def __init__(self, X, form, samples, dtype, valid, nonfinite, tokens, univariate):
        self.X, self.form, self.samples, self.dtype = X, form, samples, dtype
        self.valid, self.nonfinite = valid, nonfinite
        #: Whether the samples are read as token ids (1-D integer samples).
        self.tokens = tokens
        #: Whether the samples carry no feature axis (2-D input, 1-D samples).
        self.univariate = univariate

    @property
    def huge(self):
        """Whether a finite value reaches the magnitude estimators refuse (the
        transformers take it: scaling is their job)."""
        return any(
            (np.abs(s[np.isfinite(s)]) >= np.float32(MAX_FEATURE_MAGNITUDE)).any()
            for s in self.samples
            if s.dtype.kind == "f"
        )

    @property
    def step_features(self):
        """Features per time step (1 for 2-D input, whose columns are steps)."""
        return self.samples[0].shape[1] if self.samples else None

    @property
    def n_samples(self):
        return len(self.samples)

    @property
    def lengths(self):
        return np.array([len(s) for s in self.samples], dtype=np.int64)

    def __repr__(self):
        lengths = self.lengths.tolist()
        return (
            f"Case(form={self.form!r}, dtype={np.dtype(self.dtype).name}, n={self.n_samples}, "
            f"lengths={lengths[:12]}{'...' if len(lengths) > 12 else ''}, valid={self.valid}, "
            f"nonfinite={self.nonfinite}, X={type(self.X).__name__})"
        )


def _cast(values, dtype, rng):
    """Random values as ``dtype`` (ints small, bools from signs)."""
    if dtype is np.bool_:
        return values > 0
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.round(values * 3), max(info.min, -100), min(info.max, 100)).astype(dtype)
    if dtype is object:
        return values.astype(object)
    with np.errstate(over="ignore"):
        return values.astype(dtype)


@st.composite
def lengths_strategy(draw, n, equal, min_length=0):
    """Lengths 0..300, most of them at most 12 (one in ten cases draws long ones)."""
    long = draw(st.integers(0, 9)) == 0
    high = 300 if long else 12
    if equal:
        return [draw(st.integers(min_length, high))] * n
    n_long = draw(st.integers(0, min(n, 3))) if long else 0
    short = draw(st.lists(st.integers(min_length, 12), min_size=n - n_long, max_size=n - n_long))
    longs = draw(st.lists(st.integers(min_length, 300), min_size=n_long, max_size=n_long))
    return draw(st.permutations(short + longs)) if n else []


@st.composite
def sequence_inputs(draw, forms=FORMS, n_features=None, min_samples=0, max_samples=24, clean=False):
    """Any accepted form of X (see the module docstring); ``clean`` draws only valid ones."""
    form = draw(st.sampled_from(forms))
    n = draw(st.integers(max(min_samples, int(clean)), max_samples))
    univariate = form in ("2d", "dataframe", "ragged_1d", "tokens")
    if form == "masked":
        univariate = draw(st.booleans())
    if univariate:
        n_features = 1
    elif n_features is None:
        n_features = draw(st.integers(1, 4))
    if form == "tokens":
        dtype = draw(st.sampled_from((np.int32, np.int64, np.uint8)))
    else:
        dtype = draw(st.sampled_from(DTYPES))
    if form == "masked" and dtype is object:
        dtype = np.float64
    # 1-D integer samples are token ids (non-negative), whatever the form.
    token_like = np.dtype(dtype).kind in "iu" and (
        form in ("ragged_1d", "tokens") or (form == "masked" and univariate)
    )
    min_length = 1 if clean else 0
    lengths = draw(lengths_strategy(n, form in EQUAL_LENGTH_FORMS, min_length))
    if not clean and n and form not in EQUAL_LENGTH_FORMS and draw(st.integers(0, 9)) == 0:
        lengths[draw(st.integers(0, n - 1))] = 0  # one empty sequence
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if form == "tokens":
        raw = [rng.integers(0, 30, size=(t, 1)).astype(np.float64) for t in lengths]
    else:
        raw = [rng.normal(size=(t, n_features)) * 3 for t in lengths]
    if token_like and (clean or draw(st.integers(0, 9))):
        raw = [np.abs(r) for r in raw]
    # Special values at a few places (float and object data only).
    specials = []
    if not clean and (dtype in FLOAT_DTYPES or dtype is object):
        specials = draw(
            st.lists(st.tuples(st.sampled_from(SPECIALS), st.floats(0, 1)), max_size=2)
            if draw(st.integers(0, 3)) == 0
            else st.just([])
        )
    total = int(sum(lengths))
    for value, where in specials:
        if total:
            flat = min(int(where * total), total - 1)
            sample = int(np.searchsorted(np.cumsum(lengths), flat, side="right"))
            step = flat - int(np.sum(lengths[:sample]))
            raw[sample][step, rng.integers(n_features)] = value
    negative_token = form == "tokens" and not clean and total and draw(st.integers(0, 9)) == 0
    if negative_token:
        raw[int(np.flatnonzero(np.array(lengths))[0])][0, 0] = -1
    samples = [_cast(r, dtype, rng) for r in raw]
    text = dtype is object and not clean and total and draw(st.integers(0, 19)) == 0
    if text:  # a string among the numbers
        samples[int(np.flatnonzero(np.array(lengths))[0])][0, 0] = "x"
    truth = [np.asarray(s if not text else np.zeros(s.shape), dtype=np.float64) for s in samples]
    nonfinite = any(not np.isfinite(t.astype(np.float32)).all() for t in truth)
    negative_token = token_like and any((t < 0).any() for t in truth)
    valid = n >= 1 and min(lengths, default=0) >= 1 and not (nonfinite or negative_token or text)
    X = _as_form(form, samples, univariate, n_features, dtype, lengths, rng, draw, clean)
    if form == "masked" and isinstance(X, tuple):
        X, valid = X[0], False  # a step only partly masked
    return Case(X, form, truth, dtype, valid, nonfinite, token_like, univariate)


def _as_form(form, samples, univariate, n_features, dtype, lengths, rng, draw, clean):
    n = len(samples)
    if form == "3d":
        t = lengths[0] if n else draw(st.integers(0, 5))
        return np.stack(samples) if n else np.zeros((0, t, n_features), dtype=dtype)
    if form in ("2d", "dataframe"):
        t = lengths[0] if n else draw(st.integers(0, 5))
        array = np.stack([s[:, 0] for s in samples]) if n else np.zeros((0, t), dtype=dtype)
        if form == "2d":
            return array
        index = None
        if draw(st.booleans()):
            index = pd.Index([f"id{i}" for i in rng.permutation(n)])
        return pd.DataFrame(array, columns=[f"t{j}" for j in range(array.shape[1])], index=index)
    if form in ("ragged_1d", "tokens"):
        return [s[:, 0] for s in samples]
    if form == "ragged":
        return list(samples)
    if form == "tuple":
        return tuple(samples)
    if form == "lists":
        return [s.tolist() for s in samples]
    if form == "series":
        index = pd.Index(rng.permutation(n) * 10) if draw(st.booleans()) else None
        return pd.Series(list(samples), index=index, dtype=object)
    assert form == "masked"
    maxlen = max(lengths, default=0) + draw(st.integers(0, 3))
    out_shape = (n, maxlen) if univariate else (n, maxlen, n_features)
    fill = draw(st.sampled_from((0.0, np.nan, 1e30, -7.0)))
    if np.dtype(dtype).kind != "f":
        fill = 0
    with np.errstate(over="ignore"):
        data = np.full(out_shape, fill, dtype=dtype)
    mask = np.ones(out_shape, dtype=bool)
    pre = draw(st.booleans())
    for i, sample in enumerate(samples):
        t = len(sample)
        start = maxlen - t if pre else 0
        data[i, start : start + t] = sample[:, 0] if univariate else sample
        mask[i, start : start + t] = False
    masked = np.ma.MaskedArray(data, mask=mask)
    if (
        not (clean or univariate)
        and n_features > 1
        and n
        and maxlen
        and not draw(st.integers(0, 9))
    ):
        i, j = int(rng.integers(n)), int(rng.integers(maxlen))
        masked.mask[i, j, 0] = not masked.mask[i, j, 0]
        if masked.mask[i, j].any() and not masked.mask[i, j].all():
            return (masked,)
    return masked


def take(X, indices):
    """The samples of X at ``indices``, in X's own form."""
    indices = np.asarray(indices, dtype=np.int64)
    if hasattr(X, "iloc"):
        return X.iloc[indices]
    if isinstance(X, np.ndarray):  # masked arrays included
        return X[indices]
    if isinstance(X, tuple):
        return tuple(X[i] for i in indices)
    return [X[i] for i in indices]


# --- targets -----------------------------------------------------------------


@st.composite
def class_labels(draw, n, clean=False):
    """``(y, valid)``: labels of many kinds; ``valid`` when a classifier must accept them."""
    kinds = ["int", "str", "float", "bool", "categorical"]
    if not clean:
        kinds += ["single", "continuous", "nan", "mixed", "column", "matrix", "short", "none"]
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(2, 4))
    codes = rng.integers(0, k, size=n)
    if n >= 2:
        codes[:2] = [0, 1]
    valid = n >= 2 or kind == "none"
    if kind == "int":
        y = codes * 7 - 3
    elif kind == "str":
        y = np.array(["cat", "dog", "émû", ""])[codes]
    elif kind == "float":
        y = codes.astype(np.float64) / 2
        valid = valid and False  # 0.5 steps are continuous targets for sklearn
        if draw(st.booleans()):
            y = codes.astype(np.float64)  # integral floats are classes
            valid = n >= 2
    elif kind == "bool":
        y = codes % 2 == 0
        if n >= 2:
            y[:2] = [True, False]
    elif kind == "categorical":
        y = pd.Categorical(np.array(["lo", "mid", "hi", "top"])[codes])
        if draw(st.booleans()):
            y = pd.Series(y)
    elif kind == "single":
        y, valid = np.zeros(n, dtype=np.int64), False
    elif kind == "continuous":
        y, valid = rng.normal(size=n), False
    elif kind == "nan":
        y = codes.astype(np.float64)
        y[rng.integers(n) if n else 0 :][:1] = np.nan
        valid = False
    elif kind == "mixed":
        y = np.array([c if c % 2 else f"c{c}" for c in codes.tolist()], dtype=object)
        valid = False
    elif kind == "column":
        y = codes.reshape(-1, 1)
    elif kind == "matrix":
        y, valid = np.c_[codes, codes], False
    elif kind == "short":
        y, valid = codes[1:], False
    else:
        y, valid = None, False
    if kind == "none":
        valid = False
    return y, valid


@st.composite
def real_targets(draw, n, clean=False):
    """``(y, valid)``: real targets, 1-D or 2-D, with special values when not clean."""
    kinds = ["1d", "2d", "int", "bool", "list"]
    if not clean:
        kinds += ["special", "3d", "str", "short", "none", "ragged"]
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    valid = n >= 1
    if kind == "1d":
        y = rng.normal(size=n) * draw(st.sampled_from((1.0, 1e-3, 1e6)))
    elif kind == "2d":
        y = rng.normal(size=(n, draw(st.integers(1, 3))))
    elif kind == "int":
        y = rng.integers(-5, 5, size=n)
    elif kind == "bool":
        y = rng.normal(size=n) > 0
    elif kind == "list":
        y = rng.normal(size=n).tolist()
    elif kind == "special":
        y = rng.normal(size=n)
        value = draw(st.sampled_from((np.nan, np.inf, 1e30, -0.0, 1e300)))
        if n:
            y[rng.integers(n)] = value
        valid = valid and np.isfinite(value)
    elif kind == "3d":
        y, valid = np.zeros((n, 2, 2)), False
    elif kind == "str":
        y, valid = np.array(["a", "b"] * n)[:n], False
    elif kind == "short":
        y, valid = rng.normal(size=n + 1), False
    elif kind == "ragged":
        y, valid = [[1.0] * (1 + i % 2) for i in range(n)], n < 2
        if n == 1:
            y, valid = [[1.0]], True
    else:
        y, valid = None, False
    return y, valid


@st.composite
def label_sequences(draw, lengths, clean=False):
    """``(y, valid)`` for CTC: each target fits its sample's frames when valid.

    Targets are strings, lists of ints or of strings, or arrays; a target
    needs ``len + repeats`` frames (a blank between repeated labels).
    """
    kinds = ["str", "int_list", "str_list", "array", "series"]
    if not clean:
        kinds += ["empty", "blank", "mixed", "none", "int", "short", "nan"]
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    alphabet = draw(st.sampled_from(("ab", "abc", "x", "zé€")))
    targets = []
    for t in lengths.tolist():
        size = int(rng.integers(1, max(1, min(t, 4)) + 1))
        targets.append([alphabet[j] for j in rng.integers(0, len(alphabet), size=size)])
    fits = all(
        len(target) + sum(a == b for a, b in zip(target, target[1:])) <= t
        for target, t in zip(targets, lengths.tolist())
    )
    valid = len(lengths) >= 1 and fits
    if kind == "str":
        y = ["".join(target) for target in targets]
    elif kind == "int_list":
        y = [[alphabet.index(c) * 3 for c in target] for target in targets]
    elif kind == "str_list":
        y = targets
    elif kind == "array":
        y = [np.array([alphabet.index(c) for c in target]) for target in targets]
    elif kind == "series":
        y = pd.Series(["".join(target) for target in targets], dtype=object)
    elif kind == "empty":
        y = ["".join(target) for target in targets]
        if y:
            y[rng.integers(len(y))] = ""
        valid = False
    elif kind == "blank":
        y = [target + ["<blank>"] for target in targets]
        valid = False
    elif kind == "mixed":
        y = [[c if j % 2 else 5 for j, c in enumerate(target)] + ["q", 1] for target in targets]
        valid = False
    elif kind == "nan":
        y = [[float("nan")] for _ in targets]
        valid = False
    elif kind == "none":
        y, valid = None, False
    elif kind == "int":
        y, valid = list(range(len(targets))), False
    else:
        y, valid = ["".join(target) for target in targets][1:], False
    return y, valid


@st.composite
def step_targets(draw, case, clean=False):
    """``(y, valid)`` for the tagger: one label per step of each sample.

    A step's label is the sign of its first feature (the first step flipped
    where that gives a single class), as ints, strings or with missing labels,
    in a list of arrays or of lists, a Series, or a 2-D array for equal lengths.
    """
    lengths = case.lengths
    n, total = len(lengths), int(lengths.sum())
    equal = n >= 1 and len(set(lengths.tolist())) == 1
    kinds = ["int", "str", "lists", "series", "missing", "nan", "categorical", "padded_masked"]
    kinds += ["2d", "frame"] * equal
    if not clean:
        kinds += ["short", "padded", "single", "per_sample", "none", "fewer", "mixed", "unlabelled"]
        kinds += ["nested"]
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    flat = np.concatenate([s[:, 0] > 0 for s in case.samples]).astype(np.int64) if n else []
    if total >= 2 and len(set(flat[:total].tolist())) == 1:
        flat[0] = 1 - flat[0]
    codes = np.split(np.asarray(flat, dtype=np.int64), np.cumsum(lengths)[:-1]) if n else []
    valid = total >= 2  # both classes
    names = np.array(["NOUN", "VERB"])
    if kind == "int":
        y = [c * 5 - 2 for c in codes]
    elif kind == "str":
        y = [names[c] for c in codes]
    elif kind == "lists":
        y = [names[c].tolist() for c in codes]
    elif kind == "series":
        y = pd.Series([names[c] for c in codes] + [None], dtype=object)[:n]
    elif kind == "missing":  # None at some steps: those steps do not count
        y = [names[c].astype(object) for c in codes]
        for row in y:
            row[rng.random(len(row)) < 0.3] = None
        labelled = [label for row in y for label in row if label is not None]
        valid = len(set(labelled)) == 2
    elif kind == "nan":  # float labels, NaN where missing
        y = [c.astype(np.float64) for c in codes]
        for row in y:
            row[rng.random(len(row)) < 0.3] = np.nan
        labelled = [label for row in y for label in row.tolist() if label == label]
        valid = len(set(labelled)) == 2
    elif kind == "categorical":
        y = [pd.Categorical(names[c], categories=names) for c in codes]
    elif kind == "padded_masked":  # SequencePadder's output on the codes
        if n and lengths.min() >= 1:
            y = SequencePadder().fit_transform([c.tolist() for c in codes])
            # Next to a masked X padded before its steps, the labels do not align.
            valid = valid and not np.ma.isMaskedArray(case.X)
        else:
            y = codes
    elif kind == "2d":
        y = np.stack(codes)
    elif kind == "frame":
        y = pd.DataFrame(np.stack([names[c] for c in codes]))
    elif kind == "short":  # a sample's labels one longer or shorter than it
        y = [c.copy() for c in codes]
        if n:
            i = int(rng.integers(n))
            y[i] = y[i][:-1] if len(y[i]) else np.array([0])
        valid = False
    elif kind == "padded":  # a 2-D array for samples of different lengths
        width = int(lengths.max(initial=0)) + int(equal)
        y = np.zeros((n, width), dtype=np.int64)
        for i, c in enumerate(codes):
            y[i, : len(c)] = c
        valid = False
    elif kind == "single":
        y, valid = [np.zeros(t, dtype=np.int64) for t in lengths.tolist()], False
    elif kind == "per_sample":  # one label per sample: a classifier's y
        y, valid = np.arange(n) % 2, False
    elif kind == "none":
        y, valid = None, False
    elif kind == "fewer":
        y, valid = [names[c] for c in codes][1:], False
    elif kind == "mixed":
        y = [np.array([str(v) if v else v for v in c.tolist()], dtype=object) for c in codes]
        valid = valid and len({type(v) for row in y for v in row}) == 1
    elif kind == "unlabelled":
        y, valid = [np.full(t, None) for t in lengths.tolist()], False
    else:  # labels that are lists
        y, valid = [[[v] for v in c.tolist()] for c in codes], False
    return y, valid


WORDS = ("The", "cat", "sat", ".", "a", "dog", "'s", "Kowalski", "émû", "東京", "--", "1990s", "")


@st.composite
def word_inputs(draw, clean=False):
    """A Case of sentences: lists (or tuples, arrays, a Series) of str words."""
    n = draw(st.integers(int(clean), 12))
    lengths = draw(lengths_strategy(n, False, min_length=1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sentences = [[str(w) for w in rng.choice(WORDS, size=t)] for t in lengths]
    valid = n >= 1
    if not clean and n and draw(st.integers(0, 4)) == 0:
        i = int(rng.integers(n))
        trouble = draw(st.sampled_from(["empty", "number", "none"]))
        if trouble == "empty":
            sentences[i] = []
            lengths[i] = 0
        elif trouble == "number":
            sentences[i][-1] = 3
        else:
            sentences[i][-1] = None
        valid = False
    container = draw(st.sampled_from(["lists", "tuples", "arrays", "series"]))
    if container == "tuples":
        X = [tuple(s) for s in sentences]
    elif container == "arrays":
        X = [np.array(s, dtype=object) for s in sentences]
    elif container == "series":
        X = pd.Series(sentences + [None], dtype=object)[:n]
    else:
        X = sentences
    # The step labels follow the words' capitals (the sign of the first "feature").
    samples = [
        np.array([[1.0 if str(w)[:1].isupper() else -1.0] for w in s]).reshape(-1, 1)
        for s in sentences
    ]
    return Case(X, "words", samples, object, valid, False, False, True)


# --- checks of a successful call -------------------------------------------


def _finite(values):
    return np.isfinite(np.asarray(values, dtype=np.float64)).all()


def check_classifier_output(clf, case, proba, labels):
    n = case.n_samples
    assert isinstance(labels, np.ndarray) and labels.shape == (n,), labels
    assert np.isin(labels, clf.classes_).all()
    assert proba.shape == (n, len(clf.classes_)) and proba.dtype == np.float64
    assert _finite(proba), proba
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(labels, clf.classes_[np.argmax(proba, axis=1)])


def check_regressor_output(reg, case, y, pred):
    n = case.n_samples
    y_shape = np.asarray(y, dtype=np.float64).shape
    expected = (n,) if len(y_shape) == 1 else (n, y_shape[1])
    assert pred.shape == expected, (pred.shape, expected)
    assert _finite(pred), pred


def check_ctc_output(ctc, case, log_proba, pred):
    n = case.n_samples
    assert isinstance(pred, list) and len(pred) == n
    assert isinstance(log_proba, list) and len(log_proba) == n
    frames = ctc._output_lengths(case.lengths)
    for lp, t in zip(log_proba, frames.tolist()):
        assert lp.shape == (t, len(ctc.classes_) + 1)
        assert not np.isnan(lp).any() and (lp <= 1e-4).all()
        np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, rtol=1e-3)
    for p in pred:
        assert isinstance(p, str) if ctc.strings_ else isinstance(p, list)
        assert all(label in ctc.classes_ for label in p)


def _tagger_rows(out, case, n_classes=None):
    """The tagger's output (in X's form) as one array per sample: each of its
    sample's length, in X's order."""
    n, lengths = case.n_samples, case.lengths
    tail = () if n_classes is None else (n_classes,)
    X = case.X
    if np.ma.isMaskedArray(X):
        assert np.ma.isMaskedArray(out) and out.shape == X.shape[:2] + tail, (out.shape, X.shape)
        steps = np.ma.getmaskarray(X)
        steps = steps if steps.ndim == 2 else steps.all(axis=2)
        mask = np.ma.getmaskarray(out)
        np.testing.assert_array_equal(
            mask, np.broadcast_to(steps.reshape(steps.shape + (1,) * len(tail)), mask.shape)
        )
        rows = [np.asarray(out.data[i][~steps[i]]) for i in range(n)]
    elif case.form in EQUAL_LENGTH_FORMS or (
        case.form in ("ragged_1d", "tokens") and isinstance(out, np.ndarray)
    ):
        # Fixed-length X (a list of equal-length 1-D rows of numbers is 2-D).
        assert len(set(lengths.tolist())) == 1 and not np.ma.isMaskedArray(out)
        assert isinstance(out, np.ndarray) and out.shape == (n, lengths[0]) + tail, out.shape
        rows = list(out)
    else:
        assert isinstance(out, list) and len(out) == n, type(out)
        rows = out
    for row, t in zip(rows, lengths.tolist()):
        assert isinstance(row, np.ndarray) and row.shape == (t,) + tail, (row.shape, t)
    return rows


def check_tagger_output(tagger, case, proba, labels):
    classes = tagger.classes_
    proba_rows = _tagger_rows(proba, case, len(classes))
    label_rows = _tagger_rows(labels, case)
    for p, labels_i in zip(proba_rows, label_rows):
        assert p.dtype == np.float64 and _finite(p), p
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
        assert np.isin(labels_i, classes).all(), labels_i
        np.testing.assert_array_equal(labels_i, classes[np.argmax(p, axis=1)])


def _subset(case, seed):
    """A permuted subset of up to 5 samples (order is checked cheaply on it)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(case.n_samples)[: min(case.n_samples, 5)]


def predict_all(estimator, X):
    """Every predict-side output of a fitted estimator, as comparable arrays."""
    if isinstance(estimator, RNNClassifier):
        proba = estimator.predict_proba(X)
        log_proba = estimator.predict_log_proba(X)
        np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-6, atol=1e-12)
        return proba, estimator.predict(X)
    if isinstance(estimator, RNNRegressor):
        return estimator.predict(X), None
    if isinstance(estimator, RNNTagger):
        proba = estimator.predict_proba(X)
        log_proba = estimator.predict_log_proba(X)
        for p, log_p in zip(_flat_rows(proba), _flat_rows(log_proba)):
            np.testing.assert_allclose(np.exp(log_p), p, rtol=1e-6, atol=1e-12)
        return proba, estimator.predict(X)
    return estimator.predict_log_proba(X), estimator.predict(X)


def _flat_rows(out):
    """Per-sample values of a list, an array or (the real steps of) a masked array."""
    if np.ma.isMaskedArray(out):
        return [out.compressed()]
    return out if isinstance(out, list) else [out]


def check_output(estimator, case, first, second, y=None):
    if isinstance(estimator, RNNClassifier):
        check_classifier_output(estimator, case, first, second)
    elif isinstance(estimator, RNNRegressor):
        check_regressor_output(estimator, case, y, first)
    elif isinstance(estimator, RNNTagger):
        check_tagger_output(estimator, case, first, second)
    else:
        check_ctc_output(estimator, case, first, second)


def check_order(estimator, case, first, seed, second=None):
    """Predicting a permuted subset gives the permuted predictions."""
    subset = _subset(case, seed)
    if len(subset) == 0:
        return
    sub_first, sub_second = predict_all(estimator, take(case.X, subset))
    if isinstance(estimator, RNNTagger):  # per-step probabilities and labels
        subcase = _subcase(case, subset)
        full = _tagger_rows(first, case, len(estimator.classes_))
        full_labels = _tagger_rows(second, case)
        sub_labels = _tagger_rows(sub_second, subcase)
        for row, p in enumerate(_tagger_rows(sub_first, subcase, len(estimator.classes_))):
            index = int(subset[row])
            np.testing.assert_allclose(p, full[index], rtol=1e-4, atol=1e-4)
            confident = np.abs(np.diff(np.sort(full[index], axis=1)[:, -2:], axis=1))[:, 0] > 1e-3
            np.testing.assert_array_equal(sub_labels[row][confident], full_labels[index][confident])
    elif isinstance(first, list):  # CTC: per-frame log-probabilities
        for row, index in enumerate(subset.tolist()):
            np.testing.assert_allclose(sub_first[row], first[index], rtol=1e-4, atol=1e-4)
    else:
        scale = np.maximum(np.abs(first[subset]), 1.0)
        np.testing.assert_allclose(sub_first / scale, first[subset] / scale, rtol=0, atol=1e-4)


def fit_and_check(estimator, case, y, y_valid, sample_weight=None, weight_valid=True, seed=0):
    status, result = outcome(lambda: estimator.fit(case.X, y, sample_weight), estimator)
    event(f"fit {status}")
    if status == "refused":
        assert not (case.valid and not case.huge and y_valid and weight_valid), (
            f"{type(estimator).__name__} refused valid input {case}: {result!r}"
        )
        return
    assert not case.nonfinite, f"{type(estimator).__name__} fitted on NaN/inf without a word"
    assert not case.huge, f"{type(estimator).__name__} fitted on values beyond 1e15 without a word"
    assert weight_valid is not False, f"fitted with sample_weight={sample_weight!r}"
    assert estimator.n_epochs_ >= 1
    first, second = predict_all(estimator, case.X)
    check_output(estimator, case, first, second, y)
    check_order(estimator, case, first, seed, second)


# --- estimators: fit on fuzzed data ------------------------------------------


def _dirty(draw):
    """Three cases in ten are dirty (any input), the rest valid."""
    return draw(st.integers(0, 9), label="dirty") < 3


@st.composite
def sample_weights(draw, n):
    """``(sample_weight, valid)``: mostly None; valid True, False, or None (either)."""
    kind = draw(st.sampled_from(["none"] * 6 + ["positive", "zeros", "nan", "short", "null"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "none":
        return None, True
    weights = rng.uniform(0.1, 3, size=n)
    if kind == "positive":
        return (weights.tolist() if draw(st.booleans()) else weights), True
    if kind == "zeros":  # some zero weights: those samples do not count
        weights[: n // 2] = 0
        return weights, n >= 2 or None
    if kind == "nan":
        weights[-1:] = np.nan
        return weights, False if n else None
    if kind == "short":
        return weights[1:], False
    return np.zeros(n), False


def _targets_for(name, draw, case, clean=False):
    if name == "classifier":
        return draw(class_labels(case.n_samples, clean=clean))
    if name == "regressor":
        return draw(real_targets(case.n_samples, clean=clean))
    if name == "tagger":
        return draw(step_targets(case, clean=clean))
    return draw(label_sequences(case.lengths, clean=clean))


@pytest.mark.parametrize("name", list(ESTIMATORS))
@FUZZ
@given(data=st.data())
def test_fit_predict_fuzz(name, data):
    """Fit on any input and targets (tiny network, no front end), then predict."""
    case = data.draw(sequence_inputs(clean=not _dirty(data.draw)), label="X")
    if name == "tagger" and data.draw(st.integers(0, 4), label="words") == 0:
        case = data.draw(word_inputs(clean=not _dirty(data.draw)), label="X (words)")
    y, y_valid = _targets_for(name, data.draw, case, clean=not _dirty(data.draw))
    weights, weights_valid = data.draw(sample_weights(case.n_samples), label="sample_weight")
    estimator = ESTIMATORS[name](frontend=None, **TINY)
    seed = data.draw(st.integers(0, 99))
    fit_and_check(estimator, case, y, y_valid, weights, weights_valid, seed)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@FUZZ_FEW
@given(data=st.data())
def test_fit_predict_fuzz_default_frontend(name, data):
    """The same with the default front end (``frontend="auto"``)."""
    case = data.draw(sequence_inputs(max_samples=12, clean=not _dirty(data.draw)), label="X")
    y, y_valid = _targets_for(name, data.draw, case, clean=not _dirty(data.draw))
    if name == "ctc":
        y_valid = False  # the front end's strides shorten the frames
    estimator = ESTIMATORS[name](**TINY)
    fit_and_check(estimator, case, y, y_valid, seed=data.draw(st.integers(0, 99)))


def test_huge_token_id_is_refused_up_front():
    with pytest.raises(ValueError, match="token id"):
        _tiny(RNNClassifier).fit([np.array([2, 3, 2**40]), np.array([4])], [0, 1])


# --- estimators: fitted once, predict on fuzzed data ---------------------------

#: What the fitted estimators of the predict-side tests were fitted on.
FITTED_ON = ("float2", "float1", "tokens")


def _training_data(kind, name, rng):
    n = 16
    lengths = rng.integers(3, 9, size=n)
    if kind == "tokens":
        X = [rng.integers(0, 12, size=t) for t in lengths]
    elif kind == "float1":
        X = [rng.normal(size=t) for t in lengths]  # univariate (T_i,) samples
    else:
        X = [rng.normal(size=(t, 2)) for t in lengths]
    if name == "classifier":
        y = np.array(["no", "yes"])[np.arange(n) % 2]
    elif name == "regressor":
        y = rng.normal(size=(n, 2))
    elif name == "tagger":
        y = [np.array(["no", "yes"])[(np.reshape(x, (len(x), -1))[:, 0] % 2 > 0.5) * 1] for x in X]
    else:
        y = ["ab"[i % 2] + "ba"[i % 3 % 2] for i in range(n)]
    return X, y


@pytest.fixture(scope="module")
def fitted():
    """``{(name, fitted_on): estimator}``: each estimator fitted once per kind of data."""
    rng = np.random.default_rng(0)
    models = {}
    for name, cls in ESTIMATORS.items():
        for kind in FITTED_ON:
            X, y = _training_data(kind, name, rng)
            models[name, kind] = cls(frontend=None, **TINY).fit(X, y)
    return models


def _must_predict(kind, case):
    """Whether a fitted estimator must accept ``case`` at predict time."""
    if not case.valid or case.huge:
        return False
    if kind == "tokens":
        return case.tokens
    if case.tokens:
        return False
    if case.form in EQUAL_LENGTH_FORMS[1:]:
        # 2-D input: n_features_in_ counts its columns, as sklearn requires.
        return kind == "float1" and case.X.shape[1] == 1
    return case.step_features == (2 if kind == "float2" else 1)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@FUZZ
@given(data=st.data())
def test_predict_fuzz(fitted, name, data):
    """A fitted estimator predicts on any input, or refuses it clearly."""
    kind = data.draw(st.sampled_from(FITTED_ON), label="fitted on")
    estimator = fitted[name, kind]
    inputs = sequence_inputs(clean=not _dirty(data.draw))
    if data.draw(st.integers(0, 9), label="matching") < 6:  # inputs the fit can take
        forms = {
            "float2": [f for f in FORMS if f not in ("2d", "dataframe", "ragged_1d", "tokens")],
            "float1": ["ragged_1d", "ragged", "lists", "series", "3d", "masked"],
            "tokens": ["tokens"],
        }[kind]
        n_features = 2 if kind == "float2" else 1
        inputs = sequence_inputs(forms, n_features=n_features, clean=not _dirty(data.draw))
    case = data.draw(inputs, label="X")
    status, result = outcome(lambda: predict_all(estimator, case.X), estimator)
    event(f"predict {status}")
    if status == "refused":
        assert not _must_predict(kind, case), f"refused valid input {case}: {result!r}"
        return
    assert not case.nonfinite, "predicted on NaN/inf without a word"
    assert case.tokens or not case.huge, "predicted on values beyond 1e15 without a word"
    first, second = result
    check_output(estimator, case, first, second, y=np.zeros((1, 2)))
    check_order(estimator, case, first, data.draw(st.integers(0, 99)), second)


# --- transformers ----------------------------------------------------------------


def _kept(sample, maxlen, truncating):
    return sample[-maxlen:] if truncating == "pre" else sample[:maxlen]


@FUZZ
@given(data=st.data())
def test_sequence_padder_fuzz(data):
    """Padding keeps every real step (up to ``maxlen``), in order, under a mask
    of whole steps, and ``inverse_transform`` gives them back."""
    case = data.draw(sequence_inputs(clean=not _dirty(data.draw)), label="X")
    params = data.draw(
        st.fixed_dictionaries(
            {
                "maxlen": st.none() | st.integers(1, 20),
                "padding": st.sampled_from(["post", "pre"]),
                "truncating": st.sampled_from(["pre", "post"]),
                "value": st.sampled_from([0, -1, 0.5]),
            }
        ),
        label="params",
    )
    padder = SequencePadder(**params)
    status, out = outcome(lambda: padder.fit_transform(case.X), padder)
    event(f"padder {status}")
    if status == "refused":
        assert not case.valid, f"refused valid input {case}: {out!r}"
        return
    assert not case.nonfinite
    maxlen = padder.maxlen_
    assert maxlen == (params["maxlen"] or case.lengths.max())
    assert np.ma.isMaskedArray(out) and out.shape[:2] == (case.n_samples, maxlen)
    if out.ndim == 3:
        assert out.shape[2] == case.samples[0].shape[1]
        assert (out.mask.all(axis=2) == out.mask.any(axis=2)).all(), "partly masked steps"
    step_mask = out.mask if out.ndim == 2 else out.mask.all(axis=2)
    kept = np.minimum(case.lengths, maxlen)
    np.testing.assert_array_equal((~step_mask).sum(axis=1), kept)
    for i, sample in enumerate(case.samples):
        real = ~step_mask[i]
        # The real steps are contiguous, at the end ("pre") or the start ("post").
        positions = np.flatnonzero(real)
        expected_start = maxlen - kept[i] if params["padding"] == "pre" else 0
        np.testing.assert_array_equal(positions, expected_start + np.arange(kept[i]))
        values = np.asarray(out.data[i][real], dtype=np.float64).reshape(kept[i], -1)
        expected = _kept(sample, maxlen, params["truncating"]).astype(out.dtype)
        np.testing.assert_array_equal(values, expected.astype(np.float64).reshape(kept[i], -1))
    back = padder.inverse_transform(out)
    assert isinstance(back, list) and len(back) == case.n_samples
    for sample, restored in zip(case.samples, back):
        expected = _kept(sample, maxlen, params["truncating"])
        np.testing.assert_array_equal(
            np.asarray(restored, dtype=np.float64).reshape(len(expected), -1),
            expected.astype(out.dtype).astype(np.float64),
        )
    subset = _subset(case, data.draw(st.integers(0, 99)))
    if len(subset):
        sub = padder.transform(take(case.X, subset))
        np.testing.assert_array_equal(sub.mask, out.mask[subset])
        np.testing.assert_array_equal(sub.filled(0), out.filled(0)[subset])


def _widened_form(out, case, n_out):
    """A scaler's output when it added per-sequence channels: every sample
    gains a feature axis of width ``n_out`` (2-D input gives a 3-D array),
    with the input's steps and mask."""
    X = case.X
    if np.ma.isMaskedArray(X):
        step_mask = np.ma.getmaskarray(X)
        step_mask = step_mask.all(axis=2) if step_mask.ndim == 3 else step_mask
        assert np.ma.isMaskedArray(out) and out.shape == step_mask.shape + (n_out,)
        np.testing.assert_array_equal(np.ma.getmaskarray(out).all(axis=2), step_mask)
        np.testing.assert_array_equal(np.ma.getmaskarray(out).any(axis=2), step_mask)
        return [np.asarray(out.data[i][~step_mask[i]]) for i in range(len(X))]
    if isinstance(out, np.ndarray):
        assert out.shape == (len(X), case.lengths[0], n_out)
        return list(out)
    assert isinstance(out, list) and len(out) == len(X)
    for length, scaled in zip(case.lengths, out):
        assert np.shape(scaled) == (length, n_out), "sample reshaped"
    return out


def _same_form(out, case):
    """The scaler's output has the input's form, shapes and mask."""
    X = case.X
    if np.ma.isMaskedArray(X):
        assert np.ma.isMaskedArray(out) and out.shape == X.shape
        np.testing.assert_array_equal(np.ma.getmaskarray(out), np.ma.getmaskarray(X))
        return [np.asarray(out.data[i][~np.ma.getmaskarray(X)[i]]) for i in range(len(X))]
    if case.form in EQUAL_LENGTH_FORMS:
        assert isinstance(out, np.ndarray) and out.shape == X.shape
        return list(out)
    if case.form in ("ragged_1d", "tokens") and len(set(case.lengths.tolist())) == 1:
        # A list of equal-length 1-D rows is a 2-D array (as sklearn reads lists).
        assert isinstance(out, np.ndarray) and out.shape == (len(X), case.lengths[0])
        return list(out)
    assert isinstance(out, list) and len(out) == len(X)
    for sample, scaled in zip(X, out):
        assert np.shape(scaled) == np.shape(np.asarray(sample, dtype=object)), "sample reshaped"
    return out


@FUZZ
@given(data=st.data())
def test_sequence_scaler_fuzz(data):
    """Scaling keeps the form, every shape and the mask; it is finite and
    ``inverse_transform`` undoes it."""
    case = data.draw(sequence_inputs(clean=not _dirty(data.draw)), label="X")
    scaler = SequenceScaler(
        method=data.draw(st.sampled_from(["standard", "minmax", "robust"])),
        per_sequence=data.draw(st.sampled_from(["auto", False, True])),
        global_channel=data.draw(st.booleans()),
    )
    status, out = outcome(lambda: scaler.fit_transform(case.X), scaler)
    event(f"scaler {status}")
    if status == "refused":
        # Integer 1-D samples are numbers here, never tokens.
        assert not (case.valid or (case.tokens and case.n_samples and min(case.lengths) > 0)), (
            f"refused valid input {case}: {out!r}"
        )
        return
    assert not case.nonfinite
    # A feature scaled per sequence adds its level, its log-scale and, with
    # global_channel, its globally scaled values.
    n_extra = (3 if scaler.global_channel else 2) * int(scaler.per_sequence_.sum())
    if n_extra:
        n_out = len(scaler.per_sequence_) + n_extra
        assert len(scaler.get_feature_names_out()) == n_out
        scaled = _widened_form(out, case, n_out)
    else:
        scaled = _same_form(out, case)
    float32 = case.dtype is np.float32 and case.form != "lists"
    expected_dtype = np.float32 if float32 else np.float64
    for sample, values in zip(case.samples, scaled):
        values = np.asarray(values)
        assert values.dtype == expected_dtype, (values.dtype, expected_dtype)
        assert np.isfinite(values).all()
        assert values.size == sample.size + (n_extra * len(sample) if n_extra else 0)
    back = scaler.inverse_transform(out)
    back = _widened_form(back, case, n_out - n_extra) if n_extra else _same_form(back, case)
    # Relative to the largest value: next to 1e30, -0.4 is lost to rounding.
    scale = max(max(np.abs(sample).max(initial=0.0) for sample in case.samples), 1.0)
    tolerance = 1e-5 if float32 else 1e-9
    for sample, restored in zip(case.samples, back):
        restored = np.asarray(restored, dtype=np.float64).reshape(sample.shape)
        np.testing.assert_allclose(restored / scale, sample / scale, rtol=0, atol=tolerance)
    subset = _subset(case, data.draw(st.integers(0, 99)))
    if len(subset):
        subcase = _subcase(case, subset)
        sub = scaler.transform(take(case.X, subset))
        if case.form in ("ragged_1d", "tokens") and isinstance(sub, list):
            # Equal-length rows picked from ragged 1-D samples stay sequences
            # of the one fitted feature (not a table of len(row) features).
            assert all(len(row) == case.lengths[i] for row, i in zip(sub, subset.tolist()))
        else:
            sub = _widened_form(sub, subcase, n_out) if n_extra else _same_form(sub, subcase)
        for row, index in enumerate(subset.tolist()):
            np.testing.assert_allclose(np.asarray(sub[row]), np.asarray(scaled[index]))


def _subcase(case, subset):
    return Case(
        take(case.X, subset),
        case.form,
        [case.samples[i] for i in subset],
        case.dtype,
        case.valid,
        case.nonfinite,
        case.tokens,
        case.univariate,
    )


# Text: words, punctuation, accents, other scripts, digits and white space.
_TEXT = st.text(
    alphabet=st.sampled_from(list("ab cdAB.,!?  \t\néüß東京ΩЖ0123_'-")), min_size=0, max_size=40
)


@st.composite
def documents(draw, clean=False):
    """``(X, docs, valid)``: documents in a list, tuple, array, Series or DataFrame."""
    docs = draw(st.lists(_TEXT, min_size=int(clean), max_size=20))
    valid = len(docs) >= 1
    X = list(docs)
    if not clean and docs and draw(st.integers(0, 4)) == 0:
        X[draw(st.integers(0, len(X) - 1))] = draw(st.sampled_from([None, np.nan, 3, b"bytes"]))
        valid = False
    container = draw(st.sampled_from(["list", "tuple", "array", "series", "frame", "frame2"]))
    if container == "tuple":
        X = tuple(X)
    elif container == "array":
        X = np.array(X, dtype=object)
    elif container == "series":
        X = pd.Series(X, dtype=object, index=[f"d{i}" for i in range(len(X))])
    elif container == "frame":
        X = pd.DataFrame({"text": pd.Series(X, dtype=object)})
    elif container == "frame2":
        X = pd.DataFrame({"text": pd.Series(X, dtype=object), "other": 1})
        valid = False
    if not clean and draw(st.integers(0, 19)) == 0:
        X, valid = "one single string", False
    return X, docs, valid


@FUZZ
@given(data=st.data())
def test_sequence_tokenizer_fuzz(data):
    """Every document becomes a non-empty id sequence, in order, whose tokens
    ``inverse_transform`` gives back."""
    X, docs, valid = data.draw(documents(clean=not _dirty(data.draw)), label="X")
    params = data.draw(
        st.fixed_dictionaries(
            {
                "level": st.sampled_from(["word", "char"]),
                "lowercase": st.booleans(),
                "strip_accents": st.sampled_from([None, "ascii", "unicode"]),
                "max_vocab": st.none() | st.integers(1, 5),
                "min_freq": st.integers(1, 2),
            }
        ),
        label="params",
    )
    tokenizer = SequenceTokenizer(**params)
    status, out = outcome(lambda: tokenizer.fit_transform(X), tokenizer)
    event(f"tokenizer {status}")
    if status == "refused":
        assert not valid, f"refused valid documents {docs!r}: {out!r}"
        return
    assert isinstance(out, list) and len(out) == len(docs)
    analyzer = tokenizer.build_analyzer()
    complete = params["max_vocab"] is None and params["min_freq"] == 1
    for doc, ids in zip(docs, out):
        assert ids.dtype == np.int64 and ids.ndim == 1 and len(ids) >= 1
        assert ((ids >= 1) & (ids < tokenizer.vocab_size_)).all()
        tokens = analyzer(doc)
        assert len(ids) == max(len(tokens), 1)
        if complete:
            back = tokenizer.inverse_transform([ids])[0].tolist()
            assert back == (tokens or ["<oov>"])
    transformed = tokenizer.transform(X)
    assert all(np.array_equal(a, b) for a, b in zip(transformed, out))
    subset = _subset(Case(None, None, docs, None, True, False, False, True), 1)
    if len(subset) and isinstance(X, list):
        sub = tokenizer.transform([X[i] for i in subset])
        assert all(np.array_equal(sub[r], out[i]) for r, i in enumerate(subset.tolist()))


@st.composite
def long_frames(draw, clean=False):
    """``(frame, params, valid)``: a long-format frame (one row per id and step)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_rows = draw(st.integers(int(clean), 40))
    n_ids = draw(st.integers(1, 6))
    id_kind = draw(st.sampled_from(["int", "str", "float"]))
    ids = rng.integers(0, n_ids, size=n_rows)
    id_values = {"int": ids * 11, "str": np.array([f"s{i}" for i in ids]), "float": ids / 4}[
        id_kind
    ]
    frame = pd.DataFrame({"id": id_values})
    with_time = draw(st.booleans())
    if with_time:
        # A unique time per (id, row): shuffled positions, so rows are out of order.
        frame["t"] = rng.permutation(n_rows) * draw(st.sampled_from([1, 0.5, -3]))
    n_values = draw(st.integers(1, 3))
    values = rng.normal(size=(n_rows, n_values))
    for j in range(n_values):
        frame[f"v{j}"] = values[:, j]
    valid = n_rows >= 1
    if not clean:
        trouble = draw(
            st.sampled_from(["none", "none", "nan_value", "inf", "nan_id", "dup_time", "text"])
        )
        if trouble != "none" and n_rows:
            row = int(rng.integers(n_rows))
            if trouble == "nan_value":
                frame.loc[frame.index[row], "v0"] = np.nan
            elif trouble == "inf":
                frame.loc[frame.index[row], "v0"] = np.inf
            elif trouble == "nan_id":
                frame["id"] = frame["id"].astype(object)
                frame.loc[frame.index[row], "id"] = None
            elif trouble == "dup_time" and with_time and n_rows >= 2:
                frame["t"] = 0
                frame["id"] = frame["id"].iloc[0]
            elif trouble == "text":
                frame["v0"] = frame["v0"].astype(object)
                frame.loc[frame.index[row], "v0"] = "x"
            valid = trouble == "dup_time" and not (with_time and n_rows >= 2)
    if draw(st.booleans()):
        frame.index = pd.Index(rng.permutation(n_rows) + 100)
    params = {"id_column": "id", "time_column": "t" if with_time else None}
    return frame, params, valid


@FUZZ
@given(data=st.data())
def test_long_to_sequences_fuzz(data):
    """Rows become per-id sequences, steps sorted by time, nothing lost; the
    inverse gives back every value at its id and step."""
    frame, params, valid = data.draw(long_frames(clean=not _dirty(data.draw)), label="frame")
    long = LongToSequences(dtype=np.float64, **params)
    status, out = outcome(lambda: long.fit_transform(frame), long)
    event(f"long {status}")
    if status == "refused":
        assert not valid, f"refused a valid frame: {out!r}\n{frame}"
        return
    ids = pd.unique(frame["id"])
    assert isinstance(out, pd.Series) and out.index.tolist() == list(ids)
    value_columns = [c for c in frame.columns if c.startswith("v")]
    assert long.value_columns_ == value_columns
    for identifier, sequence in out.items():
        rows = frame[frame["id"] == identifier]
        if params["time_column"]:
            rows = rows.sort_values("t", kind="stable")
        np.testing.assert_array_equal(sequence, rows[value_columns].to_numpy(np.float64))
    back = long.inverse_transform(out)
    assert len(back) == len(frame)
    np.testing.assert_array_equal(
        back[value_columns].to_numpy(), np.concatenate(out.tolist()).reshape(len(frame), -1)
    )
    assert back["id"].tolist() == np.repeat(out.index.to_numpy(), out.map(len)).tolist()


# --- the table of rejected inputs (docs/user_guide/rejected_inputs.md) ---------

DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "rejected_inputs.md"
TABLE_BEGIN = "<!-- BEGIN TABLE generated by `python tests/test_fuzz.py`; do not edit -->"
TABLE_END = "<!-- END TABLE -->"


def _tiny(cls, **params):
    return cls(**{**TINY, "frontend": None, **params})


def _fitted_tiny(cls, X=None, y=None, **params):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(4, 2)) for _ in range(6)] if X is None else X
    if y is None:
        y = {RNNClassifier: [0, 1] * 3, RNNRegressor: rng.normal(size=6)}.get(cls, ["ab"] * 6)
    return _tiny(cls, **params).fit(X, y)


def _X(n=6, t=4, f=2):
    return [np.ones((t, f)) for _ in range(n)]


class _NaNWeights:
    """A skorch callback that breaks the network in its second epoch."""

    def __new__(cls):
        from skorch.callbacks import Callback

        class NaNWeights(Callback):
            def on_batch_end(self, net, **kwargs):
                if len(net.history) == 2:
                    with torch.no_grad():
                        for parameter in net.module_.parameters():
                            parameter.fill_(np.nan)

        return NaNWeights()


def _long_frame(**columns):
    return pd.DataFrame({"id": [1, 1, 2], "t": [0, 1, 0], "x": [0.1, 0.2, 0.3], **columns})


#: Per-step labels of the tagger for :func:`_X`'s six samples of four steps.
_TAGS = [[0, 1, 0, 1]] * 6

#: ``(call, input, thunk)``: every rejected input of the docs' table. The thunk
#: must raise; the table shows the exception it raises and its message.
REJECTED_INPUTS = [
    # X, in fit (every estimator and transformer validates X the same way)
    ("fit", "X is None", lambda: _tiny(RNNClassifier).fit(None, [0, 1])),
    ("fit", 'X is one string, `"abc"`', lambda: _tiny(RNNClassifier).fit("abc", [0])),
    ("fit", "X is a dict", lambda: _tiny(RNNClassifier).fit({0: np.ones(3)}, [0])),
    ("fit", "X is a generator", lambda: _tiny(RNNClassifier).fit((x for x in _X()), [0] * 6)),
    ("fit", "X is a 1-D array of numbers", lambda: _tiny(RNNClassifier).fit(np.ones(6), [0] * 6)),
    ("fit", "X is a 4-D array", lambda: _tiny(RNNClassifier).fit(np.ones((6, 2, 2, 2)), [0] * 6)),
    ("fit", "X is an empty list", lambda: _tiny(RNNClassifier).fit([], [])),
    ("fit", "3-D X with 0 samples", lambda: _tiny(RNNClassifier).fit(np.ones((0, 4, 2)), [])),
    (
        "fit",
        "3-D X with 0 time steps",
        lambda: _tiny(RNNClassifier).fit(np.ones((6, 0, 2)), [0] * 6),
    ),
    ("fit", "3-D X with 0 features", lambda: _tiny(RNNClassifier).fit(np.ones((6, 4, 0)), [0] * 6)),
    ("fit", "2-D X with 0 columns", lambda: _tiny(RNNClassifier).fit(np.ones((6, 0)), [0] * 6)),
    (
        "fit",
        "a sample of length 0",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2)), np.ones((0, 2))], [0, 1]),
    ),
    (
        "fit",
        "samples of shape (T, 0)",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 0)), np.ones((2, 0))], [0, 1]),
    ),
    (
        "fit",
        "a sample that is a number",
        lambda: _tiny(RNNClassifier).fit([np.ones(3), 2.0], [0, 1]),
    ),
    (
        "fit",
        "a sample that is a string (untokenized text)",
        lambda: _tiny(RNNClassifier).fit(["a b", "c"], [0, 1]),
    ),
    (
        "fit",
        "a sample holding strings",
        lambda: _tiny(RNNClassifier).fit([np.array([[1.0], ["x"]], dtype=object)], [0]),
    ),
    (
        "fit",
        "a sample of shape (T, F, 2)",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2, 2)), np.ones((3, 2, 2))], [0, 1]),
    ),
    (
        "fit",
        "a sample of nested lists of different lengths",
        lambda: _tiny(RNNClassifier).fit([[[1.0, 2.0], [3.0]], [[1.0, 2.0]]], [0, 1]),
    ),
    (
        "fit",
        "samples with different numbers of features",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2)), np.ones((3, 3))], [0, 1]),
    ),
    ("fit", "complex numbers", lambda: _tiny(RNNClassifier).fit([np.ones((3, 2), complex)], [0])),
    (
        "fit",
        "text in a 3-D array",
        lambda: _tiny(RNNClassifier).fit(np.full((2, 3, 1), "a"), [0, 1]),
    ),
    (
        "fit",
        "NaN in X",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2)), np.array([[1.0, np.nan]])], [0, 1]),
    ),
    (
        "fit",
        "inf in X",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2)), np.array([[np.inf, 1.0]])], [0, 1]),
    ),
    (
        "fit",
        "1e39 in X (too large for float32)",
        lambda: _tiny(RNNClassifier).fit([np.full((3, 2), 1e39)], [0]),
    ),
    (
        "fit",
        "1e20 in X (too large for the network's float32 arithmetic)",
        lambda: _tiny(RNNClassifier).fit([np.ones((3, 2)), np.full((2, 2), 1e20)], [0, 1]),
    ),
    (
        "fit",
        "a negative token id",
        lambda: _tiny(RNNClassifier).fit([np.array([3, 4]), np.array([2, -1])], [0, 1]),
    ),
    (
        "fit",
        "a uint64 token id past the int64 range",
        lambda: _tiny(RNNClassifier).fit([np.array([2**63], dtype=np.uint64)], [0]),
    ),
    (
        "fit",
        "a masked array with a partly masked step",
        lambda: _tiny(RNNClassifier).fit(
            np.ma.MaskedArray(np.ones((2, 3, 2)), mask=[[[0, 1], [0, 0], [0, 0]]] * 2), [0, 1]
        ),
    ),
    (
        "fit",
        "a 1-D masked array",
        lambda: _tiny(RNNClassifier).fit(np.ma.MaskedArray(np.ones(3)), [0]),
    ),
    (
        "fit",
        "a masked array with a fully masked sample",
        lambda: _tiny(RNNClassifier).fit(
            np.ma.MaskedArray(np.ones((2, 3)), mask=[[0, 0, 0], [1, 1, 1]]), [0, 1]
        ),
    ),
    (
        "fit",
        "a scipy sparse matrix",
        lambda: _tiny(RNNClassifier).fit(
            __import__("scipy.sparse").sparse.eye(3).tocsr(), [0, 1, 0]
        ),
    ),
    (
        "fit",
        "a DataFrame with a text column",
        lambda: _tiny(RNNClassifier).fit(pd.DataFrame({"a": ["x", "y"], "b": 1.0}), [0, 1]),
    ),
    (
        "fit",
        "a DataFrame whose cells hold arrays",
        lambda: _tiny(RNNClassifier).fit(pd.DataFrame({"a": [np.ones(3), np.ones(2)]}), [0, 1]),
    ),
    (
        "fit",
        "a DataFrame with column names of mixed types",
        lambda: _tiny(RNNClassifier).fit(pd.DataFrame([[1.0, 2.0]] * 2, columns=["a", 0]), [0, 1]),
    ),
    # X, after fit
    ("predict", "before fit", lambda: _tiny(RNNClassifier).predict(_X())),
    (
        "predict",
        "-3e16 in X (too large for the network's float32 arithmetic)",
        lambda: _fitted_tiny(RNNRegressor).predict([np.ones((3, 2)), np.full((2, 2), -3e16)]),
    ),
    (
        "predict",
        "tokens without the character n-grams the bag was fitted on",
        lambda: _fitted_tiny(
            RNNClassifier,
            SequenceTokenizer(subwords=(3, 5)).fit_transform(["a b", "c d"] * 3),
            bag=TextBag(),
        ).predict([np.array([2, 3])]),
    ),
    (
        "predict",
        "3 features per step, fitted on 2",
        lambda: _fitted_tiny(RNNClassifier).predict([np.ones((4, 3))]),
    ),
    (
        "predict",
        "a 2-D array, fitted on 2 features per step",
        lambda: _fitted_tiny(RNNClassifier).predict(np.ones((3, 2))),
    ),
    (
        "predict",
        "a 2-D array of 5 columns, fitted on 4",
        lambda: _fitted_tiny(RNNClassifier, np.ones((6, 4))).predict(np.ones((3, 5))),
    ),
    (
        "predict",
        "token sequences, fitted on numbers",
        lambda: _fitted_tiny(RNNClassifier, [np.ones((4, 1))] * 6).predict([np.array([2, 3])]),
    ),
    (
        "predict",
        "numbers, fitted on token sequences",
        lambda: _fitted_tiny(RNNClassifier, [np.array([2, 3])] * 6).predict([np.ones(3) / 2]),
    ),
    (
        "predict",
        "a DataFrame with other column names than in fit",
        lambda: _fitted_tiny(
            RNNClassifier, pd.DataFrame(np.ones((6, 2)), columns=["a", "b"])
        ).predict(pd.DataFrame(np.ones((1, 2)), columns=["a", "c"])),
    ),
    # y of the classifier
    ("RNNClassifier.fit", "y is None", lambda: _tiny(RNNClassifier).fit(_X(), None)),
    ("RNNClassifier.fit", "y shorter than X", lambda: _tiny(RNNClassifier).fit(_X(), [0, 1] * 2)),
    ("RNNClassifier.fit", "a single class", lambda: _tiny(RNNClassifier).fit(_X(), ["a"] * 6)),
    (
        "RNNClassifier.fit",
        "continuous y",
        lambda: _tiny(RNNClassifier).fit(_X(), np.linspace(0, 1, 6)),
    ),
    (
        "RNNClassifier.fit",
        "NaN in y",
        lambda: _tiny(RNNClassifier).fit(_X(), [0.0, 1.0, np.nan, 0.0, 1.0, 0.0]),
    ),
    (
        "RNNClassifier.fit",
        "labels of mixed types (str and int)",
        lambda: _tiny(RNNClassifier).fit(_X(), np.array(["a", 1] * 3, dtype=object)),
    ),
    (
        "RNNClassifier.fit",
        "a missing label (None among strings)",
        lambda: _tiny(RNNClassifier).fit(_X(), np.array(["a", "b", None] * 2, dtype=object)),
    ),
    (
        "RNNClassifier.fit",
        "2-D y (multi-output)",
        lambda: _tiny(RNNClassifier).fit(_X(), np.ones((6, 2))),
    ),
    (
        "RNNClassifier.partial_fit",
        "a label not seen in the first call",
        lambda: _fitted_tiny(RNNClassifier).partial_fit(_X(), [0, 1, 2] * 2),
    ),
    (
        "RNNClassifier.fit",
        "sample_weight with NaN",
        lambda: _tiny(RNNClassifier).fit(_X(), [0, 1] * 3, sample_weight=[np.nan] * 6),
    ),
    (
        "RNNClassifier.fit",
        "sample_weight of the wrong length",
        lambda: _tiny(RNNClassifier).fit(_X(), [0, 1] * 3, sample_weight=[1.0] * 5),
    ),
    (
        "RNNClassifier.fit",
        "sample_weight all zero",
        lambda: _tiny(RNNClassifier).fit(_X(), [0, 1] * 3, sample_weight=[0.0] * 6),
    ),
    # y of the regressor
    ("RNNRegressor.fit", "NaN in y", lambda: _tiny(RNNRegressor).fit(_X(), [0.5, np.nan] * 3)),
    ("RNNRegressor.fit", "inf in y", lambda: _tiny(RNNRegressor).fit(_X(), [0.5, np.inf] * 3)),
    ("RNNRegressor.fit", "strings in y", lambda: _tiny(RNNRegressor).fit(_X(), ["a", "b"] * 3)),
    ("RNNRegressor.fit", "3-D y", lambda: _tiny(RNNRegressor).fit(_X(), np.ones((6, 2, 2)))),
    (
        "RNNRegressor.partial_fit",
        "y with 2 outputs, fitted with 1",
        lambda: _fitted_tiny(RNNRegressor).partial_fit(_X(), np.ones((6, 2))),
    ),
    # y of the transcriber
    ("CTCTranscriber.fit", "y is one string", lambda: _tiny(CTCTranscriber).fit(_X(1), "ab")),
    ("CTCTranscriber.fit", "y is a set", lambda: _tiny(CTCTranscriber).fit(_X(2), {"ab", "b"})),
    (
        "CTCTranscriber.fit",
        "an empty transcription",
        lambda: _tiny(CTCTranscriber).fit(_X(2), ["ab", ""]),
    ),
    (
        "CTCTranscriber.fit",
        "a transcription that is a number",
        lambda: _tiny(CTCTranscriber).fit(_X(2), ["ab", 3]),
    ),
    (
        "CTCTranscriber.fit",
        "a transcription longer than its frames",
        lambda: _tiny(CTCTranscriber).fit(_X(2, t=3), ["ab", "abcd"]),
    ),
    (
        "CTCTranscriber.fit",
        "repeated labels without a frame for the blank between them",
        lambda: _tiny(CTCTranscriber).fit(_X(2, t=3), ["ab", "aaa"]),
    ),
    (
        "CTCTranscriber.fit",
        'the label `"<blank>"`',
        lambda: _tiny(CTCTranscriber).fit(_X(2), [["a"], ["<blank>"]]),
    ),
    (
        "CTCTranscriber.fit",
        "labels of mixed types (str and int)",
        lambda: _tiny(CTCTranscriber).fit(_X(2), [["a", 1], ["b"]]),
    ),
    (
        "CTCTranscriber.fit",
        "a NaN label",
        lambda: _tiny(CTCTranscriber).fit(_X(2), [[1.0], [np.nan]]),
    ),
    (
        "CTCTranscriber.fit",
        "an unhashable label",
        lambda: _tiny(CTCTranscriber).fit(_X(2), [[[1]], [[2]]]),
    ),
    (
        "CTCTranscriber.partial_fit",
        "a label not seen in the first call",
        lambda: _fitted_tiny(CTCTranscriber).partial_fit(_X(2), ["ab", "z"]),
    ),
    # y of the tagger (one label per step)
    ("RNNTagger.fit", "y is None", lambda: _tiny(RNNTagger).fit(_X(), None)),
    ("RNNTagger.fit", 'y is one string, `"abcd"`', lambda: _tiny(RNNTagger).fit(_X(), "abcd")),
    (
        "RNNTagger.fit",
        "a y sample whose length differs from its X sample",
        lambda: _tiny(RNNTagger).fit(_X(), _TAGS[:5] + [[0, 1, 0]]),
    ),
    (
        "RNNTagger.fit",
        "y for fewer samples than X",
        lambda: _tiny(RNNTagger).fit(_X(), _TAGS[:5]),
    ),
    (
        "RNNTagger.fit",
        "a 2-D y for samples of different lengths",
        lambda: _tiny(RNNTagger).fit([np.ones((4, 2)), np.ones((3, 2))], np.zeros((2, 4))),
    ),
    (
        "RNNTagger.fit",
        "a 2-D masked y whose labels do not fit X's steps",
        lambda: _tiny(RNNTagger).fit(
            [np.ones((2, 2)), np.ones((4, 2))],
            np.ma.MaskedArray([[0, 1, 0, 1]] * 2, mask=[[0, 1, 1, 0], [0, 0, 0, 0]]),
        ),
    ),
    (
        "RNNTagger.fit",
        "one label per sample (a list of scalars)",
        lambda: _tiny(RNNTagger).fit(_X(), [0, 1] * 3),
    ),
    (
        "RNNTagger.fit",
        "one label per sample (a 1-D array)",
        lambda: _tiny(RNNTagger).fit(_X(), np.array([0, 1] * 3)),
    ),
    ("RNNTagger.fit", "3-D y", lambda: _tiny(RNNTagger).fit(_X(), np.zeros((6, 4, 1)))),
    ("RNNTagger.fit", "a single class", lambda: _tiny(RNNTagger).fit(_X(), [["a"] * 4] * 6)),
    (
        "RNNTagger.fit",
        "every label missing",
        lambda: _tiny(RNNTagger).fit(_X(), [[None] * 4] * 6),
    ),
    (
        "RNNTagger.fit",
        "labels of mixed types (str and int)",
        lambda: _tiny(RNNTagger).fit(_X(), [["a", 1, "a", 1]] * 6),
    ),
    (
        "RNNTagger.fit",
        "a label that is a list",
        lambda: _tiny(RNNTagger).fit(_X(), [[[0], [1], [0], [1]]] * 6),
    ),
    (
        "RNNTagger.fit",
        "continuous labels",
        lambda: _tiny(RNNTagger).fit(_X(), [np.linspace(0, 1, 4)] * 6),
    ),
    (
        "RNNTagger.fit",
        "a negative step_weight",
        lambda: _tiny(RNNTagger).fit(_X(), _TAGS, step_weight=[[1.0, -1.0, 1.0, 1.0]] * 6),
    ),
    (
        "RNNTagger.fit",
        "a step_weight sample whose length differs from its X sample",
        lambda: _tiny(RNNTagger).fit(_X(), _TAGS, step_weight=[[1.0] * 3] * 6),
    ),
    (
        "RNNTagger.fit",
        "a sample of words holding a number",
        lambda: _tiny(RNNTagger).fit([["a", "b"], ["c", 3]], [["x", "y"]] * 2),
    ),
    (
        "RNNTagger.fit",
        "a sample of no word",
        lambda: _tiny(RNNTagger).fit([["a", "b"], []], [["x", "y"], []]),
    ),
    (
        "RNNTagger.partial_fit",
        "a label not seen in the first call",
        lambda: _fitted_tiny(RNNTagger, y=_TAGS).partial_fit(_X(), [[0, 1, 2, 1]] * 6),
    ),
    (
        "RNNTagger.predict",
        "words, fitted on numbers",
        lambda: _fitted_tiny(RNNTagger, y=_TAGS).predict([["a", "b"]]),
    ),
    (
        "RNNTagger.predict",
        "numbers, fitted on words",
        lambda: _fitted_tiny(RNNTagger, [["a", "b"]] * 2, [["x", "y"]] * 2).predict(_X(1)),
    ),
    (
        "RNNTagger.score",
        "every label missing",
        lambda: _fitted_tiny(RNNTagger, y=_TAGS).score(_X(), [[None] * 4] * 6),
    ),
    # parameters and training
    ("fit", "`hidden_size=0`", lambda: _tiny(RNNClassifier, hidden_size=0).fit(_X(), [0, 1] * 3)),
    ("fit", '`pooling="sum"`', lambda: _tiny(RNNClassifier, pooling="sum").fit(_X(), [0, 1] * 3)),
    (
        "fit",
        "`warm_start=True` after changing `hidden_size`",
        lambda: (
            _fitted_tiny(RNNClassifier, warm_start=True)
            .set_params(hidden_size=8)
            .fit(_X(), [0, 1] * 3)
        ),
    ),
    (
        "fit",
        "the training loss becomes NaN (here a callback that breaks the weights in epoch 2)",
        lambda: _tiny(RNNClassifier, max_epochs=3, callbacks=[("nan", _NaNWeights())]).fit(
            _X(), [0, 1] * 3
        ),
    ),
    # transformers
    ("SequenceTokenizer.fit", "one string", lambda: SequenceTokenizer().fit("a text")),
    (
        "SequenceTokenizer.fit",
        "None among the documents",
        lambda: SequenceTokenizer().fit(["a", None]),
    ),
    ("SequenceTokenizer.fit", "no document", lambda: SequenceTokenizer().fit([])),
    (
        "SequenceTokenizer.fit",
        "a DataFrame with two columns",
        lambda: SequenceTokenizer().fit(pd.DataFrame({"a": ["x"], "b": ["y"]})),
    ),
    (
        "SequenceTokenizer.fit",
        'an empty document with `empty_document="error"`',
        lambda: SequenceTokenizer(empty_document="error").fit(["a b", " ."]),
    ),
    (
        "SequenceTokenizer.fit",
        "`subwords=(5, 3)`",
        lambda: SequenceTokenizer(subwords=(5, 3)).fit(["a b"]),
    ),
    (
        "SequenceTokenizer.inverse_transform",
        "float sequences",
        lambda: SequenceTokenizer().fit(["a"]).inverse_transform([np.ones((2, 2))]),
    ),
    ("SequencePadder.fit", "`maxlen=0`", lambda: SequencePadder(maxlen=0).fit(_X())),
    (
        "SequenceScaler.transform",
        "3 features per step, fitted on 2",
        lambda: SequenceScaler().fit(_X()).transform([np.ones((2, 3))]),
    ),
    (
        "SequenceScaler.transform",
        "a 2-D array, fitted on 2 features per step",
        lambda: SequenceScaler().fit(_X()).transform(np.ones((3, 2))),
    ),
    ("LongToSequences.fit", "not a DataFrame", lambda: LongToSequences().fit(np.ones((3, 2)))),
    (
        "LongToSequences.fit",
        "an empty frame",
        lambda: LongToSequences().fit(_long_frame().iloc[:0]),
    ),
    (
        "LongToSequences.fit",
        "a missing id column",
        lambda: LongToSequences(id_column="key").fit(_long_frame()),
    ),
    (
        "LongToSequences.fit",
        "a missing id",
        lambda: LongToSequences().fit(_long_frame(id=[1, None, 2])),
    ),
    (
        "LongToSequences.fit",
        "a duplicate (id, time) pair",
        lambda: LongToSequences(time_column="t").fit(_long_frame(t=[0, 0, 0])),
    ),
    (
        "LongToSequences.fit",
        "a text value column",
        lambda: LongToSequences().fit(_long_frame(x=["a", "b", "c"])),
    ),
    (
        "LongToSequences.fit",
        "NaN in a value column",
        lambda: LongToSequences().fit(_long_frame(x=[0.1, np.nan, 0.3])),
    ),
]


def _cell(text):
    """Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text):
    text = _cell(text)
    fence = "``" if "`" in text else "`"
    return f"{fence}{' ' if fence == '``' else ''}{text}{' ' if fence == '``' else ''}{fence}"


def rejected_inputs_table():
    """The Markdown table of :data:`REJECTED_INPUTS`, from the messages raised now."""
    rows = ["| call | input | exception | message |", "| --- | --- | --- | --- |"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call, description, thunk in REJECTED_INPUTS:
            try:
                thunk()
            except Exception as exc:  # noqa: BLE001 (the table shows whatever is raised)
                error = exc
            else:
                raise AssertionError(f"{call}: {description} was accepted")
            rows.append(
                f"| `{call}` | {_cell(description)} | `{type(error).__name__}` | {_code(error)} |"
            )
    return "\n".join(rows)


def _page_table(page):
    start = page.index(TABLE_BEGIN) + len(TABLE_BEGIN)
    return page[start : page.index(TABLE_END)].strip()


@pytest.mark.parametrize("index", range(len(REJECTED_INPUTS)), ids=lambda i: REJECTED_INPUTS[i][1])
def test_rejected_input(index):
    """Each listed input is refused with a ValueError or TypeError naming the problem."""
    call, description, thunk = REJECTED_INPUTS[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as info:
            thunk()
    check_message(info.value)


def test_rejected_inputs_table_is_up_to_date():
    """The docs' table shows the messages the package raises now; rewrite it
    with ``python tests/test_fuzz.py``."""
    assert _page_table(DOCS_PAGE.read_text(encoding="utf-8")) == rejected_inputs_table(), (
        "docs/user_guide/rejected_inputs.md is out of date: run `python tests/test_fuzz.py`"
    )


def write_rejected_inputs_page():
    """Rewrite the generated table of ``docs/user_guide/rejected_inputs.md``."""
    page = DOCS_PAGE.read_text(encoding="utf-8")
    start = page.index(TABLE_BEGIN) + len(TABLE_BEGIN)
    end = page.index(TABLE_END)
    DOCS_PAGE.write_text(
        page[:start] + "\n\n" + rejected_inputs_table() + "\n\n" + page[end:], encoding="utf-8"
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    write_rejected_inputs_page()
    print(f"rewrote {DOCS_PAGE.name}: {len(REJECTED_INPUTS)} rejected inputs")
