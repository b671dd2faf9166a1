"""Exactness of the torch modules on padded batches, against packed sequences."""

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn.nn import (
    FCNBranch,
    HashedNgramBag,
    MiniRocketBranch,
    RNNBackbone,
    RNNFrameModel,
    RNNSequenceModel,
    augment_sequences,
    hash_ngrams,
    mixup_batch,
    pool_sequences,
    resample_to_lengths,
    reverse_within_length,
    subsample_frames,
)

LENGTHS = torch.tensor([7, 2, 5, 1, 7])


def _batch(features=3, seed=0, pad_value=0.0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(len(LENGTHS), int(LENGTHS.max()), features, generator=generator)
    mask = torch.arange(x.shape[1])[None, :] >= LENGTHS[:, None]
    x[mask] = pad_value
    return x


def _copy_weights(backbone, reference):
    """Copy our per-layer, per-direction weights into one bidirectional nn.RNN."""
    with torch.no_grad():
        for layer, (fwd, bwd) in enumerate(zip(backbone.forward_layers, backbone.backward_layers)):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(reference, f"{name}_l{layer}").copy_(getattr(fwd, f"{name}_l0"))
                getattr(reference, f"{name}_l{layer}_reverse").copy_(getattr(bwd, f"{name}_l0"))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_bidirectional_matches_packed_reference(cell, num_layers):
    torch.manual_seed(0)
    backbone = RNNBackbone(3, cell=cell, hidden_size=6, num_layers=num_layers, bidirectional=True)
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(cell, torch.nn.RNN)
    kwargs = {} if cell in ("lstm", "gru") else {"nonlinearity": cell[4:]}
    reference = kind(3, 6, num_layers=num_layers, bidirectional=True, batch_first=True, **kwargs)
    _copy_weights(backbone, reference)
    x = _batch()
    ours, lengths = backbone.eval()(x, LENGTHS)
    packed = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
    expected, _ = pad_packed_sequence(reference(packed)[0], batch_first=True)
    for i, length in enumerate(LENGTHS.tolist()):
        torch.testing.assert_close(ours[i, :length], expected[i, :length], rtol=1e-5, atol=1e-5)
    assert torch.equal(lengths, LENGTHS)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_unidirectional_matches_packed_reference(cell):
    torch.manual_seed(0)
    backbone = RNNBackbone(3, cell=cell, hidden_size=5, num_layers=2).eval()
    x = _batch()
    ours, _ = backbone(x, LENGTHS)
    packed = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
    expected, _ = pad_packed_sequence(backbone.rnn(packed)[0], batch_first=True)
    for i, length in enumerate(LENGTHS.tolist()):
        torch.testing.assert_close(ours[i, :length], expected[i, :length], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("augment", [False, True])
def test_sequence_model_ignores_padding_values_and_neighbours(pooling, bidirectional, augment):
    torch.manual_seed(0)
    model = RNNSequenceModel(
        2,
        input_size=3,
        hidden_size=4,
        pooling=pooling,
        bidirectional=bidirectional,
        dropout=0.3,
        augmentation={"jitter": 0.5 * augment, "scaling": 0.5 * augment},
    ).eval()
    reference = model(_batch(), LENGTHS)
    # Other padding values do not matter.
    torch.testing.assert_close(model(_batch(pad_value=1e3), LENGTHS), reference)
    # Each sample alone, cut to its length, gives the same output.
    x = _batch()
    for i, length in enumerate(LENGTHS.tolist()):
        alone = model(x[i : i + 1, :length], LENGTHS[i : i + 1])
        torch.testing.assert_close(alone, reference[i : i + 1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pooling", ["last", "mean+max"])
def test_without_recurrent_layers_the_front_end_is_pooled_exactly(pooling):
    """cell=None: no recurrent weights; the backbone's outputs are the front
    end's, and padding still never reaches a prediction."""
    torch.manual_seed(0)
    backbone = RNNBackbone(
        3, cell=None, frontend=("conv", {"channels": 5, "strides": (2, 1, 1)}),
        bidirectional=True,
    )  # fmt: skip
    assert backbone.output_size == 5 and not backbone.bidirectional
    assert not any(isinstance(m, torch.nn.RNNBase) for m in backbone.modules())
    backbone.eval()
    x = _batch()
    outputs, frames = backbone(x, LENGTHS)
    expected, expected_frames = backbone.frontend(x, LENGTHS)
    assert torch.equal(outputs, expected) and torch.equal(frames, expected_frames)
    assert frames.tolist() == [4, 1, 3, 1, 4]
    model = RNNSequenceModel(
        2, input_size=3, cell=None, frontend=("conv", {"strides": (2, 1, 1)}), pooling=pooling
    ).eval()
    assert model.head.in_features == 64 * len(pooling.split("+"))
    reference = model(x, LENGTHS)
    torch.testing.assert_close(model(_batch(pad_value=1e3), LENGTHS), reference)
    for i, length in enumerate(LENGTHS.tolist()):
        alone = model(x[i : i + 1, :length], LENGTHS[i : i + 1])
        torch.testing.assert_close(alone, reference[i : i + 1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="cell=None .* give it a frontend"):
        RNNBackbone(3, cell=None, frontend=None)


@pytest.mark.parametrize("levels", [False, True])
def test_conv_branch_is_exact_on_padded_batches(levels):
    """FCNBranch: "same"-length convolutions (even kernels too), normalisation
    over real steps, means over real steps; padding never reaches them."""
    torch.manual_seed(0)
    branch = FCNBranch(3, channels=(4, 6, 5), kernels=(8, 5, 3), levels=levels)
    assert branch.output_size == 5 + 6 * levels
    x = _batch()
    train = branch(x, LENGTHS)  # batch statistics over real steps only
    torch.testing.assert_close(branch(_batch(pad_value=1e3), LENGTHS), train)
    branch.eval()
    reference = branch(x, LENGTHS)
    torch.testing.assert_close(branch(_batch(pad_value=1e3), LENGTHS), reference)
    for i, length in enumerate(LENGTHS.tolist()):
        alone = branch(x[i : i + 1, :length], LENGTHS[i : i + 1])
        torch.testing.assert_close(alone, reference[i : i + 1], rtol=1e-5, atol=1e-6)
    # Against the same network written with PyTorch's own layers, on one
    # unpadded sequence: Conv1d(padding="same") pads k // 2 - 1 left for even k
    # and we pad k // 2 left, so that is compared on odd kernels.
    odd = FCNBranch(3, channels=(4, 5), kernels=(5, 3)).eval()
    h = x[:1].transpose(1, 2)
    for conv, norm in zip(odd.convs, odd.norms):
        same = torch.nn.functional.conv1d(h, conv.weight, padding="same")
        h = torch.relu(torch.nn.BatchNorm1d.forward(norm, same))
    torch.testing.assert_close(odd(x[:1], LENGTHS[:1]), h.mean(dim=2))
    if levels:
        features = reference[:, 5:]
        for i, length in enumerate(LENGTHS.tolist()):
            real = x[i, :length].double()
            torch.testing.assert_close(features[i, :3].double(), real.mean(0))
            std = real.std(0, unbiased=False)
            torch.testing.assert_close(features[i, 3:].double(), std, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="one kernel per block"):
        FCNBranch(3, channels=(4, 4), kernels=(3,))


def _ragged(lengths, features, seed=0):
    """Ragged float32 sequences and a ``batches(indices)`` that pads them."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(int(n), features)).astype(np.float32).cumsum(0) for n in lengths]
    lengths = np.asarray(lengths)

    def batches(indices):
        indices = np.asarray(indices)
        out = np.zeros((len(indices), int(lengths[indices].max()), features), np.float32)
        for row, i in enumerate(indices):
            out[row, : lengths[i]] = X[i]
        return torch.from_numpy(out), torch.from_numpy(lengths[indices])

    return X, batches


def _reference_ppv(x, bias, dilation, indices, same):
    """One MiniRocket feature of one univariate sequence, from the paper's
    definition: the proportion of the kernel's outputs above the bias, over
    the "same"-padded outputs or over those whose kernel lies inside."""
    weights = -np.ones(9)
    weights[list(indices)] = 2.0
    n, pad = len(x), 4 * dilation
    padded = np.concatenate([np.zeros(pad), x, np.zeros(pad)])
    out = np.array([sum(weights[g] * padded[t + g * dilation] for g in range(9)) for t in range(n)])
    if not same and n > 2 * pad:
        out = out[pad : n - pad]
    return float(np.mean(out > bias))


def test_minirocket_branch_features_follow_the_definition_and_ignore_padding():
    """MiniRocketBranch: its PPV features are the paper's (checked one by one
    against a direct computation), the same alone as in a padded batch (the
    batch padded with zeros or anything else), and standardised by fit."""
    lengths = [30, 9, 17, 4, 30, 25]
    X, batches = _ragged(lengths, 1)
    branch = MiniRocketBranch(1, reference_length=30, n_features=84 * 5, seed=3)
    assert branch.dilations == [1, 2, 3] and branch.output_size == 84 * 5
    features = branch.fit(batches, np.asarray(lengths))
    assert features.shape == (6, 84 * 5)
    torch.testing.assert_close(features.mean(0), torch.zeros(84 * 5), atol=1e-5, rtol=0)
    spread = features.std(0, unbiased=False)
    assert ((spread - 1).abs() < 1e-4).logical_or(spread == 0).all()
    x, batch_lengths = batches(np.arange(6))
    raw = branch.transform(x, batch_lengths)
    torch.testing.assert_close(branch.standardise(raw), features)
    noisy = x.clone()
    noisy[torch.arange(x.shape[1])[None, :] >= batch_lengths[:, None]] = 1e3
    assert torch.equal(branch.transform(noisy, batch_lengths), raw)
    for i in range(6):
        alone = branch.transform(*batches([i]))
        assert torch.equal(alone[0], raw[i])
    # Against the definition, feature by feature (all of one dilation's kernels).
    biases = branch.biases.numpy()
    start = 0
    for d, (dilation, count) in enumerate(zip(branch.dilations, branch.features_per_dilation)):
        for k, kernel in enumerate(branch.indices.tolist()):
            same = (d + k) % 2 == 0
            for j in range(count):
                index = start + k * count + j
                for i in (0, 3):  # a long sequence, and one shorter than the kernel's span
                    expected = _reference_ppv(X[i][:, 0], biases[index], dilation, kernel, same)
                    assert raw[i, index].item() == pytest.approx(expected, abs=1e-6)
        start += 84 * count
    # The biases are quantiles of the kernels' outputs: each feature is
    # neither always 0 nor always 1 over the training sequences.
    assert ((raw > 0) & (raw < 1)).any(0).float().mean() > 0.5


@pytest.mark.parametrize("features", [1, 3])
def test_minirocket_branch_long_batches_are_computed_in_parts_alike(features):
    """Long sequences are compared with the biases a few at a time (here one
    sequence per part: 84 x 1,600 outputs): each sequence's features are the
    same as alone, as in a batch padded with anything, and as the
    definition's (the first feature of the first kernels)."""
    lengths = [1600, 1100, 700]
    X, batches = _ragged(lengths, features, seed=2)
    branch = MiniRocketBranch(features, reference_length=1600, n_features=84 * 2, seed=1)
    branch.fit(batches, np.asarray(lengths))
    x, batch_lengths = batches(np.arange(3))
    assert 2**18 // (84 * x.shape[1]) < len(x)  # the batch is split
    raw = branch.transform(x, batch_lengths)
    noisy = x.clone()
    noisy[torch.arange(x.shape[1])[None, :] >= batch_lengths[:, None]] = -1e3
    assert torch.equal(branch.transform(noisy, batch_lengths), raw)
    for i in range(3):
        assert torch.equal(branch.transform(*batches([i]))[0], raw[i])
    biases = branch.biases.numpy()
    count = branch.features_per_dilation[0]
    for k, kernel in enumerate(branch.indices.tolist()[:4]):
        subset = branch.channel_mask[0, k].bool().numpy()
        expected = _reference_ppv(X[1][:, subset].sum(1), biases[k * count], 1, kernel, k % 2 == 0)
        assert raw[1, k * count].item() == pytest.approx(expected, abs=1e-6)


def test_minirocket_branch_matches_sktimes_features():
    """On univariate series, given sktime's biases, the branch's "same"-padded
    features (half of them, alternating) are sktime's
    MiniRocketMultivariateVariable's (which pads every kernel), and the same
    dilations are drawn."""
    numba_minirocket = pytest.importorskip(
        "sktime.transformations.rocket._minirocket_multi_var_numba"
    )
    lengths = [40, 25, 33, 40, 12]
    X, batches = _ragged(lengths, 1, seed=1)
    flat = np.concatenate([x[:, 0] for x in X])[None, :].astype(np.float32)
    L = np.asarray(lengths, dtype=np.int32)
    parameters = numba_minirocket._fit_multi_var(flat, L, 40, 84 * 6, 32, 0)
    theirs = numba_minirocket._transform_multi_var(flat, L, parameters)
    branch = MiniRocketBranch(1, reference_length=40, n_features=84 * 6)
    assert branch.dilations == parameters[2].tolist()
    assert branch.features_per_dilation == parameters[3].tolist()
    branch.biases.copy_(torch.from_numpy(parameters[4]))
    ours = branch.transform(*batches(np.arange(5))).numpy()
    same = np.concatenate(
        [
            np.repeat((d + np.arange(84)) % 2 == 0, count)
            for d, count in enumerate(branch.features_per_dilation)
        ]
    )
    np.testing.assert_allclose(ours[:, same], theirs[:, same], atol=1e-6)
    assert not np.allclose(ours[:, ~same], theirs[:, ~same])


def test_minirocket_branch_draws_feature_subsets_and_biases_by_its_seed():
    """Multivariate input: each (dilation, kernel) pair sums 1 to 9 of the
    features, drawn by the seed, as are the sequences that give the biases."""
    lengths = [20, 14, 20, 9]
    _, batches = _ragged(lengths, 12)
    branch = MiniRocketBranch(12, reference_length=20, n_features=84 * 4, seed=0)
    counts = branch.channel_mask.sum(dim=2)
    assert counts.min() >= 1 and counts.max() <= 9 and len(counts.unique()) > 3
    same = MiniRocketBranch(12, reference_length=20, n_features=84 * 4, seed=0)
    other = MiniRocketBranch(12, reference_length=20, n_features=84 * 4, seed=1)
    assert torch.equal(same.channel_mask, branch.channel_mask)
    assert not torch.equal(other.channel_mask, branch.channel_mask)
    features = branch.fit(batches, np.asarray(lengths))
    torch.testing.assert_close(same.fit(batches, np.asarray(lengths)), features)
    assert not torch.equal(other.fit(batches, np.asarray(lengths)), features)
    # A feature the subsets leave out changes no feature of the pairs that skip it.
    x, batch_lengths = batches(np.arange(4))
    changed = x.clone()
    changed[..., 5] += 10.0
    unread = ~branch.channel_mask[:, :, 5].bool()  # (dilations, 84)
    keep = torch.cat(
        [unread[d].repeat_interleave(count) for d, count in enumerate(branch.features_per_dilation)]
    )
    assert keep.any() and not keep.all()
    before, after = branch.transform(x, batch_lengths), branch.transform(changed, batch_lengths)
    assert torch.equal(before[:, keep], after[:, keep])
    assert not torch.equal(before[:, ~keep], after[:, ~keep])


@pytest.mark.parametrize("n, p", [(30, 80), (120, 20)])
def test_ridge_loo_is_sklearns_ridgecv_and_its_leave_one_out(n, p):
    """ridge_loo: RidgeCV's alpha (efficient leave-one-out), coefficients and
    intercept, weighted or not, through the Gram matrix (n <= p) or X^T X
    accumulated over chunks (n > p); its leave-one-out predictions are
    those of a ridge refitted without the sample."""
    from sklearn.linear_model import Ridge, RidgeCV

    from sklearn_rnn.nn.branches import RIDGE_ALPHAS, ridge_loo

    rng = np.random.RandomState(0)
    X = rng.randn(n, p)
    Y = X[:, :3] @ rng.randn(3, 2) + 2 * rng.randn(n, 2)
    for weights in (None, rng.uniform(0.5, 2.0, n)):
        ours = ridge_loo(
            torch.tensor(X), torch.tensor(Y), None if weights is None else torch.tensor(weights),
            chunk=7,
        )  # fmt: skip
        coef, intercept, alpha, loo = ours
        theirs = RidgeCV(alphas=RIDGE_ALPHAS).fit(X, Y, sample_weight=weights)
        assert alpha == theirs.alpha_
        np.testing.assert_allclose(coef.numpy().T, theirs.coef_, atol=1e-10)
        np.testing.assert_allclose(intercept.numpy(), theirs.intercept_, atol=1e-10)
        for i in (0, 7):
            rows = np.arange(n) != i
            refit = Ridge(alpha=alpha).fit(
                X[rows], Y[rows], sample_weight=None if weights is None else weights[rows]
            )
            np.testing.assert_allclose(loo[i].numpy(), refit.predict(X[i : i + 1])[0], atol=1e-10)


@pytest.mark.parametrize("n, p", [(30, 80), (120, 20)])
def test_ridge_loo_with_zero_weights_is_the_fit_without_those_samples(n, p):
    """A sample of weight 0 changes nothing: the ridge, its penalty and the
    others' leave-one-out predictions are those without it, and its own
    leave-one-out prediction is the fitted ridge's (finite, not its target)."""
    from sklearn_rnn.nn.branches import ridge_loo

    rng = np.random.RandomState(1)
    X = rng.randn(n, p)
    Y = X[:, :3] @ rng.randn(3, 2) + 2 * rng.randn(n, 2)
    weights = rng.uniform(0.5, 2.0, n)
    weights[[0, 5]] = 0.0
    kept = weights > 0
    coef, intercept, alpha, loo = ridge_loo(
        torch.tensor(X), torch.tensor(Y), torch.tensor(weights), chunk=7
    )
    coef2, intercept2, alpha2, loo2 = ridge_loo(
        torch.tensor(X[kept]), torch.tensor(Y[kept]), torch.tensor(weights[kept]), chunk=7
    )
    assert alpha == alpha2
    torch.testing.assert_close(coef, coef2)
    torch.testing.assert_close(intercept, intercept2)
    torch.testing.assert_close(loo[kept], loo2)
    assert torch.isfinite(loo).all()
    torch.testing.assert_close(loo[~kept], torch.tensor(X[~kept]) @ coef + intercept)


def test_sequence_model_reads_precomputed_fixed_branch_features():
    """A fixed branch's features given to forward replace its computation:
    the same outputs as computed on the fly, and others when they differ."""
    _, batches = _ragged(LENGTHS.tolist(), 3)
    model = RNNSequenceModel(
        2, input_size=3, hidden_size=4,
        branch={"name": "minirocket", "reference_length": 7, "n_features": 168},
    ).eval()  # fmt: skip
    assert model.head.in_features == 4 + 168
    # The head's weights on the fixed features start at zero, the others not.
    assert torch.all(model.head.weight[:, 4:] == 0) and torch.all(model.head.weight[:, :4] != 0)
    with torch.no_grad():
        model.head.weight.normal_()
    features = model.branch.fit(batches, LENGTHS.numpy())
    x, lengths = batches(np.arange(len(LENGTHS)))
    reference = model(x, lengths)
    torch.testing.assert_close(model(x, lengths, branch_features=features), reference)
    assert not torch.allclose(model(x, lengths, branch_features=features.flip(0)), reference)


def test_sequence_model_concatenates_the_branch_before_the_head():
    torch.manual_seed(0)
    model = RNNSequenceModel(
        2, input_size=3, hidden_size=4, pooling="mean+last",
        branch={"name": "conv", "channels": (6, 6), "kernels": (3, 3), "levels": True},
    ).eval()  # fmt: skip
    assert model.head.in_features == 4 * 2 + 6 + 2 * 3
    reference = model(_batch(), LENGTHS)
    torch.testing.assert_close(model(_batch(pad_value=1e3), LENGTHS), reference)
    x = _batch()
    for i, length in enumerate(LENGTHS.tolist()):
        alone = model(x[i : i + 1, :length], LENGTHS[i : i + 1])
        torch.testing.assert_close(alone, reference[i : i + 1], rtol=1e-5, atol=1e-6)
    # The head reads the branch: zeroing its weights in the head changes the output.
    with torch.no_grad():
        model.head.weight[:, 8:] = 0
    assert not torch.allclose(model(x, LENGTHS), reference)
    with pytest.raises(ValueError, match="branch must name one of"):
        RNNSequenceModel(2, input_size=3, branch={"name": "lstm"})
    with pytest.raises(ValueError, match="reads numeric input"):
        RNNSequenceModel(2, input_size=3, vocab_size=10, branch={"name": "conv"})


def test_each_augmentation_perturbs_real_steps_only_and_as_documented():
    x = _batch()
    real = (torch.arange(x.shape[1])[None, :] < LENGTHS[:, None]).unsqueeze(-1)
    torch.manual_seed(0)
    jittered = augment_sequences(x, LENGTHS, jitter=0.1)
    noise = (jittered - x)[real.expand_as(x)]
    assert 0.07 < float(noise.std()) < 0.13 and torch.all(jittered[~real.expand_as(x)] == 0)
    scaled = augment_sequences(x, LENGTHS, scaling=0.5)
    factors = scaled / x  # one factor per sequence and feature, the same at every step
    for i, length in enumerate(LENGTHS.tolist()):
        torch.testing.assert_close(factors[i, :length], factors[i, :1].expand(length, -1))
    assert factors[:, 0].std() > 0.1
    masked = augment_sequences(x, LENGTHS, time_mask=0.5)
    for i, length in enumerate(LENGTHS.tolist()):
        zero = (masked[i, :length] == 0).all(-1).nonzero().flatten()
        # one contiguous span, at most half the real steps; the rest untouched
        assert len(zero) <= length // 2
        if len(zero):
            assert torch.equal(zero, torch.arange(int(zero[0]), int(zero[0]) + len(zero)))
        keep = (masked[i, :length] != 0).all(-1)
        assert torch.equal(masked[i, :length][keep], x[i, :length][keep])
    features = augment_sequences(x, LENGTHS, feature_mask=0.5)
    widths = []
    for i, length in enumerate(LENGTHS.tolist()):
        zero = (features[i, :length] == 0).all(0).nonzero().flatten()
        # one contiguous span of at most half the features, at every real step
        assert len(zero) <= x.shape[2] // 2
        if len(zero):
            assert torch.equal(zero, torch.arange(int(zero[0]), int(zero[0]) + len(zero)))
        keep = (features[i, :length] != 0).all(0)
        assert torch.equal(features[i, :length][:, keep], x[i, :length][:, keep])
        widths.append(len(zero))
    assert max(widths) > 0
    assert torch.equal(augment_sequences(x, LENGTHS), x)


def test_resampling_stretches_each_sequence_to_its_target_length():
    x = _batch(features=2)
    # Unchanged at its own length, padding included.
    assert torch.equal(resample_to_lengths(x, LENGTHS, LENGTHS), x)
    # A straight line stays the same line, end to end, at any length.
    ramps = torch.zeros(3, 9, 1)
    ramps[0, :4, 0] = torch.linspace(0, 3, 4)
    ramps[1, :9, 0] = torch.linspace(0, 3, 9)
    ramps[2, :2, 0] = torch.tensor([0.0, 3.0])
    targets = torch.tensor([9, 3, 5])
    out = resample_to_lengths(ramps, torch.tensor([4, 9, 2]), targets)
    for i, target in enumerate(targets.tolist()):
        torch.testing.assert_close(out[i, :target, 0], torch.linspace(0, 3, target))
        assert torch.all(out[i, target:] == 0)  # padding beyond the target
    # A one-step sequence is repeated; a one-step target keeps the first step.
    out = resample_to_lengths(x, LENGTHS, torch.tensor([1, 4, 1, 3, 7]))
    torch.testing.assert_close(out[3, :3], x[3, :1].expand(3, -1))
    torch.testing.assert_close(out[0, :1], x[0, :1])


def test_mixup_mixes_each_sequence_with_a_partner_as_documented():
    x = _batch()
    torch.manual_seed(0)
    lams = []
    for _ in range(20):
        mixed, lengths, partner, lam = mixup_batch(x, LENGTHS, 0.4)
        lams.append(lam)
        assert sorted(partner.tolist()) == list(range(len(x)))  # a permutation
        # Each sequence keeps its length; a partner of another length is
        # resampled to it, so real steps meet real steps, first and last.
        assert torch.equal(lengths, LENGTHS)
        other = resample_to_lengths(x[partner], LENGTHS[partner], LENGTHS)
        torch.testing.assert_close(mixed, lam * x + (1 - lam) * other)
        rows = torch.nonzero(LENGTHS > 1).squeeze(1)  # one step: the first
        last = LENGTHS - 1
        torch.testing.assert_close(
            mixed[rows, last[rows]],
            lam * x[rows, last[rows]] + (1 - lam) * x[partner[rows], last[partner[rows]]],
        )
        torch.testing.assert_close(mixed[:, 0], lam * x[:, 0] + (1 - lam) * x[partner, 0])
        beyond = torch.arange(x.shape[1])[None, :] >= LENGTHS[:, None]
        assert torch.all(mixed[beyond] == 0)
    # Sequences of one length mix step by step, as they are.
    equal = torch.randn(6, 5, 2)
    mixed, lengths, partner, lam = mixup_batch(equal, torch.full((6,), 5), 0.4)
    torch.testing.assert_close(mixed, lam * equal + (1 - lam) * equal[partner])
    # One lam per batch, folded so that each sequence dominates its mix.
    assert all(0.5 <= lam <= 1.0 for lam in lams) and len(set(lams)) > 1
    # A larger alpha mixes more evenly (lam nearer 0.5).
    torch.manual_seed(0)
    even = [mixup_batch(x, LENGTHS, 50.0)[3] for _ in range(20)]
    assert np.mean(even) < np.mean(lams)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_mixup_of_a_ragged_batch_is_the_same_on_cuda():
    # The draws come from torch's CPU generator, so the same seed mixes the
    # same pairs on either device; the resampling then runs on the GPU.
    x = _batch()
    torch.manual_seed(0)
    mixed, lengths, partner, lam = mixup_batch(x, LENGTHS, 0.4)
    torch.manual_seed(0)
    mixed_cuda, lengths_cuda, partner_cuda, lam_cuda = mixup_batch(x.cuda(), LENGTHS.cuda(), 0.4)
    assert mixed_cuda.is_cuda and lam_cuda == lam
    assert torch.equal(partner_cuda.cpu(), partner) and torch.equal(lengths_cuda.cpu(), lengths)
    torch.testing.assert_close(mixed_cuda.cpu(), mixed)


def test_augmentation_acts_in_training_only_and_never_on_tokens():
    torch.manual_seed(0)
    kwargs = dict(input_size=3, hidden_size=4, pooling="mean")
    plain = RNNSequenceModel(2, **kwargs)
    augmented = RNNSequenceModel(2, **kwargs, augmentation={"jitter": 1.0, "scaling": 0.5})
    augmented.load_state_dict(plain.state_dict())
    x = _batch()
    torch.testing.assert_close(augmented.eval()(x, LENGTHS), plain.eval()(x, LENGTHS))
    assert not torch.allclose(augmented.train()(x, LENGTHS), plain.train()(x, LENGTHS))
    tokens = RNNSequenceModel(
        2, input_size=1, vocab_size=10, embedding_dim=4, hidden_size=4, augmentation={"jitter": 1.0}
    )
    assert tokens.augmentation == {}


def test_reverse_within_length_is_an_involution_that_keeps_padding():
    x = _batch(features=1)
    reversed_x = reverse_within_length(x, LENGTHS)
    for i, length in enumerate(LENGTHS.tolist()):
        assert torch.equal(reversed_x[i, :length], x[i, :length].flip(0))
        assert torch.equal(reversed_x[i, length:], x[i, length:])
    assert torch.equal(reverse_within_length(reversed_x, LENGTHS), x)


def test_pool_last_takes_true_last_step_and_backward_first():
    outputs = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4)
    lengths = torch.tensor([2, 4])
    uni = pool_sequences(outputs, lengths, "last", bidirectional=False)
    assert torch.equal(uni, outputs[[0, 1], [1, 3]])
    bi = pool_sequences(outputs, lengths, "last", bidirectional=True)
    assert torch.equal(bi[:, :2], outputs[[0, 1], [1, 3], :2])
    assert torch.equal(bi[:, 2:], outputs[:, 0, 2:])
    mean = pool_sequences(outputs, lengths, "mean", bidirectional=False)
    torch.testing.assert_close(mean[0], outputs[0, :2].mean(0))


def test_subsample_stacks_frames_and_shortens_lengths():
    x = torch.arange(2 * 5 * 2, dtype=torch.float32).reshape(2, 5, 2)
    stacked, lengths = subsample_frames(x, torch.tensor([5, 3]), 2)
    assert stacked.shape == (2, 3, 4)
    assert torch.equal(stacked[0, 0], torch.cat([x[0, 0], x[0, 1]]))
    assert torch.equal(stacked[0, 2], torch.cat([x[0, 4], torch.zeros(2)]))
    assert lengths.tolist() == [3, 2]
    model = RNNFrameModel(3, input_size=2, hidden_size=4, subsample=2)
    log_probs, frame_lengths = model(x, torch.tensor([5, 3]))
    assert log_probs.shape == (2, 3, 3) and frame_lengths.tolist() == [3, 2]
    np.testing.assert_allclose(log_probs.exp().sum(-1).detach().numpy(), 1.0, rtol=1e-5)


def test_embedding_backbone_takes_tokens():
    backbone = RNNBackbone(1, vocab_size=10, embedding_dim=4, hidden_size=3)
    out, _ = backbone(torch.tensor([[1, 2, 3], [4, 0, 0]]), torch.tensor([3, 1]))
    assert out.shape == (2, 3, 3)


def test_unknown_cell_and_pooling_are_named():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNBackbone(3, cell="transformer")
    with pytest.raises(ValueError, match="pooling must be one of"):
        pool_sequences(torch.zeros(1, 2, 2), torch.tensor([1]), "median", False)


# --- the bag of words and n-grams (token input) ----------------------------------------

TOKENS = torch.tensor([[5, 6, 7, 5, 9], [8, 6, 0, 0, 0], [7, 0, 0, 0, 0]])
TOKEN_LENGTHS = torch.tensor([5, 2, 1])


def test_bag_is_the_mean_of_word_and_hashed_ngram_rows():
    torch.manual_seed(0)
    words = torch.nn.Embedding(10, 4)
    bag = HashedNgramBag(4, ngrams=3, n_buckets=11).eval()
    out = bag(TOKENS, TOKEN_LENGTHS, words(TOKENS))
    # By hand for the first sequence: 5 words, 4 bigrams, 3 trigrams.
    sequence = TOKENS[0].tolist()
    rows = [words.weight[token] for token in sequence]
    for n in (2, 3):
        for start in range(len(sequence) - n + 1):
            hashed = sequence[start]
            for token in sequence[start + 1 : start + n]:
                hashed = (hashed * 1_000_003 + token) % 2_147_483_647
            rows.append(bag.embedding.weight[(hashed * n) % 11])
    torch.testing.assert_close(out[0], torch.stack(rows).mean(0))
    # The one-word sequence has no n-gram: its bag is its word's row.
    torch.testing.assert_close(out[2], words.weight[7])
    assert hash_ngrams(TOKENS, 2, 11).shape == (3, 4)
    assert 0 <= int(hash_ngrams(TOKENS, 3, 11).min()) and int(hash_ngrams(TOKENS, 3, 11).max()) < 11


@pytest.mark.parametrize("bag", ["only", "join"])
def test_bag_model_ignores_padding_ids_and_neighbours(bag):
    torch.manual_seed(0)
    model = RNNSequenceModel(
        3,
        input_size=1,
        vocab_size=10,
        embedding_dim=4,
        hidden_size=3,
        bag={"mode": bag, "ngrams": 2, "buckets": 7, "dropout": 0.0},
    ).eval()
    reference = model(TOKENS, TOKEN_LENGTHS)
    # Any ids in the padding: n-grams reaching into it are never read.
    noisy = TOKENS.clone()
    noisy[torch.arange(5)[None, :] >= TOKEN_LENGTHS[:, None]] = 9
    torch.testing.assert_close(model(noisy, TOKEN_LENGTHS), reference)
    for i, length in enumerate(TOKEN_LENGTHS.tolist()):
        alone = model(TOKENS[i : i + 1, :length], TOKEN_LENGTHS[i : i + 1])
        torch.testing.assert_close(alone, reference[i : i + 1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_bag_only_builds_no_recurrent_layers_and_join_reads_both(bidirectional):
    torch.manual_seed(0)
    only = RNNSequenceModel(
        3,
        input_size=1,
        vocab_size=10,
        embedding_dim=4,
        hidden_size=3,
        bidirectional=bidirectional,
        num_layers=2,
        pooling="attention+last",
        frontend=("conv", {}),
        bag={"mode": "only", "ngrams": 2, "buckets": 7, "dropout": 0.0},
    )
    assert only.head.in_features == 4
    # Every weight is read by forward: the word rows, the n-gram rows and the head.
    assert [name for name, _ in only.named_parameters()] == [
        "backbone.embedding.weight",
        "ngram_bag.embedding.weight",
        "head.weight",
        "head.bias",
    ]
    assert not any(isinstance(m, torch.nn.RNNBase) for m in only.modules())
    assert only.backbone.frontend is None and only.attention is None
    only(TOKENS, TOKEN_LENGTHS).sum().backward()
    assert all(weight.grad is not None for weight in only.parameters())
    with pytest.raises(RuntimeError, match="recurrent=False"):
        only.backbone(TOKENS, TOKEN_LENGTHS)
    with pytest.raises(ValueError, match="set vocab_size"):
        RNNBackbone(2, recurrent=False)
    join = RNNSequenceModel(
        3,
        input_size=1,
        vocab_size=10,
        embedding_dim=4,
        hidden_size=3,
        pooling="mean+max",
        bag={"mode": "join", "ngrams": 1, "buckets": 7, "dropout": 0.0},
    )
    assert join.head.in_features == 4 + 2 * 3
    # Float input has no words: the bag is ignored.
    floats = RNNSequenceModel(3, input_size=2, hidden_size=3, bag={"mode": "only"})
    assert floats.bag is None and floats.head.in_features == 3
    with pytest.raises(ValueError, match="bag's mode must be one of"):
        RNNSequenceModel(3, input_size=1, vocab_size=10, bag={"mode": "sum"})


@pytest.mark.parametrize("nb_ngrams", [1, 2, 3])
def test_bag_nb_path_sums_distinct_words_and_ngrams_of_its_own_table(nb_ngrams):
    """The NB path's logits: over the distinct words and n-gram buckets of a
    sequence (up to ``nb_ngrams`` words, hashed into ``nb_buckets`` rows of
    its own), their ratio times their weight; repeats count once, padding
    never, and the embedding path's ``ngrams``/``n_buckets`` play no part."""
    x = torch.tensor([[5, 6, 7, 5, 6, 9], [8, 6, 0, 0, 0, 0], [7, 3, 3, 3, 0, 0]])
    lengths = torch.tensor([6, 2, 3])
    bag = HashedNgramBag(
        4, ngrams=1, n_buckets=7, nb_outputs=2, vocab_size=10, nb_ngrams=nb_ngrams, nb_buckets=13
    )
    assert bag.embedding is None  # the embedding path keeps the words alone
    assert bag.nb_weight.shape == bag.nb_ratio.shape == (10 + (13 if nb_ngrams > 1 else 0), 2)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        bag.nb_weight.copy_(torch.randn(bag.nb_weight.shape, generator=generator))
        bag.nb_ratio.copy_(torch.randn(bag.nb_ratio.shape, generator=generator))
    expected = torch.zeros(3, 2, dtype=torch.float64)
    for i, length in enumerate(lengths.tolist()):
        sequence = x[i, :length].tolist()
        rows = set(sequence)
        for n in range(2, nb_ngrams + 1):
            for start in range(length - n + 1):
                hashed = sequence[start]
                for token in sequence[start + 1 : start + n]:
                    hashed = (hashed * 1_000_003 + token) % 2_147_483_647
                rows.add(10 + (hashed * n) % 13)
        for row in rows:
            expected[i] += bag.nb_ratio[row].double() * bag.nb_weight[row].double()
    logits = bag.nb_logits(x, lengths)
    assert logits.dtype == torch.float64
    torch.testing.assert_close(logits, expected)
    # Any ids in the padding are never read.
    noisy = x.clone()
    noisy[torch.arange(6)[None, :] >= lengths[:, None]] = 4
    torch.testing.assert_close(bag.nb_logits(noisy, lengths), expected)
    # The gradient reaches the rows of the batch's words and n-grams only.
    bag.nb_logits(x, lengths).sum().backward()
    touched = set(torch.nonzero(bag.nb_weight.grad.abs().sum(1)).ravel().tolist())
    assert touched == set(bag.nb_features(x, lengths)[0].ravel().tolist()) - {0}
    # Without settings of its own, the path reads the embedding path's n-grams.
    shared = HashedNgramBag(4, ngrams=2, n_buckets=7, nb_outputs=2, vocab_size=10)
    assert shared.nb_weight.shape == (10 + 7, 2) and shared.embedding.num_embeddings == 7


def test_bag_word_dropout_acts_in_training_only():
    torch.manual_seed(0)
    words = torch.nn.Embedding(10, 4)
    bag = HashedNgramBag(4, dropout=0.5)
    embedded = words(TOKENS)
    torch.manual_seed(1)
    trained = bag.train()(TOKENS, TOKEN_LENGTHS, embedded)
    evaluated = bag.eval()(TOKENS, TOKEN_LENGTHS, embedded)
    assert not torch.allclose(trained[0], evaluated[0])
    torch.testing.assert_close(evaluated, bag.eval()(TOKENS, TOKEN_LENGTHS, embedded))
    # A dropped word is left out of the mean, not counted as a zero row: the
    # two-word sequence's bag is one of its words' rows, their mean, or zero.
    w8, w6 = words.weight[8], words.weight[6]
    allowed = [w8, w6, (w8 + w6) / 2, torch.zeros(4)]
    seen = set()
    for seed in range(20):
        torch.manual_seed(seed)
        row = bag.train()(TOKENS, TOKEN_LENGTHS, embedded)[1]
        matches = [i for i, a in enumerate(allowed) if torch.allclose(row, a)]
        assert len(matches) == 1, row
        seen.add(matches[0])
    assert {0, 1} & seen  # a single kept word happened


def test_frozen_embedding_gets_no_gradient():
    model = RNNSequenceModel(
        2, input_size=1, vocab_size=10, embedding_dim=4, hidden_size=3, freeze_embedding=True
    )
    model(TOKENS, TOKEN_LENGTHS).sum().backward()
    assert model.backbone.embedding.weight.grad is None
    assert model.head.weight.grad is not None


def test_bag_reads_character_ngrams_in_its_mean_and_its_nb_path():
    """With ``subword_rows``, each character n-gram id of a sequence
    (``subwords``, 0 padding) enters the mean with a row of its own table,
    as a word does, and the NB path with a row after the word n-grams'."""
    torch.manual_seed(0)
    words = torch.nn.Embedding(10, 4)
    embedded = words(TOKENS)
    subwords = torch.tensor([[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
    bag = HashedNgramBag(4, nb_outputs=2, vocab_size=10, subword_rows=5).eval()
    assert bag.subword_embedding.num_embeddings == 5
    assert bag.nb_weight.shape == (10 + 5, 2)
    out = bag(TOKENS, TOKEN_LENGTHS, embedded, subwords)
    table = bag.subword_embedding.weight
    first = torch.stack([*words.weight[[5, 6, 7, 5, 9]], table[1], table[2], table[2]])
    torch.testing.assert_close(out[0], first.mean(0))
    torch.testing.assert_close(out[1], torch.stack([*words.weight[[8, 6]], table[3]]).mean(0))
    torch.testing.assert_close(out[2], words.weight[7])  # no n-gram: its word alone
    # Without subwords the bag is the words' mean, as before.
    torch.testing.assert_close(
        bag(TOKENS, TOKEN_LENGTHS, embedded)[1], words.weight[[8, 6]].mean(0)
    )
    # More padding of the n-grams changes nothing.
    wider = torch.cat([subwords, torch.zeros(3, 3, dtype=torch.int64)], dim=1)
    torch.testing.assert_close(bag(TOKENS, TOKEN_LENGTHS, embedded, wider), out)
    # The NB path: distinct n-grams once each, after the 10 word rows.
    rows, keep = bag.nb_features(TOKENS, TOKEN_LENGTHS, subwords)
    assert set(rows[0][keep[0]].tolist()) == {5, 6, 7, 9, 11, 12}
    assert set(rows[2][keep[2]].tolist()) == {7}
    # Each path can go without them.
    mean_only = HashedNgramBag(4, nb_outputs=2, vocab_size=10, subword_rows=5, subword_nb=False)
    assert mean_only.nb_weight.shape == (10, 2)
    nb_only = HashedNgramBag(4, nb_outputs=2, vocab_size=10, subword_rows=5, subword_mean=False)
    assert nb_only.subword_embedding is None and nb_only.nb_weight.shape == (15, 2)
