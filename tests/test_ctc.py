"""CTCTranscriber: learning, decoding, the sklearn contract, bad targets."""

import inspect
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklearn_rnn import CTCTranscriber
from sklearn_rnn.components import Augmentation, ConvFrontend, FrameStacking
from sklearn_rnn.ctc import BLANK_LABEL, CTCLossOnPadded
from sklearn_rnn.datasets import make_digit_lines
from sklearn_rnn.metrics import character_error_rate
from sklearn_rnn.preprocessing import SequenceScaler

FAST = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu")
DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@pytest.fixture(scope="module")
def digit_lines():
    """Held-out evaluation: test lines use only images of the disjoint test pool."""
    X_train, y_train = make_digit_lines(n_samples=600, max_digits=4, subset="train", random_state=0)
    X_test, y_test = make_digit_lines(n_samples=200, max_digits=4, subset="test", random_state=1)
    return X_train, y_train, X_test, y_test


@pytest.fixture(scope="module")
def default_transcriber(digit_lines):
    """CTCTranscriber with every default but the seed, fitted once for the module."""
    X_train, y_train, _, _ = digit_lines
    return CTCTranscriber(random_state=0).fit(X_train, y_train)


@pytest.fixture(scope="module")
def small_lines():
    """Tiny data for contract tests (fast to fit, not to learn)."""
    return make_digit_lines(n_samples=40, max_digits=3, random_state=0)


class _TrainingSpy(Callback):
    """Counts training events, to prove that a refused fit never trained."""

    def __init__(self):
        self.events = 0

    def on_train_begin(self, net, **kwargs):
        self.events += 1

    def on_batch_begin(self, net, **kwargs):
        self.events += 1


# --- learning ---------------------------------------------------------------


@pytest.mark.slow
def test_default_transcriber_reads_held_out_digit_lines(default_transcriber, digit_lines):
    _, _, X_test, y_test = digit_lines
    assert default_transcriber.get_params() == CTCTranscriber(random_state=0).get_params()
    y_pred = default_transcriber.predict(X_test)
    assert all(isinstance(line, str) for line in y_pred)
    cer = character_error_rate(y_test, y_pred)
    assert cer <= 0.10
    assert default_transcriber.score(X_test, y_test) == pytest.approx(1.0 - cer)


@pytest.mark.slow
def test_beam_and_greedy_decoders(default_transcriber, digit_lines):
    _, _, X_test, y_test = digit_lines
    transcriber = clone(default_transcriber)  # same parameters, shares no state
    greedy = default_transcriber.set_params(decoder="greedy")
    greedy_pred = greedy.predict(X_test)
    beam = pickle.loads(pickle.dumps(default_transcriber)).set_params(decoder="beam", beam_width=8)
    beam_pred = beam.predict(X_test)
    assert all(isinstance(line, str) for line in beam_pred)
    greedy_cer = character_error_rate(y_test, greedy_pred)
    beam_cer = character_error_rate(y_test, beam_pred)
    assert beam_cer <= greedy_cer + 0.01
    # The decoder is a predict-time choice: switching it does not touch the weights.
    np.testing.assert_array_equal(
        beam.predict_log_proba(X_test[:5])[0], greedy.predict_log_proba(X_test[:5])[0]
    )
    assert not hasattr(transcriber, "net_")


# --- outputs ----------------------------------------------------------------


def _greedy_from_log_proba(log_proba, classes):
    """Best path read from predict_log_proba: column 0 is the blank, k + 1 is classes[k]."""
    path = log_proba.argmax(axis=1)
    merged = [code for i, code in enumerate(path) if i == 0 or code != path[i - 1]]
    return [classes[code - 1] for code in merged if code != 0]


@pytest.mark.parametrize("subsample", [1, 3])
def test_predict_log_proba_frames_and_columns(small_lines, subsample):
    X, y = small_lines
    transcriber = CTCTranscriber(frontend=ConvFrontend(stack=subsample), **FAST).fit(X, y)
    log_proba = transcriber.predict_log_proba(X)
    assert len(log_proba) == len(X)
    for x, frames in zip(X, log_proba):
        assert frames.shape == (-(-len(x) // subsample), len(transcriber.classes_) + 1)
        np.testing.assert_allclose(np.exp(frames).sum(axis=1), 1.0, rtol=1e-5)
    y_pred = transcriber.predict(X)
    assert y_pred == [
        "".join(_greedy_from_log_proba(frames, transcriber.classes_.tolist()))
        for frames in log_proba
    ]


def test_string_targets_give_strings_and_label_sequences_give_lists(small_lines):
    X, y = small_lines
    on_strings = CTCTranscriber(**FAST).fit(X, y)
    y_int = [[int(char) for char in line] for line in y]
    on_ints = CTCTranscriber(**FAST).fit(X, y_int)
    y_words = [[DIGIT_NAMES[int(char)] for char in line] for line in y]
    on_words = CTCTranscriber(**FAST).fit(X, y_words)

    pred_strings = on_strings.predict(X)
    pred_ints = on_ints.predict(X)
    pred_words = on_words.predict(X)
    assert all(isinstance(line, str) for line in pred_strings)
    assert all(isinstance(line, list) for line in pred_ints + pred_words)
    assert all(type(label) is int for line in pred_ints for label in line)
    assert all(label in DIGIT_NAMES for line in pred_words for label in line)
    assert on_ints.classes_.tolist() == list(range(10))
    assert on_words.classes_.tolist() == sorted(DIGIT_NAMES)
    # Digits and their characters sort alike, so both fits learn the same codes:
    # the same seed gives the same network and the same transcriptions.
    assert pred_ints == [[int(char) for char in line] for line in pred_strings]
    # Label sequences may also be tuples or arrays, and y a numpy object array.
    y_arrays = np.empty(len(y_int), dtype=object)
    y_arrays[:] = [np.array(line) for line in y_int]
    assert CTCTranscriber(**FAST).fit(X, y_arrays).predict(X) == pred_ints


def test_labels_at_predict_and_score_time_never_matter(small_lines):
    X, y = small_lines
    transcriber = CTCTranscriber(**FAST).fit(X, y)
    unseen = ["x" * len(line) for line in y]
    # Every reference label is unseen, so each one is an error: CER >= 1.
    assert transcriber.score(X, unseen) <= 0.0
    on_ints = CTCTranscriber(**FAST).fit(X, [[int(c) for c in line] for line in y])
    assert on_ints.score(X, [[10 + int(c) for c in line] for line in y]) <= 0.0
    assert on_ints.score(X, [[int(c) for c in line] for line in y]) > on_ints.score(
        X, [[10 + int(c) for c in line] for line in y]
    )
    with pytest.raises(ValueError, match="sample_weight"):
        transcriber.score(X, y, sample_weight=np.ones(len(X)))


# --- bad targets ------------------------------------------------------------


def _bad_targets(X, y):
    X, y = list(X), list(y)
    too_long_X, too_long_y = list(X), list(y)
    too_long_X[3], too_long_y[3] = X[3][:4], "12345"
    repeats_X, repeats_y = list(X), list(y)
    repeats_X[5], repeats_y[5] = X[5][:4], "1223"  # 4 labels + 1 blank between the 2s
    empty_y = list(y)
    empty_y[2] = ""
    blank_y = [list(line) for line in y]
    blank_y[6] = ["1", BLANK_LABEL]
    return [
        (
            too_long_X,
            too_long_y,
            {},
            r"y\[3\] has 5 labels .* needs at least 5 frames, but X\[3\] has 4",
        ),
        (repeats_X, repeats_y, {}, r"y\[5\] has 4 labels \(1 repeated\) .* at least 5 frames"),
        (X, y, {"frontend": FrameStacking(factor=12)}, r"y\[\d+\] .* frames after the front end"),
        (X, empty_y, {}, r"y\[2\] is empty"),
        (X, blank_y, {}, r"y\[6\] holds the label '<blank>'.*reserved for the CTC blank"),
        (X, y[:-1], {}, r"X has 40 samples but y has 39"),
        (X, np.arange(len(X)), {}, r"y\[0\] is int64"),
    ]


def test_bad_targets_are_refused_before_training(small_lines):
    X, y = small_lines
    for X_bad, y_bad, params, match in _bad_targets(X, y):
        spy = _TrainingSpy()
        transcriber = CTCTranscriber(callbacks=[("spy", spy)], **{**FAST, **params})
        with pytest.raises(ValueError, match=match):
            transcriber.fit(X_bad, y_bad)
        assert not hasattr(transcriber, "net_")
        assert spy.events == 0
        assert not hasattr(transcriber, "classes_")


def test_tightest_possible_alignment_trains(small_lines):
    X, y = small_lines
    X, y = list(X), list(y)
    X[5], y[5] = X[5][:5], "1223"  # exactly the 5 frames it needs
    spy = _TrainingSpy()
    transcriber = CTCTranscriber(callbacks=[("spy", spy)], **FAST).fit(X, y)
    assert spy.events > 0  # the spy used by the refusal test does see training
    assert transcriber.net_.criterion_.ctc.zero_infinity is False
    losses = transcriber.history_[:, "train_loss"]
    assert np.all(np.isfinite(losses))


def test_ctc_loss_does_not_zero_impossible_alignments():
    # zero_infinity would turn an impossible alignment into a silent zero loss;
    # fit refuses those up front instead, and the loss itself stays infinite.
    criterion = CTCLossOnPadded()
    assert criterion.ctc.zero_infinity is False
    log_probs = torch.log_softmax(torch.zeros(1, 2, 4), dim=-1)
    targets = {"targets": torch.tensor([[1, 2, 3]]), "target_lengths": torch.tensor([3])}
    loss = criterion((log_probs, torch.tensor([2])), targets)
    assert torch.isinf(loss).all()


def test_unseen_label_in_continued_training_is_refused(small_lines):
    X, y = small_lines
    transcriber = CTCTranscriber(warm_start=True, **FAST).fit(X, y)
    y_new = list(y)
    y_new[4] = "1a"
    with pytest.raises(ValueError, match=r"y\[4\] holds the label 'a', not seen in the first fit"):
        transcriber.fit(X, y_new)
    with pytest.raises(ValueError, match=r"y\[4\] holds the label 'a'"):
        transcriber.partial_fit(X, y_new)


def test_mixed_label_types_are_refused(small_lines):
    X, y = small_lines
    mixed = [list(line) for line in y]
    mixed[0] = [1, "2"]
    with pytest.raises(ValueError, match="mixed types"):
        CTCTranscriber(**FAST).fit(X, mixed)


# --- the sklearn contract ---------------------------------------------------


def test_pipeline_with_sequence_scaler_and_grid_search(small_lines):
    X, y = small_lines
    pipeline = make_pipeline(SequenceScaler(), CTCTranscriber(**FAST))
    search = GridSearchCV(pipeline, {"ctctranscriber__hidden_size": [4, 8]}, cv=2).fit(X, y)
    assert search.best_params_["ctctranscriber__hidden_size"] in (4, 8)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores <= 1.0)
    y_pred = search.predict(X)
    assert search.score(X, y) == pytest.approx(1.0 - character_error_rate(y, y_pred))
    # The transcriber inside sees scaled frames.
    scaled = search.best_estimator_[0].transform(X)
    assert abs(np.concatenate(scaled).mean()) < 1e-5
    assert search.best_estimator_[-1].predict(scaled) == y_pred


def test_clone_pickle_and_determinism(small_lines):
    X, y = small_lines
    transcriber = CTCTranscriber(**FAST).fit(X, y)
    log_proba = transcriber.predict_log_proba(X)

    restored = pickle.loads(pickle.dumps(transcriber))
    assert restored.predict(X) == transcriber.predict(X)
    for a, b in zip(restored.predict_log_proba(X), log_proba):
        np.testing.assert_array_equal(a, b)

    refit = clone(transcriber).fit(X, y)
    for a, b in zip(refit.predict_log_proba(X), log_proba):
        np.testing.assert_array_equal(a, b)

    other_seed = CTCTranscriber(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(other_seed.predict_log_proba(X)[0], log_proba[0])


def test_get_set_params_and_no_state_in_init():
    transcriber = CTCTranscriber()
    signature = inspect.signature(CTCTranscriber.__init__)
    names = [name for name in signature.parameters if name != "self"]
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(signature.parameters.values())[1:]
    )
    assert sorted(transcriber.get_params()) == sorted(names)
    assert vars(transcriber) == transcriber.get_params()
    assert transcriber.set_params(decoder="beam", beam_width=3) is transcriber
    assert transcriber.get_params()["decoder"] == "beam"
    assert clone(transcriber).get_params() == transcriber.get_params()


def test_fitted_attributes_and_not_fitted_errors(small_lines):
    X, y = small_lines
    transcriber = CTCTranscriber(**FAST)
    for method in (transcriber.predict, transcriber.predict_log_proba):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        transcriber.score(X, y)
    transcriber.fit(X, y)
    params = transcriber.get_params()
    learned = [name for name in vars(transcriber) if name not in params]
    assert {"classes_", "strings_", "net_", "history_", "n_epochs_", "n_features_in_"} <= set(
        learned
    )
    assert all(name.endswith("_") or name.startswith("_") for name in learned)
    assert transcriber.n_features_in_ == 8
    assert transcriber.n_epochs_ == FAST["max_epochs"]
    wider = [np.hstack([x, x]) for x in X]
    with pytest.raises(ValueError, match="8"):
        transcriber.predict(wider)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(decoder="viterbi"), "decoder"),
        (dict(beam_width=0), "beam_width"),
        (dict(frontend=FrameStacking(factor=0)), r"frontend=FrameStacking\(factor=0\).*factor"),
    ],
)
def test_invalid_parameters_are_named(small_lines, params, match):
    X, y = small_lines
    with pytest.raises(ValueError, match=match):
        CTCTranscriber(**{**FAST, **params}).fit(X, y)


# --- augmentation -------------------------------------------------------------------


def test_augmentation_acts_in_training_only(small_lines):
    """SpecAugment-style time masking (and jitter, scaling) perturb the frames
    the network trains on; predictions read the frames as they are."""
    X, y = small_lines
    plain = CTCTranscriber(**FAST).fit(X, y)
    assert plain.augmentation_ is None
    augmentation = Augmentation(time_mask=0.5, feature_mask=0.5, jitter=0.3)
    ctc = CTCTranscriber(**FAST, augmentation=augmentation).fit(X, y)
    assert ctc.augmentation_ == Augmentation(
        jitter=0.3, scaling=0.0, time_mask=0.5, feature_mask=0.5, mixup=0.0
    )
    module = ctc.net_.module_
    assert module.augmentation == {"jitter": 0.3, "time_mask": 0.5, "feature_mask": 0.5}
    # The option was not ignored: the same seed trains other weights.
    assert not torch.equal(
        module.head.weight.detach().cpu(), plain.net_.module_.head.weight.detach().cpu()
    )
    x = torch.zeros(2, 8, X[0].shape[1])  # every line has at least 8 frames
    x[0] = torch.as_tensor(X[0][:8])
    x[1, :6] = torch.as_tensor(X[1][:6])  # zero-padded, as batches are
    lengths = torch.tensor([8, 6])
    module.train()
    torch.manual_seed(0)
    first = module(x, lengths)[0]
    second = module(x, lengths)[0]
    assert not torch.allclose(first, second)  # each training pass draws anew
    module.eval()
    with torch.no_grad():
        evaluated = module(x, lengths)[0]
        module.augmentation = {}
        assert torch.equal(module(x, lengths)[0], evaluated)
        # Exact on padding: the second line alone gives its frames as in the batch.
        alone = module(x[1:, :6], lengths[1:])[0]
    assert torch.allclose(alone[0], evaluated[1, :6], atol=1e-6)
    proba = ctc.predict_log_proba(X[:3])
    assert all(np.array_equal(a, b) for a, b in zip(proba, ctc.predict_log_proba(X[:3])))


def test_augmentation_parameters_are_validated(small_lines):
    X, y = small_lines
    with pytest.raises(ValueError, match=r"augmentation=Augmentation\(time_mask=1.5\)"):
        CTCTranscriber(**FAST, augmentation=Augmentation(time_mask=1.5)).fit(X, y)
    # CTC has no "auto" augmentation rule: "auto" settings are 0, mixup is refused.
    assert CTCTranscriber(**FAST, augmentation=Augmentation()).fit(X, y).augmentation_ is None
    with pytest.raises(ValueError, match="mixup .* only RNNClassifier"):
        CTCTranscriber(**FAST, augmentation=Augmentation(mixup=0.2)).fit(X, y)
