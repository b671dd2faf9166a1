"""End-to-end pipelines: raw text or series -> preprocessing -> RNN estimator."""

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.preprocessing import (
    SequencePadder,
    SequenceScaler,
    SequenceTokenizer,
    make_windows,
    windows_to_frame,
)

POSITIVE = ["good", "great", "fine", "nice"]
NEGATIVE = ["bad", "awful", "poor", "dull"]
FILLERS = ["the", "movie", "was", "really", "a", "plot", "it", "this", "film", "so", "i", "think"]


def make_negation_text(n_samples=400, random_state=0):
    """Reviews whose label flips when "not" directly precedes the sentiment word.

    Each review has one sentiment word; it is negated (label flipped) when
    "not" stands right before it. Half the other reviews carry a "not"
    elsewhere (after the sentiment word), so the presence of "not" says
    nothing: the label is the XOR of the word's polarity and the word order,
    which no bag of words captures.

    Returns
    -------
    texts : list of str
    labels : ndarray of str, "pos" or "neg"
    """
    rng = np.random.RandomState(random_state)
    texts, labels = [], []
    for _ in range(n_samples):
        positive = rng.rand() < 0.5
        negated = rng.rand() < 0.5
        words = list(rng.choice(FILLERS, rng.randint(1, 4)))
        if negated:
            words.append("not")
        words.append(rng.choice(POSITIVE if positive else NEGATIVE))
        tail = list(rng.choice(FILLERS, rng.randint(1, 3)))
        if not negated and rng.rand() < 0.9:
            tail.insert(rng.randint(0, len(tail) + 1), "not")
        texts.append(" ".join(words + tail))
        labels.append("pos" if positive != negated else "neg")
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def negation_split():
    texts, labels = make_negation_text(600, random_state=0)
    return train_test_split(texts, labels, test_size=200, random_state=0, stratify=labels)


def test_text_pipeline_learns_word_order_that_bag_of_words_cannot(negation_split):
    X_train, X_test, y_train, y_test = negation_split
    bag_of_words = make_pipeline(
        CountVectorizer(token_pattern=r"(?u)\b\w+\b"), LogisticRegression(max_iter=1000)
    )
    bow_accuracy = bag_of_words.fit(X_train, y_train).score(X_test, y_test)
    # Default RNNClassifier settings (lr=3e-3, batch 32, LSTM 64) except
    # max_epochs=10 instead of 50, to keep the test short on a shared 2-core CPU
    # (10 epochs already reach ~0.99 here).
    rnn = make_pipeline(
        SequenceTokenizer(), RNNClassifier(max_epochs=10, random_state=0, device="cpu")
    )
    rnn_accuracy = rnn.fit(X_train, y_train).score(X_test, y_test)
    assert bow_accuracy <= 0.75, bow_accuracy
    assert rnn_accuracy >= 0.9, rnn_accuracy


def test_grid_search_tunes_transformers_and_estimator_together(negation_split):
    X_train, _, y_train, _ = negation_split
    pipeline = make_pipeline(
        SequenceTokenizer(),
        SequencePadder(),
        RNNClassifier(max_epochs=2, random_state=0, device="cpu"),
    )
    grid = {
        "sequencetokenizer__max_vocab": [5, None],
        "sequencepadder__maxlen": [3, None],
        "rnnclassifier__hidden_size": [4, 8],
    }
    search = GridSearchCV(pipeline, grid, cv=2, n_jobs=2).fit(X_train[:120], y_train[:120])
    assert len(search.cv_results_["params"]) == 8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    assert (
        best.named_steps["sequencetokenizer"].max_vocab
        == search.best_params_["sequencetokenizer__max_vocab"]
    )
    assert (
        best.named_steps["rnnclassifier"].hidden_size
        == search.best_params_["rnnclassifier__hidden_size"]
    )
    # The refit model saw the whole data: its padder learnt the full longest length.
    if search.best_params_["sequencepadder__maxlen"] is None:
        lengths = [len(t) for t in SequenceTokenizer().fit_transform(X_train[:120])]
        assert best.named_steps["sequencepadder"].maxlen_ == max(lengths)
    assert set(search.predict(X_train[:5])) <= {"pos", "neg"}


def test_pandas_text_column_and_categorical_labels():
    texts, labels = make_negation_text(60, random_state=1)
    frame = pd.DataFrame({"review": texts, "label": pd.Categorical(labels)})
    pipeline = make_pipeline(
        SequenceTokenizer(), RNNClassifier(max_epochs=2, random_state=0, device="cpu")
    )
    for X in (frame[["review"]], frame["review"]):
        pipeline.fit(X, frame["label"])
        assert pipeline.classes_.tolist() == ["neg", "pos"]
        assert set(pipeline.predict(X)) <= {"neg", "pos"}
    assert (
        pipeline.fit(frame[["review"]], frame["label"].astype(str)).predict(frame[["review"]]).dtype
        == object
    )


def test_windows_direct_multi_step_forecast_with_scaler():
    index = pd.date_range("2024-01-01", periods=120, freq="h")
    series = pd.Series(10 + np.sin(np.arange(120) / 4.0), index=index)
    X, y, target_index = make_windows(series, window=12, horizon=3, stride=2)
    model = make_pipeline(
        SequenceScaler(),
        # A short fixed budget keeps the test fast (the default one-cycle
        # schedule needs the default step budget).
        RNNRegressor(
            hidden_size=16, max_epochs=30, lr_schedule="constant", random_state=0, device="cpu"
        ),
    )
    predictions = model.fit(X, y).predict(X)
    assert predictions.shape == y.shape
    forecasts = windows_to_frame(predictions, target_index)
    assert forecasts.index.isin(index).all() and forecasts.columns.tolist() == [1, 2, 3]
    one_step = forecasts[1].dropna()
    error = np.abs(one_step - series.loc[one_step.index]).mean()
    assert error < 0.5 * np.abs(series - series.mean()).mean(), error
