"""RocketBranch: MiniRocket's fixed features beside the recurrent layers,
computed once per fit and carried in the batches."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._auto import (
    AUTO_RIDGE_LR_FACTOR,
    AUTO_RIDGE_NETWORK_WEIGHT,
    auto_rocket_lr_factor,
    auto_rocket_network_weight,
)
from sklearn_rnn.components import Augmentation, RocketBranch
from sklearn_rnn.nn import MiniRocketBranch, mixup_batch

FAST = dict(hidden_size=8, max_epochs=3, random_state=0, device="cpu")
SMALL = RocketBranch(n_features=84 * 3, head="ridge")


def _data(n=40, seed=0):
    """Variable-length series whose class is their trend's sign."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    X = [
        (rng.randn(rng.randint(9, 30), 2) + (2 * label - 1) * 0.3).cumsum(0).astype(np.float32)
        for label in y
    ]
    return X, y


@pytest.mark.parametrize(
    "cls, head", [(RNNClassifier, "ridge"), (RNNRegressor, "ridge"), (RNNClassifier, "joint")]
)
def test_rocket_branch_joins_the_head_and_predicts_the_same_alone(cls, head, tmp_path):
    X, y = _data()
    plain = cls(**FAST, bag=None).fit(X, y)
    small = RocketBranch(n_features=84 * 3, head=head)
    est = cls(**FAST, bag=small).fit(X, y)
    resolved = clone(small).set_params(
        lr_factor=auto_rocket_lr_factor(head), network_weight=auto_rocket_network_weight(head)
    )
    assert est.bag_ == resolved and est.bag_ is not small
    branch = est.net_.module_.branch
    assert isinstance(branch, MiniRocketBranch)
    assert branch.reference_length == max(len(x) for x in X)
    assert est._module_init["branch"]["seed"] == est._seed
    # "joint": the features join the head's inputs; "ridge": the ridge's
    # scores join its outputs.
    extra = 84 * 3 if head == "joint" else 0
    assert est.net_.module_.head.in_features == plain.net_.module_.head.in_features + extra
    assert branch.n_features == 84 * 3
    assert branch.output_size == (84 * 3 if head == "joint" else est.net_.module_.head.out_features)
    # The biases and the scaling were fitted on the training sequences.
    assert (branch.biases != 0).all() and (branch.std != 1).any()
    together = est.predict(X[:10])
    assert not np.allclose(together, plain.predict(X[:10]))
    alone = np.concatenate([est.predict([x]) for x in X[:10]])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)
    # Same random_state, same model; another one draws other kernels' subsets.
    np.testing.assert_array_equal(cls(**FAST, bag=small).fit(X, y).predict(X), est.predict(X))
    other = cls(**{**FAST, "random_state": 1}, bag=small).fit(X, y)
    assert not torch.equal(other.net_.module_.branch.biases, branch.biases)
    # Saved, pickled and cloned.
    est.save(tmp_path / "rocket.safetensors")
    loaded = sklearn_rnn.load(tmp_path / "rocket.safetensors")
    np.testing.assert_array_equal(loaded.predict(X[:10]), together)
    assert loaded.get_params()["bag"] == small
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X[:10]), together)
    assert clone(est).get_params()["bag"] == small
    with pytest.raises(ValueError, match="bag=RocketBranch.*numeric sequences"):
        cls(**FAST, bag=small).fit([np.arange(2, 9)] * 40, y)
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
    joint = RocketBranch(n_features=84 * 3, head="joint")
    est = RNNRegressor(**{**FAST, "max_epochs": 4}, bag=joint, early_stopping=True).fit(X, y)
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
    coef, scale = est.net_.module_.branch.ridge_coef.clone(), est.net_.module_.branch_scale.clone()
    assert coef.abs().sum() > 0
    est.partial_fit(X[20:], y[20:])
    assert torch.equal(est.net_.module_.branch.biases, biases)
    assert torch.equal(est.net_.module_.branch.ridge_coef, coef)
    assert torch.equal(est.net_.module_.branch_scale, scale)
    assert est.n_epochs_ == 2
    warm = RNNClassifier(**FAST, bag=SMALL, warm_start=True).fit(X, y)
    mean = warm.net_.module_.branch.mean.clone()
    coef = warm.net_.module_.branch.ridge_coef.clone()
    warm.fit(X[:20], y[:20])
    assert torch.equal(warm.net_.module_.branch.mean, mean)
    assert torch.equal(warm.net_.module_.branch.ridge_coef, coef)
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
    assert branch.biases.is_cuda and branch.mean.is_cuda and branch.ridge_coef.is_cuda
    torch.testing.assert_close(branch.biases.cpu(), cpu.net_.module_.branch.biases)
    torch.testing.assert_close(branch.mean.cpu(), cpu.net_.module_.branch.mean)
    proba = gpu.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(1), 1)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_bag_auto_gives_long_numeric_sequences_the_rocket_branch(cls):
    """bag="auto": RocketBranch(head="auto") from a median training length of
    64 steps (the joint head for two classes, the ridge for values), no
    branch below it, none in partial_fit (its first batch alone would set
    the biases), and bag=None keeps the network without it."""
    rng = np.random.RandomState(0)
    y = np.arange(20) % 2

    def series(lengths):
        return [rng.randn(n, 1).astype(np.float32) for n in lengths]

    fast = dict(FAST, max_epochs=1)
    # Median 64 (half the series shorter): the branch.
    long = series([40] * 9 + [64] * 11)
    est = cls(**fast).fit(long, y)
    head = "joint" if cls is RNNClassifier else "ridge"
    assert est.bag_ == RocketBranch(
        head=head,
        lr_factor=auto_rocket_lr_factor(head),
        network_weight=auto_rocket_network_weight(head),
    )
    assert isinstance(est.net_.module_.branch, MiniRocketBranch)
    assert (est.net_.module_.branch.ridge_outputs is not None) == (head == "ridge")
    # Median 63: none.
    short = series([63] * 11 + [200] * 9)
    est = cls(**fast).fit(short, y)
    assert est.bag_ is None and est.net_.module_.branch is None
    assert cls(**fast, bag=None).fit(long, y).net_.module_.branch is None
    partial = cls(**fast)
    partial.partial_fit(long, y, **({"classes": [0, 1]} if cls is RNNClassifier else {}))
    assert partial.net_.module_.branch is None


@pytest.mark.parametrize(
    ("cls", "n_classes", "head"),
    [(RNNClassifier, 2, "joint"), (RNNClassifier, 3, "ridge"), (RNNRegressor, None, "ridge")],
)
def test_auto_head_is_the_ridge_from_three_classes_and_for_values(cls, n_classes, head):
    """head="auto": the ridge for a regressor and three or more classes, the
    joint head for two; bag_ shows the head chosen, the parameter keeps
    "auto", and the model is the one of that head given explicitly."""
    rng = np.random.RandomState(0)
    X = rng.randn(24, 70, 1).astype(np.float32)
    y = np.arange(24) % n_classes if n_classes else rng.randn(24)
    fast = dict(FAST, max_epochs=2)
    est = cls(**fast, bag=RocketBranch(n_features=84, head="auto")).fit(X, y)
    assert est.bag == RocketBranch(n_features=84, head="auto")
    lr_factor, weight = auto_rocket_lr_factor(head), auto_rocket_network_weight(head)
    assert est.bag_ == RocketBranch(
        n_features=84, head=head, lr_factor=lr_factor, network_weight=weight
    )
    assert (est.net_.module_.branch.ridge_outputs is not None) == (head == "ridge")
    explicit = cls(**fast, bag=RocketBranch(n_features=84, head=head)).fit(X, y)
    predict = est.predict_proba if n_classes else est.predict
    expected = explicit.predict_proba if n_classes else explicit.predict
    np.testing.assert_allclose(predict(X), expected(X), rtol=1e-6)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_ridge_head_is_minirocket_ridge_added_to_the_network_at_a_loo_scale(cls, monkeypatch):
    """head="ridge": the branch's ridge is RidgeClassifierCV's (RidgeCV's on
    the standardised targets) on its standardised training features, alpha
    from np.logspace(-3, 3, 10) by leave-one-out error; training batches
    carry its scores; the model's outputs are the network's plus the scores
    times the scale fitted on the leave-one-out scores, and the network's
    share starts at zero."""
    from sklearn.linear_model import RidgeClassifierCV, RidgeCV

    from sklearn_rnn._data import pad_batch
    from sklearn_rnn.nn import RNNSequenceModel
    from sklearn_rnn.nn.branches import ridge_loo, ridge_scale

    X, y = _data(40)
    y = y if cls is RNNClassifier else np.linspace(-1.0, 2.0, 40) + y
    seen = []
    original = RNNSequenceModel.forward

    def forward(module, x, lengths, branch_features=None):
        if module.training:
            seen.append(branch_features.clone())
        return original(module, x, lengths, branch_features)

    monkeypatch.setattr(RNNSequenceModel, "forward", forward)
    fast = {**FAST, "batch_size": 40, "max_epochs": 1}
    est = cls(**fast, bag=SMALL).fit(X, y)
    monkeypatch.setattr(RNNSequenceModel, "forward", original)
    module = est.net_.module_
    branch = module.branch
    sequences = est._validate_X(X, reset=False)
    features = branch.standardise(
        branch.raw_features(lambda i: pad_batch(sequences, np.asarray(i)), sequences.lengths)
    ).double()
    alphas = np.logspace(-3, 3, 10)
    if cls is RNNClassifier:
        ridge = RidgeClassifierCV(alphas=alphas).fit(features.numpy(), y)
        targets = np.where(y[:, None] == np.arange(2), 1.0, -1.0)
        # sklearn fits one column for two classes: the second class's; the
        # first's is its negative.
        coef = np.ravel(ridge.coef_)
        np.testing.assert_allclose(branch.ridge_coef[:, 1].numpy(), coef, atol=1e-5)
        np.testing.assert_allclose(branch.ridge_coef[:, 0].numpy(), -coef, atol=1e-5)
    else:
        targets = ((y - est.y_mean_) / est.y_scale_)[:, None]
        ridge = RidgeCV(alphas=alphas).fit(features.numpy(), targets)
        np.testing.assert_allclose(
            branch.ridge_coef[:, 0].numpy(), np.ravel(ridge.coef_), atol=1e-5
        )
    assert float(branch.ridge_alpha) == ridge.alpha_
    # Training batches carry the ridge's scores (one batch of all 40, shuffled).
    scores = branch.project(features.float())
    carried = seen[0]
    assert carried.shape == (40, module.head.out_features)
    order = [int(torch.argmin(((scores - row) ** 2).sum(1))) for row in carried]
    assert sorted(order) == list(range(40))
    torch.testing.assert_close(carried, scores[order])
    # The scale is the one fitted on the leave-one-out scores.
    loo = ridge_loo(features, torch.tensor(targets), alphas=(ridge.alpha_,))[3]
    labels = torch.tensor(y) if cls is RNNClassifier else torch.tensor(targets)
    scale = ridge_scale(loo, labels, classes=cls is RNNClassifier)
    assert float(module.branch_scale) == pytest.approx(scale, rel=1e-6) and scale > 0
    # Prediction: the network's outputs plus the ridge's scores, scaled; an
    # unfitted network adds nothing.
    module.branch_scale.fill_(0.0)
    network = est._predict_pooled(X)
    module.branch_scale.fill_(scale)
    expected = network + scale * scores.double().numpy()
    np.testing.assert_allclose(est._predict_pooled(X), expected, atol=1e-4)
    untrained = cls(**{**fast, "max_epochs": 1, "lr": 1e-12}, bag=SMALL).fit(X, y)
    np.testing.assert_allclose(
        untrained._predict_pooled(X), scale * scores.double().numpy(), atol=1e-3
    )
    # Sample weights weigh the ridge (weighted least squares).
    w = np.linspace(0.2, 3.0, 40)
    weighted = cls(**fast, bag=SMALL).fit(X, y, sample_weight=w).net_.module_.branch
    reference = (RidgeClassifierCV if cls is RNNClassifier else RidgeCV)(alphas=alphas)
    reference.fit(features.numpy(), y if cls is RNNClassifier else targets, sample_weight=w)
    column = weighted.ridge_coef[:, -1].numpy()
    np.testing.assert_allclose(column, np.ravel(reference.coef_), atol=1e-5)
    assert not np.allclose(column, branch.ridge_coef[:, -1].numpy(), atol=1e-3)
    # The setting acts: the joint head predicts otherwise.
    joint = cls(**fast, bag=RocketBranch(n_features=84 * 3, head="joint"))
    assert not np.allclose(joint.fit(X, y)._predict_pooled(X), est._predict_pooled(X))


@pytest.mark.parametrize(
    ("head", "lr_factor", "expected"),
    [("ridge", "auto", AUTO_RIDGE_LR_FACTOR), ("joint", "auto", 1.0), ("ridge", 0.5, 0.5)],
)
def test_lr_factor_scales_the_networks_learning_rate(head, lr_factor, expected):
    """lr_factor: the network trains at lr times the factor, the one-cycle
    schedule's peak included; "auto" is a tenth under the ridge, 1 under
    the joint head; bag_ shows the factor used, the parameter keeps its
    value, and the fitted model differs from the one at the full rate."""
    rng = np.random.RandomState(0)
    X = rng.randn(24, 70, 1).astype(np.float32)
    y = np.arange(24) % 3
    branch = RocketBranch(n_features=84, head=head, lr_factor=lr_factor)
    est = RNNClassifier(**FAST, lr=0.01, bag=branch).fit(X, y)
    assert est.bag.lr_factor == lr_factor
    assert est.bag_.lr_factor == expected
    assert est.net_.lr == pytest.approx(0.01 * expected)
    schedule = dict(est.net_.callbacks_)["lr_schedule"]
    assert schedule.kwargs["max_lr"] == pytest.approx(0.01 * expected)
    full = RNNClassifier(**FAST, lr=0.01, bag=clone(branch).set_params(lr_factor=1.0)).fit(X, y)
    same = np.allclose(est.predict_proba(X), full.predict_proba(X), rtol=1e-6)
    assert same == (expected == 1.0)


def _outputs(est, X):
    """The model's outputs: values, or logits up to a constant per row."""
    if isinstance(est, RNNRegressor):
        return est.predict(X)
    log_proba = est.predict_log_proba(X)
    return log_proba - log_proba.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_network_weight_weighs_the_trained_network_beside_the_ridge(cls):
    """network_weight: training is the same whatever its value; prediction
    adds the network's outputs to the ridge's scores times the weight, so 0
    is the ridge alone and 0.5 the average of the ridge alone and the
    trained model."""
    X, y = _data()
    if cls is RNNClassifier:
        y = np.arange(len(X)) % 3  # three classes: the ridge head
    fits = {
        w: cls(**FAST, bag=RocketBranch(n_features=84 * 3, head="ridge", network_weight=w)).fit(
            X, y
        )
        for w in (1.0, 0.5, 0.0)
    }
    trained = {w: est.net_.module_.state_dict() for w, est in fits.items()}
    for w in (0.5, 0.0):
        for key, value in trained[1.0].items():
            torch.testing.assert_close(trained[w][key], value, rtol=0, atol=0)
    assert fits[0.5].bag_.network_weight == 0.5
    outputs = {w: _outputs(est, X) for w, est in fits.items()}
    assert not np.allclose(outputs[1.0], outputs[0.0], atol=1e-4)
    np.testing.assert_allclose(
        outputs[0.5], (outputs[1.0] + outputs[0.0]) / 2, rtol=1e-5, atol=1e-5
    )
    # 0: the ridge alone, as the trained model with its network's head zeroed.
    full = fits[1.0]
    with torch.no_grad():
        full.net_.module_.head.weight.zero_()
        full.net_.module_.head.bias.zero_()
    np.testing.assert_allclose(outputs[0.0], _outputs(full, X), rtol=1e-5, atol=1e-5)
    # The weight survives pickling.
    again = pickle.loads(pickle.dumps(fits[0.5]))
    np.testing.assert_allclose(_outputs(again, X), outputs[0.5], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("cls", "head", "expected"),
    [
        (RNNClassifier, "ridge", AUTO_RIDGE_NETWORK_WEIGHT),
        (RNNRegressor, "ridge", AUTO_RIDGE_NETWORK_WEIGHT),
        (RNNClassifier, "joint", 1.0),
    ],
)
def test_auto_network_weight_is_half_under_the_ridge(cls, head, expected):
    """network_weight="auto": 0.5 under the ridge head, 1 under the joint
    one; bag_ shows the weight used, the parameter keeps "auto", and the
    model predicts as with that weight given explicitly."""
    assert AUTO_RIDGE_NETWORK_WEIGHT == 0.5
    X, y = _data()
    if cls is RNNClassifier and head == "ridge":
        y = np.arange(len(X)) % 3
    branch = RocketBranch(n_features=84 * 3, head=head)
    assert branch.network_weight == "auto"
    est = cls(**FAST, bag=branch).fit(X, y)
    assert est.bag.network_weight == "auto"
    assert est.bag_.network_weight == expected
    explicit = cls(**FAST, bag=clone(branch).set_params(network_weight=expected)).fit(X, y)
    np.testing.assert_allclose(_outputs(est, X), _outputs(explicit, X), rtol=1e-6, atol=1e-6)
    if head == "ridge":
        whole = cls(**FAST, bag=clone(branch).set_params(network_weight=1.0)).fit(X, y)
        assert not np.allclose(_outputs(est, X), _outputs(whole, X), atol=1e-4)


def test_network_weight_needs_the_ridge_head():
    X, y = _data()
    branch = RocketBranch(n_features=84 * 3, head="joint", network_weight=0.5)
    with pytest.raises(ValueError, match="network_weight=0.5 weighs the network"):
        RNNClassifier(**FAST, bag=branch).fit(X, y)
    with pytest.raises(ValueError, match="network_weight"):
        RNNClassifier(**FAST, bag=RocketBranch(network_weight=1.5)).fit(X, y)


@pytest.mark.parametrize("estimator", [RNNRegressor, RNNClassifier])
def test_ridge_head_trains_with_a_sample_of_weight_zero(estimator):
    """A sample of weight 0 once made the ridge's leave-one-out scores 0/0
    and the training loss nan; it now counts for nothing."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 64)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    y = y.astype(float) if estimator is RNNRegressor else y
    weights = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    model = estimator(
        bag=RocketBranch(n_features=84, head="ridge"), hidden_size=4, max_epochs=2,
        random_state=0,
    ).fit(X, y, sample_weight=weights)  # fmt: skip
    assert np.isfinite(model.history_[-1, "train_loss"])
    assert np.isfinite(float(model.net_.module_.branch_scale))
    assert np.all(
        np.isfinite(model.predict(X) if estimator is RNNRegressor else model.predict_proba(X))
    )
