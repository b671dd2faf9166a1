"""Tests for sklearn_rnn.metrics: hand-computed values, scorer use, errors, properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.metrics import make_scorer

from sklearn_rnn.metrics import character_error_rate, sequence_accuracy, word_error_rate


def _edit_distance(reference, hypothesis):
    """Textbook dynamic-programming Levenshtein distance, independent of rapidfuzz."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, start=1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref_item != hyp_item),
                )
            )
        previous = current
    return previous[-1]


# --- hand-computed values -----------------------------------------------------


def test_cer_hand_computed_corpus_level():
    # "kitten" -> "sitting": 3 edits; "abc" -> "abc": 0; total reference length 9.
    # Corpus level: 3 / 9, not the mean of per-sample rates (3/6 + 0) / 2.
    assert character_error_rate(["kitten", "abc"], ["sitting", "abc"]) == pytest.approx(3 / 9)


def test_cer_counts_insertions_deletions_substitutions():
    assert character_error_rate(["abc"], ["abxc"]) == pytest.approx(1 / 3)  # insertion
    assert character_error_rate(["abc"], ["ac"]) == pytest.approx(1 / 3)  # deletion
    assert character_error_rate(["abc"], ["abd"]) == pytest.approx(1 / 3)  # substitution
    assert character_error_rate(["ab"], [""]) == pytest.approx(1.0)


def test_cer_can_exceed_one():
    assert character_error_rate(["a"], ["bcd"]) == pytest.approx(3.0)


def test_cer_on_label_sequences_of_many_forms():
    y_true = [[3, 1, 4], (1, 5), np.array([9, 2, 6])]
    y_pred = [np.array([3, 4]), [1, 5], (9, 2, 6, 5)]
    # 1 deletion + 0 + 1 insertion over 8 labels.
    assert character_error_rate(y_true, y_pred) == pytest.approx(2 / 8)


def test_cer_two_dimensional_array_is_one_row_per_sample():
    y_true = np.array([[1, 2, 3], [4, 5, 6]])
    y_pred = np.array([[1, 2, 0], [4, 5, 6]])
    assert character_error_rate(y_true, y_pred) == pytest.approx(1 / 6)


def test_cer_labels_are_compared_by_equality_not_hash():
    # rapidfuzz alone would count the label 97 equal to "a" (its code point).
    assert character_error_rate([["a", "b"]], [[97, "b"]]) == pytest.approx(1 / 2)
    # Equal numbers of different types are equal labels, as in Python.
    assert character_error_rate([[1, 2]], [np.array([1, 2], dtype=np.int32)]) == 0.0


def test_cer_string_against_label_sequence_reads_characters():
    assert character_error_rate(["314"], [["3", "1", "5"]]) == pytest.approx(1 / 3)


def test_cer_accepts_pandas_series_and_numpy_strings():
    y_true = pd.Series(["314", "15"], index=[10, 20])
    y_pred = np.array(["314", "16"])
    assert character_error_rate(y_true, y_pred) == pytest.approx(1 / 5)


def test_wer_hand_computed():
    y_true = ["the cat sat", "on the mat"]
    y_pred = ["the cat sat down", "on mat"]
    # 1 insertion + 1 deletion over 6 reference words.
    assert word_error_rate(y_true, y_pred) == pytest.approx(2 / 6)


def test_wer_splits_on_any_whitespace():
    assert word_error_rate(["a b\tc"], ["  a   b\nc "]) == 0.0


def test_wer_substituted_word_counts_once():
    assert word_error_rate(["hello world"], ["hello wurld"]) == pytest.approx(1 / 2)


def test_sequence_accuracy_hand_computed():
    assert sequence_accuracy(["314", "15", "9", ""], ["314", "16", "9", ""]) == 0.75
    assert sequence_accuracy([[1, 2], [3]], [np.array([1, 2]), [3, 3]]) == 0.5
    assert sequence_accuracy(["12"], [["1", "2"]]) == 1.0


# --- as a scorer ----------------------------------------------------------------


class _FixedPredictor(BaseEstimator):
    """Stands in for a fitted transcriber: predicts a fixed list."""

    def __init__(self, predictions):
        self.predictions = predictions

    def fit(self, X, y):
        return self

    def predict(self, X):
        return self.predictions


def test_error_rates_as_scorers_are_negated():
    y_true = ["314", "15"]
    model = _FixedPredictor(["314", "16"])
    cer_scorer = make_scorer(character_error_rate, greater_is_better=False)
    assert cer_scorer(model, [None, None], y_true) == pytest.approx(-1 / 5)
    wer_scorer = make_scorer(word_error_rate, greater_is_better=False)
    assert wer_scorer(model, [None, None], y_true) == pytest.approx(-1 / 2)
    accuracy_scorer = make_scorer(sequence_accuracy)
    assert accuracy_scorer(model, [None, None], y_true) == pytest.approx(0.5)


# --- errors -------------------------------------------------------------------------


@pytest.mark.parametrize("metric", [character_error_rate, word_error_rate, sequence_accuracy])
def test_length_mismatch_quotes_both_lengths(metric):
    with pytest.raises(ValueError, match=r"got 3 in y_true and 2 in y_pred"):
        metric(["a", "b", "c"], ["a", "b"])


@pytest.mark.parametrize("metric", [character_error_rate, word_error_rate, sequence_accuracy])
def test_empty_input_is_an_error(metric):
    with pytest.raises(ValueError, match="empty"):
        metric([], [])


def test_all_empty_references_make_error_rates_undefined():
    with pytest.raises(ValueError, match="total reference length 0"):
        character_error_rate(["", ""], ["a", ""])
    with pytest.raises(ValueError, match="total reference length 0"):
        word_error_rate(["  ", ""], ["a", ""])


def test_single_string_instead_of_list_is_rejected():
    with pytest.raises(TypeError, match=r"Wrap one sample in a list"):
        character_error_rate("314", "315")


def test_non_sequence_sample_quotes_its_index():
    with pytest.raises(TypeError, match=r"sample 1 is int"):
        character_error_rate(["31", 4], ["31", "4"])
    with pytest.raises(TypeError, match=r"y_pred.*sample 0 is ndarray of shape \(2, 2\)"):
        character_error_rate([[1, 2]], [np.zeros((2, 2))])


def test_wer_rejects_label_sequences():
    with pytest.raises(ValueError, match=r"sample 1 of y_pred is a label sequence"):
        word_error_rate(["a b", "c"], ["a b", ["c"]])


# --- properties -------------------------------------------------------------------

_texts = st.lists(st.text(alphabet="abc ", max_size=8), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(_texts)
def test_identical_predictions_are_perfect(texts):
    if sum(len(text) for text in texts):
        assert character_error_rate(texts, texts) == 0.0
    if sum(len(text.split()) for text in texts):
        assert word_error_rate(texts, texts) == 0.0
    assert sequence_accuracy(texts, texts) == 1.0


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cer_matches_dynamic_programming_and_bounds(data):
    references = data.draw(_texts)
    hypotheses = data.draw(
        st.lists(
            st.text(alphabet="abcd ", max_size=8),
            min_size=len(references),
            max_size=len(references),
        )
    )
    total_length = sum(len(text) for text in references)
    if total_length == 0:
        return
    cer = character_error_rate(references, hypotheses)
    expected = sum(map(_edit_distance, references, hypotheses)) / total_length
    assert cer == pytest.approx(expected)
    # The distance is at least the length difference and at most the longer length.
    lower = sum(abs(len(r) - len(h)) for r, h in zip(references, hypotheses, strict=True))
    upper = sum(max(len(r), len(h)) for r, h in zip(references, hypotheses, strict=True))
    assert lower / total_length - 1e-12 <= cer <= upper / total_length + 1e-12
    # Swapping the roles keeps the total distance: only the normaliser changes.
    swapped_length = sum(len(text) for text in hypotheses)
    if swapped_length:
        swapped = character_error_rate(hypotheses, references)
        assert swapped * swapped_length == pytest.approx(cer * total_length)
    # An error rate of 0 means every sample is right.
    assert (cer == 0) == (sequence_accuracy(references, hypotheses) == 1.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=3), max_size=6), min_size=1, max_size=4),
    st.lists(st.lists(st.integers(min_value=0, max_value=3), max_size=6), min_size=1, max_size=4),
)
def test_label_sequences_agree_with_their_string_spelling(labels_true, labels_pred):
    n = min(len(labels_true), len(labels_pred))
    labels_true, labels_pred = labels_true[:n], labels_pred[:n]
    if not sum(map(len, labels_true)):
        return
    spell = ["".join(str(label) for label in labels) for labels in labels_true]
    spell_pred = ["".join(str(label) for label in labels) for labels in labels_pred]
    assert character_error_rate(labels_true, labels_pred) == pytest.approx(
        character_error_rate(spell, spell_pred)
    )
    assert sequence_accuracy(labels_true, labels_pred) == sequence_accuracy(spell, spell_pred)
