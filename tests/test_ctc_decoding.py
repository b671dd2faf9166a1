"""Tests for CTC decoding, against a brute-force enumeration of all paths."""

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_rnn._ctc_decoding import (
    CTCHypothesis,
    ctc_beam_decode,
    ctc_beam_decode_batch,
    ctc_beam_search,
    ctc_greedy_decode,
)


def collapse(path, blank):
    """CTC's many-to-one map: merge repeated symbols, then drop blanks."""
    merged = [symbol for i, symbol in enumerate(path) if i == 0 or path[i - 1] != symbol]
    return tuple(symbol for symbol in merged if symbol != blank)


def brute_force(probs, blank):
    """Probability of every labelling, summing over all C**T paths.

    Returns the labelling -> probability dict and the single most probable path.
    """
    n_steps, n_classes = probs.shape
    labellings = {}
    best_path, best_path_prob = None, -1.0
    for path in itertools.product(range(n_classes), repeat=n_steps):
        prob = math.prod(probs[t, symbol] for t, symbol in enumerate(path))
        label = collapse(path, blank)
        labellings[label] = labellings.get(label, 0.0) + prob
        if prob > best_path_prob:
            best_path, best_path_prob = path, prob
    return labellings, best_path


def normalise(scores):
    """Rows of positive scores -> probabilities."""
    scores = np.asarray(scores, dtype=np.float64)
    return scores / scores.sum(axis=1, keepdims=True)


def assert_most_probable(tokens, labellings):
    """tokens is a most probable labelling (ties allowed up to rounding)."""
    best = max(labellings.values())
    assert labellings.get(tuple(tokens.tolist()), 0.0) >= best * (1 - 1e-9), (
        tokens,
        max(labellings, key=labellings.get),
    )


# Hand-made tables (rows are frames, columns classes). Blank is given per table.
HAND_TABLES = [
    # T=2: blank-blank is the best path (0.36), yet "1" has 0.16 + 0.24 + 0.24 = 0.64.
    ([[0.6, 0.4], [0.6, 0.4]], 0),
    # T=3 with blank spread: best path is all blanks (0.216), "1" totals 0.648.
    ([[0.6, 0.4], [0.6, 0.4], [0.6, 0.4]], 0),
    # Repeats need a blank in between to give "1 1"; blank as the last class.
    ([[0.1, 0.2, 0.7], [0.2, 0.1, 0.7], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4]], 2),
    # Two labels competing with the blank.
    ([[0.5, 0.3, 0.2], [0.4, 0.35, 0.25], [0.45, 0.1, 0.45], [0.2, 0.5, 0.3]], 0),
    # Zero probabilities (log -inf) are allowed.
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.5, 0.0, 0.5]], 0),
    # A sharp, greedy-friendly table.
    ([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.05, 0.9], [0.05, 0.05, 0.9]], 0),
]


@pytest.mark.parametrize(("table", "blank"), HAND_TABLES)
def test_beam_finds_brute_force_most_probable_labelling(table, blank):
    probs = normalise(table)
    labellings, _ = brute_force(probs, blank)
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    hypothesis = ctc_beam_decode(log_probs, blank=blank, beam_width=16)
    assert isinstance(hypothesis, CTCHypothesis)
    assert hypothesis.tokens.dtype == np.int64
    assert_most_probable(hypothesis.tokens, labellings)
    assert math.exp(hypothesis.log_prob) == pytest.approx(
        labellings[tuple(hypothesis.tokens.tolist())], rel=1e-9
    )


@pytest.mark.parametrize(("table", "blank"), HAND_TABLES)
def test_greedy_is_the_collapsed_best_path(table, blank):
    probs = normalise(table)
    _, best_path = brute_force(probs, blank)
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    (tokens,) = ctc_greedy_decode(log_probs[None], blank=blank)
    assert tokens.dtype == np.int64
    assert tuple(tokens.tolist()) == collapse(best_path, blank)


def test_beam_beats_greedy_on_spread_blank():
    log_probs = np.log([[0.6, 0.4], [0.6, 0.4]])
    (greedy,) = ctc_greedy_decode(log_probs[None], blank=0)
    beam = ctc_beam_decode(log_probs, blank=0, beam_width=4)
    assert greedy.tolist() == []
    assert beam.tokens.tolist() == [1]
    assert beam.log_prob == pytest.approx(math.log(0.64))


def test_beam_search_returns_the_labelling_distribution():
    probs = normalise([[0.5, 0.3, 0.2], [0.4, 0.35, 0.25], [0.45, 0.1, 0.45]])
    labellings, _ = brute_force(probs, blank=0)
    hypotheses = ctc_beam_search(np.log(probs), blank=0, beam_width=100)
    found = {tuple(h.tokens.tolist()): math.exp(h.log_prob) for h in hypotheses}
    assert found.keys() == labellings.keys()
    for label, prob in labellings.items():
        assert found[label] == pytest.approx(prob, rel=1e-9)
    # Sorted best first, and n_best truncates.
    log_probs_found = [h.log_prob for h in hypotheses]
    assert log_probs_found == sorted(log_probs_found, reverse=True)
    assert len(ctc_beam_search(np.log(probs), blank=0, n_best=2)) == 2


def test_beam_matches_torch_ctc_loss_on_a_long_diffuse_table():
    # 200 frames at P(blank)=0.994: a label that is never above log-prob -5 at any
    # frame still wins as a labelling ("1": 0.365 against "": 0.300).
    log_probs = np.log(np.tile([0.994, 0.006], (200, 1)))
    hypothesis = ctc_beam_decode(log_probs, blank=0, beam_width=10)
    assert hypothesis.tokens.tolist() == [1]

    def exact_log_prob(tokens):
        return -torch.nn.functional.ctc_loss(
            torch.from_numpy(log_probs)[:, None, :],
            torch.tensor([tokens], dtype=torch.long).reshape(1, len(tokens)),
            torch.tensor([200]),
            torch.tensor([len(tokens)]),
            blank=0,
            reduction="sum",
        ).item()

    assert hypothesis.log_prob == pytest.approx(exact_log_prob([1]), rel=1e-9)
    assert exact_log_prob([1]) > exact_log_prob([])
    assert exact_log_prob([1]) > exact_log_prob([1, 1])


def test_greedy_respects_lengths_and_matches_per_sample_decoding():
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(4), size=(3, 7)))
    lengths = np.array([7, 3, 0])
    batch = ctc_greedy_decode(log_probs, lengths, blank=1)
    assert len(batch) == 3
    for sample, length, tokens in zip(log_probs, lengths, batch, strict=True):
        (alone,) = ctc_greedy_decode(sample[None, :length], blank=1)
        np.testing.assert_array_equal(tokens, alone)
    assert batch[2].size == 0


def test_greedy_ignores_padding_content():
    log_probs = np.log(normalise([[0.1, 0.9], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]]))[None]
    # The last two frames are padding: whatever they hold must not matter, even a
    # repeat of the last real label right after it.
    padded = log_probs.copy()
    padded[0, 2:] = np.log([0.1, 0.9])
    (tokens,) = ctc_greedy_decode(padded, [2], blank=0)
    assert tokens.tolist() == [1]
    (full,) = ctc_greedy_decode(log_probs, blank=0)
    assert full.tolist() == [1, 1]


def test_beam_batch_equals_per_sample_beam():
    rng = np.random.default_rng(1)
    log_probs = np.log(rng.dirichlet(np.ones(3), size=(4, 6)))
    lengths = np.array([6, 5, 1, 0])
    batch = ctc_beam_decode_batch(log_probs, lengths, blank=0, beam_width=5)
    for sample, length, hypothesis in zip(log_probs, lengths, batch, strict=True):
        alone = ctc_beam_decode(sample[:length], blank=0, beam_width=5)
        np.testing.assert_array_equal(hypothesis.tokens, alone.tokens)
        assert hypothesis.log_prob == pytest.approx(alone.log_prob)
    # No frames: the empty labelling, with certainty.
    assert batch[3].tokens.size == 0
    assert batch[3].log_prob == 0.0


def test_torch_tensors_are_accepted():
    log_probs = torch.log_softmax(torch.randn(2, 5, 3, requires_grad=True), dim=-1)
    expected = ctc_greedy_decode(log_probs.detach().numpy(), blank=0)
    for tokens, reference in zip(
        ctc_greedy_decode(log_probs, torch.tensor([5, 5]), blank=0), expected, strict=True
    ):
        np.testing.assert_array_equal(tokens, reference)
    hypothesis = ctc_beam_decode(log_probs[0], blank=0)
    assert hypothesis.log_prob <= 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: ctc_greedy_decode(np.zeros((5, 3)), blank=0),
            ValueError,
            r"3-D array of shape \(n_samples, T, n_classes\); got an array of shape \(5, 3\)",
        ),
        (
            lambda: ctc_beam_decode(np.zeros((2, 5, 3)), blank=0),
            ValueError,
            r"2-D array of shape \(T, n_classes\); got an array of shape \(2, 5, 3\)",
        ),
        (
            lambda: ctc_beam_decode(np.zeros((5, 3)), blank=3),
            ValueError,
            r"blank must be a class index in \[0, 3\).*got 3",
        ),
        (
            lambda: ctc_beam_decode(np.zeros((5, 3)), blank=1.0),
            TypeError,
            "blank must be an integer",
        ),
        (
            lambda: ctc_beam_decode(np.zeros((5, 3)), blank=0, beam_width=0),
            ValueError,
            "beam_width must be a positive integer; got 0",
        ),
        (
            lambda: ctc_beam_decode(np.zeros((5, 3), dtype=np.int64), blank=0),
            ValueError,
            "floating-point",
        ),
        (
            lambda: ctc_beam_decode(np.array([[0.0, np.nan], [0.0, 0.0]]), blank=0),
            ValueError,
            r"NaN or \+inf.*at index \(0, 1\)",
        ),
        (
            lambda: ctc_beam_decode(np.array([[0.0, 0.0], [-np.inf, -np.inf]]), blank=0),
            ValueError,
            "frame 1 of log_probs is -inf for all 2 classes",
        ),
        (
            lambda: ctc_greedy_decode(np.zeros((2, 5, 3)), [5, 6], blank=0),
            ValueError,
            r"lengths must lie in \[0, 5\].*sample 1 has length 6",
        ),
        (
            lambda: ctc_greedy_decode(np.zeros((2, 5, 3)), [5], blank=0),
            ValueError,
            r"one entry per sample, shape \(2,\); got shape \(1,\)",
        ),
    ],
)
def test_input_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- property tests on random small tables ---------------------------------------------


@st.composite
def probability_tables(draw, max_steps=5, max_classes=3):
    n_steps = draw(st.integers(min_value=1, max_value=max_steps))
    n_classes = draw(st.integers(min_value=2, max_value=max_classes))
    scores = draw(
        arrays(
            np.float64,
            (n_steps, n_classes),
            elements=st.floats(min_value=0.01, max_value=1.0, allow_nan=False),
        )
    )
    blank = draw(st.integers(min_value=0, max_value=n_classes - 1))
    return normalise(scores), blank


@settings(max_examples=150, deadline=None)
@given(probability_tables())
def test_wide_beam_equals_brute_force_argmax(table):
    probs, blank = table
    labellings, best_path = brute_force(probs, blank)
    # 2 labels and 5 frames give at most 63 prefixes: width 100 never prunes.
    hypothesis = ctc_beam_decode(np.log(probs), blank=blank, beam_width=100)
    assert_most_probable(hypothesis.tokens, labellings)
    assert math.exp(hypothesis.log_prob) == pytest.approx(
        labellings[tuple(hypothesis.tokens.tolist())], rel=1e-9
    )
    (greedy,) = ctc_greedy_decode(np.log(probs)[None], blank=blank)
    # Greedy is a best path's labelling, which can never be more probable than the
    # beam's. Paths that tie (up to rounding) with the best may collapse to other
    # labellings, so greedy's must be that of one of them.
    best_prob = math.prod(probs[t, symbol] for t, symbol in enumerate(best_path))
    best_labellings = {
        collapse(path, blank)
        for path in itertools.product(range(probs.shape[1]), repeat=len(probs))
        if math.prod(probs[t, symbol] for t, symbol in enumerate(path)) >= best_prob * (1 - 1e-9)
    }
    assert tuple(greedy.tolist()) in best_labellings
    assert labellings[tuple(greedy.tolist())] <= math.exp(hypothesis.log_prob) * (1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(probability_tables(max_steps=5, max_classes=3), st.integers(min_value=1, max_value=4))
def test_narrow_beam_scores_are_lower_bounds(table, beam_width):
    probs, blank = table
    labellings, _ = brute_force(probs, blank)
    hypotheses = ctc_beam_search(np.log(probs), blank=blank, beam_width=beam_width)
    assert 1 <= len(hypotheses) <= beam_width
    labels = [tuple(h.tokens.tolist()) for h in hypotheses]
    assert len(set(labels)) == len(labels)  # prefixes are merged, never duplicated
    for label, hypothesis in zip(labels, hypotheses, strict=True):
        # Pruning can only drop paths of a labelling, never add probability.
        assert math.exp(hypothesis.log_prob) <= labellings[label] * (1 + 1e-9)


try:
    import pyctcdecode
except ImportError:  # an optional cross-check: not a dependency of the package
    pyctcdecode = None


@pytest.mark.skipif(pyctcdecode is None, reason="pyctcdecode is not installed")
@settings(max_examples=30, deadline=None)
@given(probability_tables(max_steps=5, max_classes=4))
def test_agrees_with_pyctcdecode_without_pruning(table):
    """Cross-check with an independent implementation, when it is installed."""
    probs, blank = table
    n_classes = probs.shape[1]
    # pyctcdecode needs a string alphabet with "" as the blank.
    alphabet = ["" if k == blank else "abc"[k - (k > blank)] for k in range(n_classes)]
    decoder = pyctcdecode.build_ctcdecoder(alphabet)
    # Widths that cover every prefix (3 labels, 5 frames: 364), so neither prunes;
    # pyctcdecode keeps up to two entries per prefix.
    text = decoder.decode_beams(
        np.log(probs), beam_width=800, beam_prune_logp=-1e9, token_min_logp=-1e9
    )[0][0]
    theirs = tuple(alphabet.index(char) for char in text)
    ours = ctc_beam_decode(np.log(probs), blank=blank, beam_width=400)
    labellings, _ = brute_force(probs, blank)
    assert_most_probable(ours.tokens, labellings)
    assert_most_probable(np.array(theirs), labellings)
