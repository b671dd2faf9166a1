"""Behaviour of RNNClassifier and RNNRegressor beyond sklearn's common checks."""

import io
import os
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor, Sequences, TrainingDivergedError
from sklearn_rnn.components import (
    Augmentation,
    ConvBranch,
    ConvFrontend,
    FrameStacking,
    TextBag,
    TokenEmbedding,
)
from sklearn_rnn.nn import hash_ngrams
from sklearn_rnn.preprocessing import SequenceTokenizer

FAST = dict(hidden_size=16, max_epochs=3, random_state=0, device="cpu")


def _time_averaged(X):
    return np.stack([x.mean(axis=0) for x in X])


# --- learning ---------------------------------------------------------------


@pytest.mark.slow
def test_default_classifier_learns_order(order_data):
    X_train, y_train, X_test, y_test = order_data
    clf = RNNClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    # ... where an order-blind model on time-averaged features is near chance.
    linear = LogisticRegression().fit(_time_averaged(X_train), y_train)
    assert linear.score(_time_averaged(X_test), y_test) <= 0.65


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        dict(cell="gru"),
        dict(cell="rnn_tanh"),
        dict(cell="rnn_relu"),
        dict(cell="lstm", bidirectional=True),
        dict(cell="lstm", pooling="mean"),
        dict(cell="gru", num_layers=2, dropout=0.1),
    ],
)
def test_each_cell_learns_order(order_data_large, params):
    X_train, y_train, X_test, y_test = order_data_large
    clf = RNNClassifier(random_state=0, **params).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


@pytest.mark.slow
def test_default_regressor_learns_order(order_regression_data):
    X_train, y_train, X_test, y_test = order_regression_data
    reg = RNNRegressor(random_state=0).fit(X_train, y_train)
    assert reg.score(X_test, y_test) >= 0.9
    linear = LinearRegression().fit(_time_averaged(X_train), y_train)
    assert linear.score(_time_averaged(X_test), y_test) <= 0.2


# --- padding is never data ----------------------------------------------------


@pytest.fixture(scope="module", params=["last", "mean", "max"])
def fitted_bidirectional(request, ragged_data):
    X, y = ragged_data
    params = dict(FAST, bidirectional=True, num_layers=2, pooling=request.param)
    return RNNClassifier(**params).fit(X, y), RNNRegressor(**params).fit(X, y.astype(float))


def test_prediction_ignores_padding_and_neighbours(fitted_bidirectional, ragged_data):
    X, _ = ragged_data
    rng = np.random.RandomState(1)
    long_ones = [rng.randn(200, 3).astype(np.float32) * 10 for _ in range(5)]
    for est in fitted_bidirectional:
        method = est.predict_proba if hasattr(est, "predict_proba") else est.predict
        together = method(X)
        alone = np.concatenate([method([x]) for x in X[:5]])
        with_long = method(X[:5] + long_ones)[:5]
        np.testing.assert_allclose(alone, together[:5], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(with_long, together[:5], rtol=1e-5, atol=1e-6)
        # Padded by the user (masked array, any padding value) equals ragged.
        width = max(len(x) for x in X)
        padded = np.ma.masked_all((len(X), width, 3), dtype=np.float32)
        for i, x in enumerate(X):
            padded[i, width - len(x) :] = x  # pre-padding
        padded.data[padded.mask] = 1e6
        np.testing.assert_allclose(method(padded), together, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_cell_none_trains_the_front_end_alone(Estimator, ragged_data):
    """cell=None: frontend="auto" becomes the conv front end even on short,
    narrow sequences (where it is otherwise off), no recurrent weights are
    built, and padding never reaches a prediction; frontend=None is refused."""
    X, y = ragged_data
    y = y if Estimator is RNNClassifier else y.astype(float)
    est = Estimator(**FAST, cell=None, bidirectional=True).fit(X, y)
    backbone = est.net_.module_.backbone
    assert backbone.frontend is not None and est.frontend_ == ConvFrontend(stride=1)
    assert not any(isinstance(m, torch.nn.RNNBase) for m in est.net_.module_.modules())
    assert not any(
        "hidden" in name or "rnn" in name for name, _ in est.net_.module_.named_parameters()
    )

    def outputs(fitted, X):
        return fitted.predict_proba(X) if hasattr(fitted, "predict_proba") else fitted.predict(X)

    together = outputs(est, X)
    alone = np.concatenate([outputs(est, [x]) for x in X[:5]])
    np.testing.assert_allclose(alone, together[:5], rtol=1e-5, atol=1e-6)
    with_recurrent = Estimator(**FAST, frontend=ConvFrontend()).fit(X, y)
    assert not np.allclose(together, outputs(with_recurrent, X))
    with pytest.raises(ValueError, match="cell=None"):
        Estimator(**FAST, cell=None, frontend=None).fit(X, y)


def test_fixed_length_forms_agree():
    rng = np.random.RandomState(0)
    X3 = rng.randn(30, 7, 1).astype(np.float32)
    X2 = X3[:, :, 0]
    y = (X3[:, 0, 0] > 0).astype(int)
    clf3 = RNNClassifier(**FAST).fit(X3, y)
    proba = clf3.predict_proba(X3)
    # Per-step features: 3-D, a list of (T, 1) arrays, a Series of 1-D arrays.
    np.testing.assert_allclose(clf3.predict_proba(list(X3)), proba, rtol=1e-6)
    np.testing.assert_allclose(clf3.predict_proba(pd.Series(list(X2))), proba, rtol=1e-6)
    # 2-D input is univariate sequences with one column per step, as in sklearn.
    clf2 = RNNClassifier(**FAST).fit(X2, y)
    assert clf2.n_features_in_ == 7 and clf3.n_features_in_ == 1
    np.testing.assert_allclose(clf2.predict_proba(X2), proba, rtol=1e-6)
    np.testing.assert_allclose(clf2.predict_proba(X2.tolist()), proba, rtol=1e-6)
    frame = pd.DataFrame(X2, columns=[f"t{i}" for i in range(7)])
    clf_df = RNNClassifier(**FAST).fit(frame, y)
    np.testing.assert_array_equal(clf_df.feature_names_in_, frame.columns)
    np.testing.assert_allclose(clf_df.predict_proba(frame), proba, rtol=1e-6)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_bucketing_auto_is_random_on_small_data_and_bucketed_on_large(
    cls, ragged_data, monkeypatch
):
    X, y = ragged_data

    def fit(**params):
        est = cls(**FAST, **params).fit(X, y)
        return est, est.predict(X)

    auto, auto_pred = fit()
    assert auto.bucketing_ is False
    # From BUCKETING_AUTO_MIN_SAMPLES training sequences, batches are bucketed,
    # which changes the batches drawn and so the training.
    monkeypatch.setattr("sklearn_rnn._auto.BUCKETING_AUTO_MIN_SAMPLES", len(X))
    large, large_pred = fit()
    assert large.bucketing_ is True
    assert not np.allclose(auto.history_[:, "train_loss"], large.history_[:, "train_loss"])
    # The rule counts the sequences fit is given, held-out ones included (as
    # early_stopping="auto" counts them).
    held_out = fit(early_stopping=True)[0]
    assert held_out.bucketing_ is True


# --- the sklearn contract -----------------------------------------------------


def test_clone_pickle_joblib_and_determinism(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    assert np.allclose(RNNClassifier(**FAST).fit(X, y).predict_proba(X), expected, rtol=0, atol=0)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_proba(X), expected)
    cloned = clone(clf)
    assert not hasattr(cloned, "net_")
    assert cloned.get_params() == clf.get_params()
    np.testing.assert_array_equal(cloned.fit(X, y).predict_proba(X), expected)
    other = RNNClassifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.allclose(other.predict_proba(X), expected)


def test_set_params_changes_the_model(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST).set_params(hidden_size=5, cell="gru")
    clf.fit(X, y)
    assert clf.net_.module_.backbone.rnn.hidden_size == 5
    assert isinstance(clf.net_.module_.backbone.rnn, torch.nn.GRU)


def test_pipeline_grid_search_and_cross_val(ragged_data):
    X, y = ragged_data
    X2d = np.array([x[:3, 0] for x in X])
    pipe = make_pipeline(FunctionTransformer(lambda a: a * 2.0), RNNClassifier(**FAST))
    search = GridSearchCV(
        pipe,
        {"rnnclassifier__hidden_size": [4, 8], "rnnclassifier__cell": ["lstm", "gru"]},
        cv=2,
        n_jobs=2,
    ).fit(X2d, y)
    assert set(search.best_params_) == {"rnnclassifier__hidden_size", "rnnclassifier__cell"}
    assert search.best_estimator_.predict(X2d).shape == (len(X2d),)
    scores = cross_val_score(RNNClassifier(**FAST), X, y, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))


class _RecordThreads(Callback):
    def on_train_begin(self, net, **kwargs):
        net.threads_seen_ = torch.get_num_threads()


def test_parallel_workers_do_not_oversubscribe_threads(ragged_data):
    """Two joblib workers (the backend of GridSearchCV(n_jobs=2)) on the
    machine's cores: each fit's torch thread count times the workers must not
    exceed the cores (forcing all cores in every worker made searches 2-7x
    slower, see benchmarks/README.md)."""
    X, y = ragged_data
    est = RNNClassifier(**FAST, callbacks=[("threads", _RecordThreads())])

    def fit_and_count(hidden_size):
        return clone(est).set_params(hidden_size=hidden_size).fit(X, y).net_.threads_seen_

    counts = Parallel(n_jobs=2)(delayed(fit_and_count)(h) for h in (4, 8))
    assert all(2 * count <= max(os.cpu_count(), 2) for count in counts), counts


# --- targets and weights ------------------------------------------------------


def test_string_and_categorical_labels(ragged_data):
    X, y = ragged_data
    labels = np.where(y == 1, "up", "down")
    clf = RNNClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["down", "up"]
    assert set(clf.predict(X)) <= {"down", "up"}
    cat = pd.Series(labels, dtype="category")
    clf_cat = RNNClassifier(**FAST).fit(X, cat)
    np.testing.assert_array_equal(clf_cat.predict_proba(X), clf.predict_proba(X))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-5)


def test_class_weight_and_sample_weight_change_training(ragged_data):
    X, y = ragged_data
    base = RNNClassifier(**FAST).fit(X, y).predict_proba(X)
    balanced = RNNClassifier(**FAST, class_weight={0: 1.0, 1: 5.0}).fit(X, y).predict_proba(X)
    # Up-weighting class 1 raises its predicted probability on average.
    assert balanced[:, 1].mean() > base[:, 1].mean()
    ones = RNNClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    np.testing.assert_array_equal(ones, base)
    weighted = RNNClassifier(**FAST).fit(X, y, sample_weight=np.where(y == 1, 5.0, 1.0))
    np.testing.assert_allclose(weighted.predict_proba(X), balanced, rtol=1e-5, atol=1e-6)


def test_regressor_multi_output_losses_and_scale(ragged_data):
    X, _ = ragged_data
    y = np.stack([[x[-1, 0] * 1000.0 + 5000.0, x[0, 1]] for x in X])
    for loss in ("mse", "mae", "huber"):
        reg = RNNRegressor(**{**FAST, "max_epochs": 20}, loss=loss).fit(X, y)
        pred = reg.predict(X)
        assert pred.shape == y.shape
        # Standardised internally: predictions live on the targets' scale.
        assert abs(pred[:, 0].mean() - y[:, 0].mean()) < y[:, 0].std()
    np.testing.assert_allclose(reg.y_mean_, y.astype(np.float64).mean(axis=0))
    assert reg.n_outputs_ == 2
    assert RNNRegressor(**FAST).fit(X, y[:, 0]).predict(X).shape == (len(X),)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd", torch.optim.AdamW])
def test_optimizers(ragged_data, optimizer):
    X, y = ragged_data
    clf = RNNClassifier(**FAST, optimizer=optimizer, weight_decay=1e-4).fit(X, y)
    expected = (
        torch.optim.AdamW
        if optimizer is torch.optim.AdamW
        else {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}[
            optimizer
        ]
    )
    assert type(clf.net_.optimizer_) is expected
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 1e-4
    if optimizer == "sgd":
        assert clf.net_.optimizer_.param_groups[0]["momentum"] == 0.9


# --- training control ---------------------------------------------------------


def test_early_stopping_restores_best_weights(order_data):
    X, y, _, _ = order_data
    clf = RNNClassifier(
        **{**FAST, "max_epochs": 40}, early_stopping=True, n_iter_no_change=2, lr=0.05
    ).fit(X, y)
    valid = [row["valid_loss"] for row in clf.history_]
    assert len(valid) < 40  # stopped early
    best = int(np.argmin(valid))
    assert len(valid) - 1 - best == 2  # patience counted from the best epoch
    # The restored weights are the best epoch's: recomputing the validation
    # loss would need the split, so check that training did not end on the best.
    assert valid[-1] > valid[best]


def test_early_stopping_auto_depends_on_size(ragged_data):
    X, y = ragged_data
    assert "valid_loss" not in RNNClassifier(**FAST).fit(X, y).history_[-1]
    clf = RNNClassifier(**FAST, early_stopping=True, validation_fraction=0.25).fit(X, y)
    assert clf.history_[-1]["valid_loss"] > 0


class _EpochWeights(Callback):
    """Keeps a copy of the module's weights at the end of every epoch."""

    def initialize(self):
        self.weights = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})


def test_regressor_auto_selects_the_best_epoch_of_the_whole_budget_on_small_data():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 10), 2).astype(np.float32) for _ in range(60)]
    y = rng.randn(60)  # pure noise: the validation loss rises as training fits it
    recorder = _EpochWeights()
    settings = {**FAST, "max_epochs": 12, "lr": 0.03, "callbacks": [("weights", recorder)]}
    reg = RNNRegressor(**settings).fit(X, y)
    valid = [row["valid_loss"] for row in reg.history_]
    # Every epoch ran (no stopping at a plateau), on 90 % of the data ...
    assert reg.n_epochs_ == 12 and len(valid) == 12
    assert sum(n for n in reg.history_[-1, "batches", :, "train_batch_size"]) == 54
    best = int(np.argmin(valid))
    assert best < 11  # ... and the last epoch is not the best one here
    final = reg.net_.module_.state_dict()
    assert all(torch.equal(final[k], recorder.weights[best][k]) for k in final)
    # The same data with early stopping on stops at the plateau instead.
    stopped = RNNRegressor(
        **{**settings, "callbacks": None}, early_stopping=True, n_iter_no_change=1
    )
    assert stopped.fit(X, y).n_epochs_ < 12
    # Below 50 samples, and for classifiers, "auto" trains on all the data.
    assert "valid_loss" not in RNNRegressor(**FAST).fit(X[:49], y[:49]).history_[-1]
    labels = (y > 0).astype(int)
    assert "valid_loss" not in RNNClassifier(**FAST).fit(X, labels).history_[-1]


def test_max_epochs_auto_counts_optimizer_steps_and_doubles_them_with_mixup():
    from sklearn_rnn._auto import auto_max_epochs

    # About 1,000 steps within 20-300 epochs: 50 samples in batches of 32 are
    # 2 steps an epoch (capped at 300); 600 samples 19 (53 epochs); 8,000: 20.
    assert [auto_max_epochs(n, 32) for n in (50, 600, 8000)] == [300, 53, 20]
    # With mixup, 2,000 steps within 20-600 epochs.
    assert [auto_max_epochs(n, 32, mixup=True) for n in (50, 600, 8000)] == [600, 106, 20]
    assert auto_max_epochs(200, 32, mixup=True) == 286  # 7 steps an epoch
    # The estimator counts the training batches it draws, with the mixup it uses.
    rng = np.random.RandomState(0)
    equal = [rng.randn(3, 1).astype(np.float32) for _ in range(8)]
    y = np.arange(8) % 2
    tiny = {"hidden_size": 4, "random_state": 0, "batch_size": 8}
    assert (
        RNNClassifier(**tiny, augmentation=Augmentation(mixup=0.0)).fit(equal, y).max_epochs_ == 300
    )
    mixed = RNNClassifier(**tiny).fit(equal, y)  # "auto": 0.2 on 8 of one length
    assert mixed.augmentation_.mixup == 0.2 and mixed.max_epochs_ == mixed.n_epochs_ == 600
    tokens = [rng.randint(2, 9, size=3) for _ in range(8)]  # never mixed
    assert (
        RNNClassifier(**tiny, augmentation=Augmentation(mixup=0.2)).fit(tokens, y).max_epochs_
        == 300
    )


def test_augmentation_auto_is_a_rule_on_the_number_of_numeric_sequences():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 8), 2).astype(np.float32) for _ in range(100)]
    y = np.arange(100) % 2
    settings = {**FAST, "max_epochs": 1}
    small = RNNClassifier(**settings).fit(X[:99], y[:99])
    # Ragged: noise and scaling, no mixup (a ragged pair would mix signal with padding).
    assert small.augmentation_ == Augmentation(jitter=0.1, scaling=0.2, time_mask=0.0, mixup=0.0)
    # What training applies.
    assert small.net_.module_.augmentation == {"jitter": 0.1, "scaling": 0.2}
    assert small.net_.mixup == 0.0
    # One length: mixup too, which the net applies (the module perturbs).
    equal = [rng.randn(6, 2).astype(np.float32) for _ in range(99)]
    mixed = RNNClassifier(**settings).fit(equal, y[:99])
    assert mixed.augmentation_ == Augmentation(jitter=0.1, scaling=0.2, time_mask=0.0, mixup=0.2)
    assert mixed.net_.module_.augmentation == {"jitter": 0.1, "scaling": 0.2}
    assert mixed.net_.mixup == 0.2
    assert RNNClassifier(**settings).fit(equal + equal[:1], y).augmentation_ is None
    assert RNNClassifier(**settings).fit(X, y).augmentation_ is None
    tokens = [rng.randint(2, 9, size=5) for _ in range(20)]
    assert RNNClassifier(**settings).fit(tokens, y[:20]).augmentation_ is None
    assert RNNRegressor(**settings).fit(X[:60], rng.randn(60)).augmentation_ is None
    chosen = RNNClassifier(**settings, augmentation=Augmentation(jitter=0.3, time_mask=0.2)).fit(
        X, y
    )
    assert chosen.augmentation_ == Augmentation(jitter=0.3, scaling=0.0, time_mask=0.2, mixup=0.0)
    for none in (Augmentation(jitter=0.0, scaling=0.0, mixup=0.0), None):
        unaugmented = RNNClassifier(**settings, augmentation=none).fit(X[:50], y[:50])
        assert unaugmented.augmentation_ is None
        assert unaugmented.net_.module_.augmentation == {} and unaugmented.net_.mixup == 0.0
    with pytest.raises(ValueError, match=r"augmentation=Augmentation\(time_mask=1.5\).*time_mask"):
        RNNClassifier(**settings, augmentation=Augmentation(time_mask=1.5)).fit(X, y)
    # Mixup mixes labels: a regressor refuses it.
    with pytest.raises(ValueError, match="mixup .* only RNNClassifier"):
        RNNRegressor(**settings, augmentation=Augmentation(mixup=0.2)).fit(X[:60], rng.randn(60))
    # partial_fit's first batch is small whatever the data: "auto" is none there.
    streamed = RNNClassifier(**settings).partial_fit(X[:32], y[:32], classes=[0, 1])
    assert streamed.augmentation_ is None and streamed.net_.module_.augmentation == {}
    assert streamed.net_.mixup == 0.0


def test_mixup_trains_on_mixed_batches_with_both_labels_in_the_loss():
    from sklearn_rnn.nn import mixup_batch

    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 8), 2).astype(np.float32) for _ in range(40)]
    y = np.arange(40) % 3
    plain = {**FAST, "max_epochs": 1}
    mix = Augmentation(jitter=0.0, scaling=0.0, mixup=0.4)
    clf = RNNClassifier(**plain, augmentation=mix).fit(X, y)
    assert clf.augmentation_ == Augmentation(jitter=0.0, scaling=0.0, time_mask=0.0, mixup=0.4)
    assert clf.net_.mixup == 0.4
    # One training step: the loss of the mixed batch against both labels.
    net = clf.net_
    lengths = torch.tensor([len(x) for x in X[:8]])
    x = torch.zeros(8, int(lengths.max()), 2)
    for i, seq in enumerate(X[:8]):
        x[i, : len(seq)] = torch.as_tensor(seq)
    targets = torch.as_tensor(y[:8])
    torch.manual_seed(0)
    loss = net.train_step_single(({"x": x, "lengths": lengths}, targets))["loss"]
    torch.manual_seed(0)
    mixed, mixed_lengths, partner, lam = mixup_batch(x, lengths, 0.4)
    logits = net.infer({"x": mixed, "lengths": mixed_lengths})
    criterion = torch.nn.CrossEntropyLoss()
    expected = lam * criterion(logits, targets) + (1 - lam) * criterion(logits, targets[partner])
    assert lam < 1 and not torch.equal(targets, targets[partner])
    torch.testing.assert_close(loss, expected)
    # Same seed, same model; ignored for tokens (nothing to mix but ids).
    again = RNNClassifier(**plain, augmentation=mix).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    tokens = [rng.randint(2, 9, size=5) for _ in range(20)]
    with_mixup = RNNClassifier(**plain, augmentation=mix).fit(tokens, y[:20])
    assert with_mixup.augmentation_ is None
    without = RNNClassifier(**plain).fit(tokens, y[:20])
    np.testing.assert_array_equal(with_mixup.predict_proba(tokens), without.predict_proba(tokens))
    with pytest.raises(ValueError, match="augmentation=.*mixup"):
        RNNClassifier(**plain, augmentation=Augmentation(mixup=-1.0)).fit(X, y)


def test_partial_fit_and_warm_start(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**FAST)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1])
    assert clf.n_epochs_ == 1
    clf.partial_fit(X[20:], y[20:])
    assert clf.n_epochs_ == 2
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X[:5], np.full(5, 7))
    warm = RNNClassifier(**FAST, warm_start=True).fit(X, y)
    weights = [p.detach().clone() for p in warm.net_.module_.parameters()]
    warm.fit(X, y)
    assert warm.n_epochs_ == 2 * FAST["max_epochs"]
    assert any(not torch.equal(a, b) for a, b in zip(weights, warm.net_.module_.parameters()))


def test_verbose_prints_progress_and_epochs(ragged_data, capsys):
    X, y = ragged_data
    RNNClassifier(**FAST, verbose=1).fit(X, y)
    out = capsys.readouterr()
    # The epoch table on stdout: a header, a rule, one line per epoch.
    table = [line for line in out.out.splitlines() if line.strip()]
    assert "train_loss" in table[0] and len(table) == 2 + FAST["max_epochs"]
    # One progress bar over the epochs (not one per batch) on stderr.
    assert f"{FAST['max_epochs']}/{FAST['max_epochs']}" in out.err and "epoch" in out.err
    assert "batch" not in out.err
    RNNClassifier(**FAST, verbose=0).fit(X, y)
    assert capsys.readouterr() == ("", "")


def test_repr_shows_only_changed_parameters_and_html_works():
    assert (
        repr(RNNClassifier(hidden_size=8, cell="gru")) == "RNNClassifier(cell='gru', hidden_size=8)"
    )
    assert "RNNRegressor" in RNNRegressor(hidden_size=8)._repr_html_()


def test_user_callbacks_run(ragged_data):
    X, y = ragged_data
    seen = []

    class Record(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(len(net.history))

    RNNClassifier(**FAST, callbacks=[("record", Record())]).fit(X, y)
    assert seen == [1, 2, 3]


def test_diverging_training_stops_with_clear_error(ragged_data):
    X, y = ragged_data
    X_bad = [x * 1e10 for x in X]
    with pytest.raises(TrainingDivergedError, match="lower learning rate.*clip_grad_norm"):
        RNNRegressor(**FAST, cell="rnn_relu", lr=1e6, clip_grad_norm=None).fit(X_bad, y * 1e10)


def test_token_input_uses_embedding(ragged_data):
    rng = np.random.RandomState(0)
    X = [rng.randint(2, 20, size=rng.randint(3, 9)) for _ in range(40)]
    y = np.array([int(5 in x) for x in X])
    clf = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8)).fit(X, y)
    assert clf.vocab_size_ == max(int(x.max()) for x in X) + 1
    assert clf.net_.module_.backbone.embedding.embedding_dim == 8
    # Unseen ids at predict are read as out-of-vocabulary, not an index error.
    assert clf.predict([np.array([3, 500, 7])]).shape == (1,)
    with pytest.raises(ValueError, match="fitted on integer token sequences"):
        clf.predict([np.array([0.5, 1.5]), np.array([0.5])])


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "X, match",
    [
        (
            [np.ones((3, 2)), np.array([[1.0, np.nan], [0, 0]])],
            r"NaN, infinity or a value too large for float\d+ \(sample 1",
        ),
        (
            [np.ones((3, 2)), np.array([[1.0, np.inf]])],
            r"NaN, infinity or a value too large for float\d+ \(sample 1",
        ),
        ([], "0 sample"),
        ([np.ones((3, 2)), np.ones((0, 2))], "Sample 1 has length 0"),
        ([np.ones((3, 2)), np.ones((3, 4))], "Sample 1 has 4 features"),
        (np.ones((2, 3, 4, 5)), "4 dimensions"),
        (["some text", "more"], "Sample 0 is a string"),
    ],
)
def test_bad_X_is_a_clear_value_error(X, match):
    y = [0, 1] if len(X) else []
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**FAST).fit(X, y)


def test_bad_targets(ragged_data):
    X, y = ragged_data
    with pytest.raises(ValueError, match="Unknown label type"):
        RNNClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="single class"):
        RNNClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="X has 40 samples but y has 39"):
        RNNRegressor(**FAST).fit(X, y[:-1])


def test_feature_count_change_and_not_fitted(ragged_data):
    X, y = ragged_data
    with pytest.raises(NotFittedError):
        RNNClassifier().predict(X)
    with pytest.raises(NotFittedError):
        RNNRegressor().predict(X)
    clf = RNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but RNNClassifier is expecting 3"):
        clf.predict([np.ones((4, 5))])


def test_invalid_parameters_are_named():
    X = [np.ones((3, 1))] * 4
    with pytest.raises(ValueError, match="'cell' parameter"):
        RNNClassifier(cell="transformer").fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="'hidden_size' parameter"):
        RNNRegressor(hidden_size=0).fit(X, [0.0, 1.0, 0.0, 1.0])


# --- GPU ----------------------------------------------------------------------

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")


@pytest.mark.gpu
@cuda
def test_cuda_matches_cpu(ragged_data):
    X, y = ragged_data
    clf = RNNClassifier(**{**FAST, "device": "cuda"}).fit(X, y)
    assert next(clf.net_.module_.parameters()).is_cuda
    proba_gpu = clf.predict_proba(X)
    clf.net_.module_.to("cpu")
    clf.net_.device = "cpu"
    np.testing.assert_allclose(clf.predict_proba(X), proba_gpu, rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
@cuda
def test_cuda_regressor_learns(order_regression_data):
    X_train, y_train, X_test, y_test = order_regression_data
    reg = RNNRegressor(random_state=0, device="cuda").fit(X_train, y_train)
    assert reg.score(X_test, y_test) >= 0.9


@pytest.mark.gpu
@cuda
def test_the_same_fit_on_cuda_and_cpu_scores_alike(order_regression_data):
    """Training is not bit-identical across devices (cuDNN sums in another
    order); the documented tolerance is on the score (docs: Estimators,
    "Numbers: dtypes, magnitudes and devices")."""
    X_train, y_train, X_test, y_test = order_regression_data
    scores = [
        RNNRegressor(random_state=0, device=device).fit(X_train, y_train).score(X_test, y_test)
        for device in ("cpu", "cuda")
    ]
    assert abs(scores[0] - scores[1]) <= 0.05, scores


@pytest.mark.gpu
@cuda
def test_the_small_data_recipe_trains_on_cuda():
    """Fewer than 100 sequences of one length get the whole small-data recipe
    (jitter, scaling and mixup, and the front end's masked batch norm), whose
    random draws and masks must all follow the batch to the GPU."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 48, 2)).astype(np.float32)
    y = (X[:, :12, 0].mean(axis=1) > 0).astype(int)  # the class is in the first quarter
    clf = RNNClassifier(random_state=0, device="cuda").fit(X, y)
    assert clf.augmentation_ == Augmentation(jitter=0.1, scaling=0.2, time_mask=0.0, mixup=0.2)
    assert next(clf.net_.module_.parameters()).is_cuda
    assert clf.score(X, y) >= 0.9
    # PyTorch's default runs cuDNN's float32 convolutions in TF32 (7.7e-5 off
    # the CPU on an H100); without TF32 the front end agrees to float32 (8e-7).
    proba_tf32 = clf.predict_proba(X)
    tf32 = torch.backends.cudnn.allow_tf32
    try:
        torch.backends.cudnn.allow_tf32 = False
        proba_gpu = clf.predict_proba(X)
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    clf.net_.module_.to("cpu")
    clf.net_.device = "cpu"
    proba_cpu = clf.predict_proba(X)
    np.testing.assert_allclose(proba_cpu, proba_gpu, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(proba_cpu, proba_tf32, atol=1e-3)
    np.testing.assert_array_equal(proba_cpu.argmax(axis=1), proba_tf32.argmax(axis=1))


def test_cuda_requested_without_cuda_is_clear(ragged_data):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available: the error cannot be provoked")
    X, y = ragged_data
    with pytest.raises(ValueError, match="CUDA is not available"):
        RNNClassifier(**{**FAST, "device": "cuda"}).fit(X, y)


def test_token_input_with_subsample_ignores_padding():
    rng = np.random.RandomState(0)
    X = [rng.randint(2, 20, size=rng.randint(3, 15)) for _ in range(40)]
    y = np.array([int(x[-1] % 2) for x in X])
    clf = RNNClassifier(**FAST, frontend=FrameStacking(factor=2)).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.concatenate([clf.predict_proba([x]) for x in X])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_bag_auto_reads_the_vocabulary_against_the_number_of_sequences(cls):
    rng = np.random.RandomState(0)
    y = np.arange(40) % 2
    # 40 sequences over 18 distinct tokens: the recurrent layers alone.
    few_words = [rng.randint(2, 20, size=rng.randint(3, 9)) for _ in range(40)]
    # 40 sequences over about 200 distinct tokens: the bag alone.
    many_words = [rng.randint(2, 400, size=rng.randint(3, 9)) for _ in range(40)]
    floats = [rng.randn(rng.randint(3, 9), 2) for _ in range(40)]
    # Median 31 tokens, one more than sentences get bigrams at.
    long_words = [rng.randint(2, 400, size=31 + i % 2) for i in range(40)]
    # A classifier's bag adds the naive-Bayes path, with bigrams for sequences of at
    # most AUTO_NB_BIGRAM_MAX_LENGTH tokens (median); a regressor has no classes.
    nb = cls is RNNClassifier
    cases = [
        (few_words, None, 1),
        (many_words, "only", 2),
        (long_words, "only", 1),
        (floats, None, 1),
    ]
    for X, expected, nb_ngrams in cases:
        est = cls(**FAST).fit(X, y)
        bag = TextBag(mode=expected, nb=nb, nb_ngrams=nb_ngrams if nb else 1)
        assert est.bag_ == (None if expected is None else bag)
        assert (est.net_.module_.bag is None) == (expected is None)
        if expected is not None:
            assert (est.net_.module_.ngram_bag.nb_weight is not None) == nb
            assert est.net_.module_.ngram_bag.nb_ngrams == (nb_ngrams if nb else 1)
        # embedding=None: the sentence bag narrows the word vectors to 16.
        dim = 16 if nb and nb_ngrams == 2 else 64
        if isinstance(X[0][0], (int, np.integer)):
            assert est.embedding_ == TokenEmbedding(dim=dim)
            assert est.net_.module_.backbone.embedding.weight.shape[1] == dim
        else:
            assert est.embedding_ is None
    # Set by the user, the same bag or embedding keeps TokenEmbedding()'s size.
    sentence_bag = TextBag(nb=True, nb_ngrams=2) if nb else TextBag()
    for params in [{"bag": sentence_bag}, {"embedding": TokenEmbedding()}]:
        est = cls(**FAST, **params).fit(many_words, y)
        assert est.embedding_ == TokenEmbedding()
        assert est.net_.module_.backbone.embedding.weight.shape[1] == 64
    # The bag's mean is order-blind: a permuted sequence predicts the same.
    est = cls(**FAST, bag=TextBag()).fit(many_words, y)
    np.testing.assert_allclose(
        est.predict(many_words[:5]), est.predict([x[::-1] for x in many_words[:5]])
    )


def test_bag_nb_weighs_words_by_their_naive_bayes_ratios():
    """TextBag(nb=True) fills the bag's ratios at fit with the naive-Bayes
    log-count ratios of the training labels, one class against the rest,
    over the sequences each token occurs in; regressors refuse it."""
    rng = np.random.RandomState(0)
    X = [rng.randint(2, 30, size=rng.randint(3, 9)) for _ in range(60)]
    y = np.array(["a", "b", "c"])[np.arange(60) % 3]
    clf = RNNClassifier(**FAST, bag=TextBag(nb=True, nb_ngrams=2, nb_buckets=64)).fit(X, y)
    ratio = clf.net_.module_.ngram_bag.nb_ratio.numpy()
    # The words' rows, then the 64 buckets of the bigrams (nb_ngrams=2).
    assert ratio.shape == (clf.vocab_size_ + 64, 3)
    present = np.zeros((60, clf.vocab_size_ + 64))
    for row, x in enumerate(X):
        present[row, x] = 1.0
        bigrams = hash_ngrams(torch.as_tensor(x).view(1, -1), 2, 64).ravel().numpy()
        present[row, clf.vocab_size_ + bigrams] = 1.0
    for k, label in enumerate(clf.classes_):
        p = 1.0 + present[y == label].sum(0)
        q = 1.0 + present[y != label].sum(0)
        p[0] = q[0] = 1.0  # padding never counts
        np.testing.assert_allclose(
            ratio[:, k], np.log(p / p.sum()) - np.log(q / q.sum()), rtol=1e-5
        )
    # Same random_state, same model (the gathered rows' gradients are summed
    # in a fixed order).
    again = RNNClassifier(**FAST, bag=TextBag(nb=True, nb_ngrams=2, nb_buckets=64)).fit(X, y)
    before = clf.predict_proba(X)
    assert np.array_equal(again.predict_proba(X), before)
    # The path is read: other ratios give other predictions.
    with torch.no_grad():
        clf.net_.module_.ngram_bag.nb_ratio.mul_(-1.0)
    assert not np.allclose(clf.predict_proba(X), before)
    with pytest.raises(ValueError, match="nb=True .* only RNNClassifier"):
        RNNRegressor(**FAST, bag=TextBag(nb=True)).fit(X, np.arange(60.0))


def _review_words(n, seed):
    """Short texts whose class is in the stems of their words: each positive
    or negative stem comes with one of several endings."""
    rng = np.random.RandomState(seed)
    stems = (["lovel", "superb", "delight"], ["awful", "horrid", "dread"])
    endings = ["", "y", "ly", "s"]
    y = np.arange(n) % 2
    X = [
        " ".join(
            [rng.choice(stems[1 - label]) + rng.choice(endings) for _ in range(2)]
            + [rng.choice(["film", "book", "meal"])]
        )
        for label in y
    ]
    return X, y


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_bag_reads_the_character_ngrams_of_the_words(cls, tmp_path):
    """SequenceTokenizer(subwords=...) gives the bag each word's character
    n-grams: their rows join the mean (and, with nb=True, the NB path), so
    that a word never seen in fit is read through its spelling. Old
    behaviour: TextBag(subwords=None), or a tokenizer without subwords."""
    X, y = _review_words(120, 0)
    y = y if cls is RNNClassifier else y.astype(float)
    bag = TextBag(nb=True, subwords="both") if cls is RNNClassifier else TextBag()
    settings = dict(FAST, bag=bag)
    pipe = make_pipeline(SequenceTokenizer(subwords=(3, 5)), cls(**settings)).fit(X, y)
    est, tokens = pipe[-1], pipe[0].transform(X)
    n_grams = len(pipe[0].subword_vocabulary_)
    assert est.net_.module_.ngram_bag.subword_embedding.num_embeddings == n_grams + 1
    if cls is RNNClassifier:
        assert est.net_.module_.ngram_bag.nb_ratio.shape == (est.vocab_size_ + n_grams + 1, 2)
    # TextBag(subwords=None) is the bag of words alone, as a tokenizer
    # without subwords gives it, bit for bit.
    words = cls(**dict(settings, bag=clone(bag).set_params(subwords=None))).fit(tokens, y)
    plain = make_pipeline(SequenceTokenizer(subwords=None), cls(**settings)).fit(X, y)
    assert np.array_equal(words.predict(tokens), plain.predict(X))
    # Unseen words: only their spelling (their n-grams) tells them apart.
    new = ["lovelish film", "awfulest film", "superbish film", "horridest film"]
    new_tokens = pipe[0].transform(new)
    assert set(np.concatenate(new_tokens.to_list()).tolist()) <= {1, pipe[0].vocabulary_["film"]}
    assert len(set(plain.predict(new).tolist())) == 1
    if cls is RNNClassifier:
        assert pipe.predict(new).tolist() == [1, 0, 1, 0]
    else:
        assert len(set(np.round(pipe.predict(new), 6).tolist())) == 4
    # Same random_state, same model; alone or in a batch, the same output.
    again = make_pipeline(SequenceTokenizer(subwords=(3, 5)), cls(**settings)).fit(X, y)
    out = est.predict_proba(tokens) if cls is RNNClassifier else est.predict(tokens)
    assert np.array_equal(
        again[-1].predict_proba(tokens) if cls is RNNClassifier else again[-1].predict(tokens),
        out,
    )
    alone = np.concatenate(
        [
            est.predict_proba(tokens[i : i + 1])
            if cls is RNNClassifier
            else est.predict(tokens[i : i + 1])
            for i in range(8)
        ]
    )
    np.testing.assert_allclose(alone, out[:8], rtol=1e-5, atol=1e-6)
    # Saved, loaded, pickled: the same predictions.
    est.save(tmp_path / "subwords.safetensors")
    for copy in (
        sklearn_rnn.load(tmp_path / "subwords.safetensors"),
        pickle.loads(pickle.dumps(est)),
    ):
        assert np.array_equal(copy.predict(tokens), est.predict(tokens))
    # N-gram ids never seen in fit are left out; a model fitted with n-grams needs them.
    unseen = Sequences(
        tokens.data,
        tokens.offsets,
        subwords=Sequences(tokens.subwords.data + n_grams + 1, tokens.subwords.offsets),
    )
    no_grams = Sequences(
        tokens.data,
        tokens.offsets,
        subwords=Sequences(np.zeros(0, np.int64), np.zeros(len(tokens) + 1, np.int64)),
    )
    assert np.array_equal(est.predict(unseen), est.predict(no_grams))
    with pytest.raises(ValueError, match="fitted on token sequences with the character n-grams"):
        est.predict(tokens.without_subwords())


def test_bag_subwords_nb_needs_the_nb_path():
    X = SequenceTokenizer(subwords=(3, 5)).fit_transform(["good film", "bad film"])
    with pytest.raises(ValueError, match=r"bag=TextBag\(subwords='nb'\).*needs nb=True"):
        RNNClassifier(**FAST, bag=TextBag(subwords="nb")).fit(X, [0, 1])


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_conv_branch_joins_the_head_for_numbers_and_is_refused_for_tokens(cls, tmp_path):
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 12), 2) for _ in range(40)]
    y = np.arange(40) % 2
    plain = cls(**FAST, bag=None).fit(X, y)
    branch = ConvBranch(channels=4, levels=True)
    est = cls(**FAST, bag=branch).fit(X, y)
    assert est.bag_ == branch and est.bag_ is not branch
    module = est.net_.module_
    assert module.branch is not None and module.branch.levels
    assert [conv.out_channels for conv in module.branch.convs] == [4, 8, 4]
    assert module.head.in_features == plain.net_.module_.head.in_features + 4 + 2 * 2
    assert not np.allclose(est.predict(X[:8]), plain.predict(X[:8]))
    # Each sequence predicts the same alone as in a batch (padding never leaks).
    together = est.predict(X[:8])
    alone = np.concatenate([est.predict([x]) for x in X[:8]])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)
    est.save(tmp_path / "branch.safetensors")
    loaded = sklearn_rnn.load(tmp_path / "branch.safetensors")
    np.testing.assert_array_equal(loaded.predict(X[:8]), together)
    assert loaded.get_params()["bag"] == branch
    tokens = [rng.randint(2, 20, size=5) for _ in range(40)]
    with pytest.raises(ValueError, match="bag=ConvBranch.*numeric sequences"):
        cls(**FAST, bag=ConvBranch()).fit(tokens, y)
    with pytest.raises(ValueError, match="bag=ConvBranch"):
        cls(**FAST, bag=ConvBranch(channels=0)).fit(X, y)


def test_embedding_weights_load_pretrained_rows_and_freeze_keeps_them():
    rng = np.random.RandomState(0)
    X = [rng.randint(2, 20, size=rng.randint(3, 9)) for _ in range(40)]
    y = np.arange(40) % 2
    vectors = rng.randn(25, 8).astype(np.float32)  # more rows than the data use
    frozen = RNNClassifier(
        **FAST, embedding=TokenEmbedding(dim=8, weights=vectors, freeze=True)
    ).fit(X, y)
    assert frozen.vocab_size_ == 25
    weight = frozen.net_.module_.backbone.embedding.weight
    np.testing.assert_array_equal(weight.detach().numpy(), vectors)
    assert not weight.requires_grad
    trained = RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8, weights=vectors)).fit(X, y)
    moved = trained.net_.module_.backbone.embedding.weight.detach().numpy()
    # Trained from the vectors: the rows of ids never seen stay near them (weight decay only).
    assert not np.array_equal(moved, vectors)
    np.testing.assert_allclose(moved[20:], vectors[20:], rtol=0.05)
    with pytest.raises(ValueError, match=r"shape \(vocabulary size, dim=64\)"):
        RNNClassifier(**FAST, embedding=TokenEmbedding(weights=vectors)).fit(X, y)
    with pytest.raises(ValueError, match="have 10 rows, but the largest token id in X is 19"):
        RNNClassifier(**FAST, embedding=TokenEmbedding(dim=8, weights=vectors[:10])).fit(X, y)
    with pytest.raises(ValueError, match="X holds float sequences"):
        RNNRegressor(**FAST, embedding=TokenEmbedding(dim=8, weights=vectors)).fit(
            [rng.randn(4, 2) for _ in range(8)], np.arange(8.0)
        )
