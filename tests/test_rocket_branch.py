"""RocketBranch: MiniRocket's fixed features beside the recurrent layers,
computed once per fit and carried in the batches."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.components import Augmentation, RocketBranch
from sklearn_rnn.nn import MiniRocketBranch, mixup_batch

FAST = dict(hidden_size=8, max_epochs=3, random_state=0, device="cpu")
SMALL = RocketBranch(n_features=84 * 3)


def _data(n=40, seed=0):
    """Variable-length series whose class is their trend's sign."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    X = [
        (rng.randn(rng.randint(9, 30), 2) + (2 * label - 1) * 0.3).cumsum(0).astype(np.float32)
        for label in y
    ]
    return X, y


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_rocket_branch_joins_the_head_and_predicts_the_same_alone(cls, tmp_path):
    X, y = _data()
    plain = cls(**FAST, bag=None).fit(X, y)
    est = cls(**FAST, bag=SMALL).fit(X, y)
    assert est.bag_ == SMALL and est.bag_ is not SMALL
    branch = est.net_.module_.branch
    assert isinstance(branch, MiniRocketBranch)
    assert branch.reference_length == max(len(x) for x in X)
    assert est._module_init["branch"]["seed"] == est._seed
    assert est.net_.module_.head.in_features == plain.net_.module_.head.in_features + 84 * 3
    # The biases and the scaling were fitted on the training sequences.
    assert (branch.biases != 0).all() and (branch.std != 1).any()
    together = est.predict(X[:10])
    assert not np.allclose(together, plain.predict(X[:10]))
    alone = np.concatenate([est.predict([x]) for x in X[:10]])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)
    # Same random_state, same model; another one draws other kernels' subsets.
    np.testing.assert_array_equal(cls(**FAST, bag=SMALL).fit(X, y).predict(X), est.predict(X))
    other = cls(**{**FAST, "random_state": 1}, bag=SMALL).fit(X, y)
    assert not torch.equal(other.net_.module_.branch.biases, branch.biases)
    # Saved, pickled and cloned.
    est.save(tmp_path / "rocket.safetensors")
    loaded = sklearn_rnn.load(tmp_path / "rocket.safetensors")
    np.testing.assert_array_equal(loaded.predict(X[:10]), together)
    assert loaded.get_params()["bag"] == SMALL
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X[:10]), together)
    assert clone(est).get_params()["bag"] == SMALL
    with pytest.raises(ValueError, match="bag=RocketBranch.*numeric sequences"):
        cls(**FAST, bag=SMALL).fit([np.arange(2, 9)] * 40, y)
    with pytest.raises(ValueError, match="bag=RocketBranch.*n_features"):
        cls(**FAST, bag=RocketBranch(n_features=83)).fit(X, y)
    with pytest.raises(ValueError, match="bag=RocketBranch.*max_dilations"):
        cls(**FAST, bag=RocketBranch(max_dilations=0)).fit(X, y)


def test_rocket_features_are_computed_once_per_fit_not_per_step(monkeypatch):
    """Training reads the features from the batches: the branch computes
    them for the training and validation sequences once (early stopping on),
    and the training steps give the head exactly those features."""
    X, y = _data(60)
    calls = []
    transform = MiniRocketBranch.transform

    def counting(self, x, lengths, **kwargs):
        calls.append(len(x))
        return transform(self, x, lengths, **kwargs)

    monkeypatch.setattr(MiniRocketBranch, "transform", counting)
    seen = []

    def forward(module, x, lengths, branch_features=None):
        seen.append(None if branch_features is None else branch_features.clone())
        return original(module, x, lengths, branch_features)

    from sklearn_rnn.nn import RNNSequenceModel

    original = RNNSequenceModel.forward
    monkeypatch.setattr(RNNSequenceModel, "forward", forward)
    est = RNNRegressor(**{**FAST, "max_epochs": 4}, bag=SMALL, early_stopping=True).fit(X, y)
    assert sum(calls) == 60  # every sequence once: 54 training, 6 validation
    assert len(seen) >= 4 * 2 and all(features is not None for features in seen)
    # Features that are the branch's own, standardised.
    branch = est.net_.module_.branch
    features = torch.cat(seen[:1])
    assert features.shape[1] == branch.output_size
    assert features.abs().max() < 50 and features.std() > 0.5


def test_partial_fit_keeps_the_fitted_branch_and_warm_start_continues():
    X, y = _data(40)
    est = RNNClassifier(**FAST, bag=SMALL)
    est.partial_fit(X[:20], y[:20], classes=[0, 1])
    biases = est.net_.module_.branch.biases.clone()
    est.partial_fit(X[20:], y[20:])
    assert torch.equal(est.net_.module_.branch.biases, biases)
    assert est.n_epochs_ == 2
    warm = RNNClassifier(**FAST, bag=SMALL, warm_start=True).fit(X, y)
    mean = warm.net_.module_.branch.mean.clone()
    warm.fit(X[:20], y[:20])
    assert torch.equal(warm.net_.module_.branch.mean, mean)
    assert warm.n_epochs_ == 2 * FAST["max_epochs"]


def test_mixup_mixes_the_rocket_features_with_the_same_partner_and_weight():
    X, y = _data(40)
    mix = Augmentation(jitter=0.0, scaling=0.0, mixup=0.4)
    clf = RNNClassifier(**{**FAST, "max_epochs": 1}, bag=SMALL, augmentation=mix).fit(X, y)
    net = clf.net_
    dataset = clf._dataset(clf._validate_X(X, reset=False), np.asarray(y), None, None)
    clf._set_branch_features(dataset, None, fit=False)
    Xi, targets = dataset.__getitems__(np.arange(8))
    targets = targets.long()
    seen = {}
    infer = net.infer

    def spy(x, **fit_params):
        seen.update(x)
        return infer(x, **fit_params)

    net.infer = spy
    torch.manual_seed(0)
    loss = net.train_step_single((Xi, targets))["loss"]
    torch.manual_seed(0)
    mixed, lengths, partner, lam = mixup_batch(Xi["x"], Xi["lengths"], 0.4)
    features = Xi["branch_features"]
    expected = lam * features + (1 - lam) * features[partner]
    assert lam < 1 and not torch.equal(partner, torch.arange(8))
    torch.testing.assert_close(seen["branch_features"], expected)
    torch.testing.assert_close(seen["x"], mixed)
    net.infer = infer
    logits = net.infer({"x": mixed, "lengths": lengths, "branch_features": expected})
    criterion = torch.nn.CrossEntropyLoss()
    target = lam * criterion(logits, targets) + (1 - lam) * criterion(logits, targets[partner])
    torch.testing.assert_close(loss, target)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_rocket_branch_fits_and_predicts_on_cuda():
    """The branch's buffers follow the network to the GPU; its features and
    biases are the CPU's (the same elementwise sums)."""
    X, y = _data()
    cpu = RNNClassifier(**FAST, bag=SMALL).fit(X, y)
    gpu = RNNClassifier(**{**FAST, "device": "cuda"}, bag=SMALL).fit(X, y)
    branch = gpu.net_.module_.branch
    assert branch.biases.is_cuda and branch.mean.is_cuda
    torch.testing.assert_close(branch.biases.cpu(), cpu.net_.module_.branch.biases)
    torch.testing.assert_close(branch.mean.cpu(), cpu.net_.module_.branch.mean)
    proba = gpu.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(1), 1)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_bag_auto_gives_long_numeric_sequences_the_rocket_branch(cls):
    """bag="auto": RocketBranch() from a median training length of 64 steps,
    no branch below it, none in partial_fit (its first batch alone would
    set the biases), and bag=None keeps the network without it."""
    rng = np.random.RandomState(0)
    y = np.arange(20) % 2

    def series(lengths):
        return [rng.randn(n, 1).astype(np.float32) for n in lengths]

    fast = dict(FAST, max_epochs=1)
    # Median 64 (half the series shorter): the branch.
    long = series([40] * 9 + [64] * 11)
    est = cls(**fast).fit(long, y)
    assert est.bag_ == RocketBranch()
    assert isinstance(est.net_.module_.branch, MiniRocketBranch)
    # Median 63: none.
    short = series([63] * 11 + [200] * 9)
    est = cls(**fast).fit(short, y)
    assert est.bag_ is None and est.net_.module_.branch is None
    assert cls(**fast, bag=None).fit(long, y).net_.module_.branch is None
    partial = cls(**fast)
    partial.partial_fit(long, y, **({"classes": [0, 1]} if cls is RNNClassifier else {}))
    assert partial.net_.module_.branch is None
