"""Length bucketing and per-batch padding."""

import numpy as np

from sklearn_rnn._data import BucketBatchSampler, SequenceDataset, pad_batch
from sklearn_rnn._validation import check_sequences


def _lengths():
    rng = np.random.default_rng(0)
    return np.clip(np.round(rng.lognormal(np.log(40), 0.7, 3000)), 5, 400).astype(int)


def _padded_steps(batches, lengths):
    return sum(len(b) * lengths[b].max() for b in batches)


def test_bucketing_covers_every_sample_once_with_little_padding():
    lengths = _lengths()
    sampler = BucketBatchSampler(
        lengths, 64, shuffle=True, bucket=True, random_state=np.random.default_rng(0)
    )
    first, second = list(sampler), list(sampler)
    assert len(first) == len(sampler) == -(-len(lengths) // 64)
    assert np.array_equal(np.sort(np.concatenate(first)), np.arange(len(lengths)))
    # A new epoch draws new batches.
    assert any(not np.array_equal(a, b) for a, b in zip(first, second))
    unbucketed = BucketBatchSampler(
        lengths, 64, shuffle=True, bucket=False, random_state=np.random.default_rng(0)
    )
    waste = _padded_steps(first, lengths) / lengths.sum() - 1
    assert waste < 0.1
    assert _padded_steps(list(unbucketed), lengths) / lengths.sum() - 1 > 2 * waste


def test_on_one_length_bucketed_and_random_batches_are_the_same():
    # bucketing="auto" switches on size alone, so data of one length must not
    # see its training change when the rule flips.
    def batches(bucket, lengths):
        rng = np.random.default_rng(5)
        sampler = BucketBatchSampler(lengths, 16, shuffle=True, bucket=bucket, random_state=rng)
        return [list(b) for epoch in range(2) for b in sampler]

    one_length = np.full(100, 7)
    assert batches(True, one_length) == batches(False, one_length)
    # Random batches are random in their order too, not in index order.
    assert batches(False, one_length)[0] != list(range(16))
    assert batches(True, _lengths()) != batches(False, _lengths())


def test_same_seed_same_batches_and_prediction_order():
    lengths = _lengths()

    def batches(seed):
        rng = np.random.default_rng(seed)
        return list(BucketBatchSampler(lengths, 32, shuffle=True, bucket=True, random_state=rng))

    assert all(np.array_equal(a, b) for a, b in zip(batches(3), batches(3)))
    ordered = list(BucketBatchSampler(lengths, 32, shuffle=False, bucket=True, random_state=None))
    assert np.all(np.diff(lengths[np.concatenate(ordered)]) >= 0)


def test_pad_batch_and_fixed_length_fast_path_agree():
    rng = np.random.default_rng(0)
    ragged = check_sequences([rng.normal(size=(n, 2)) for n in (3, 1, 4)])
    x, lengths = pad_batch(ragged, np.array([2, 1]))
    assert x.shape == (2, 4, 2) and lengths.tolist() == [4, 1]
    assert np.array_equal(x[1, 0].numpy(), ragged[1][0]) and not x[1, 1:].any()
    fixed = check_sequences(rng.normal(size=(5, 3, 2)).astype(np.float32))
    fast, _ = SequenceDataset(fixed).__getitems__([4, 0])
    slow, _ = pad_batch(fixed, np.array([4, 0]))
    assert np.array_equal(fast["x"].numpy(), slow.numpy())
    assert fast["lengths"].tolist() == [3, 3]


def test_rebuild_steps_returns_per_step_outputs_in_x_form():
    """One output row per input step comes back in the form X was given."""
    from sklearn_rnn._validation import rebuild_steps

    rng = np.random.default_rng(0)
    ragged = [rng.normal(size=(n, 2)) for n in (3, 1, 4)]
    # Ragged X: a list of per-sample rows; scalar rows or vector rows alike.
    sequences = check_sequences(ragged)
    total = int(sequences.offsets[-1])
    labels = np.arange(total)
    vectors = np.arange(total * 3.0).reshape(total, 3)
    rows = rebuild_steps(labels, sequences)
    assert isinstance(rows, list) and [r.tolist() for r in rows] == [[0, 1, 2], [3], [4, 5, 6, 7]]
    assert [r.shape for r in rebuild_steps(vectors, sequences)] == [(3, 3), (1, 3), (4, 3)]
    # 2-D and 3-D X: an (n_samples, T[, ...]) array.
    fixed = rng.normal(size=(2, 5))
    assert rebuild_steps(np.arange(10), check_sequences(fixed)).tolist() == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
    ]
    assert rebuild_steps(np.zeros((10, 3)), check_sequences(fixed[:, :, None])).shape == (2, 5, 3)
    # Masked X (pre-padded): X's step mask, the real steps in order.
    masked = np.ma.masked_all((3, 4, 2))
    for i, x in enumerate(ragged):
        masked[i, 4 - len(x) :] = x
    out = rebuild_steps(vectors, check_sequences(masked))
    assert isinstance(out, np.ma.MaskedArray) and out.shape == (3, 4, 3)
    np.testing.assert_array_equal(out.mask[..., 0], masked.mask.all(axis=2))
    assert [row.compressed().reshape(-1, 3).tolist() for row in out] == [
        r.tolist() for r in rebuild_steps(vectors, sequences)
    ]
