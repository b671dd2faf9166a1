"""Streaming fit and prediction from a SequenceStore (sklearn_rnn.streaming)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor, RNNTagger
from sklearn_rnn.streaming import SequenceStore, fit_stream, predict_stream

_SETTINGS = {"hidden_size": 8, "batch_size": 16, "random_state": 0, "device": "cpu"}


def _chunk(n, start, seed):
    """``n`` ragged sequences whose first step's feature 0 is their position
    in the store (``start + i``), so that a batch says which sequences it
    holds; the label is the sign of feature 1's mean."""
    rng = np.random.RandomState(seed)
    X = [rng.randn(rng.randint(3, 12), 2).astype(np.float32) for _ in range(n)]
    for i, x in enumerate(X):
        x[0, 0] = start + i
    return X, np.array([int(x[1:, 1].mean() > 0) for x in X])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store")
    return SequenceStore.create(path, [_chunk(100, 0, 0), _chunk(100, 100, 1), _chunk(50, 200, 2)])


class _Seen(Callback):
    """The store positions of the sequences of every training batch."""

    def __init__(self):
        self.seen = []

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.seen.extend(batch[0]["x"][:, 0, 0].round().long().tolist())


def test_the_store_holds_the_chunks_in_order(store):
    assert (len(store), store.n_features, store.has_targets) == (250, 2, True)
    X, y = store.read(95, 105)
    expected = [*_chunk(100, 0, 0)[0][95:], *_chunk(100, 100, 1)[0][:5]]
    assert len(X) == 10 and all(np.array_equal(X[i], expected[i]) for i in range(10))
    np.testing.assert_array_equal(y, np.r_[_chunk(100, 0, 0)[1][95:], _chunk(100, 100, 1)[1][:5]])
    # Ordinary .npy files: numpy opens them.
    values = np.load(store.path / "values.npy", mmap_mode="r")
    offsets = np.load(store.path / "offsets.npy")
    np.testing.assert_array_equal(values[offsets[95] : offsets[96]], expected[0])


def test_fit_stream_trains_on_every_sequence_once_per_epoch(store):
    seen = _Seen()
    clf = RNNClassifier(**_SETTINGS, callbacks=[("seen", seen)])
    fit_stream(clf, store, epochs=2, chunk_size=64, random_state=0)
    first, second = seen.seen[:250], seen.seen[250:]
    assert sorted(first) == sorted(second) == list(range(250))
    assert first != second  # shuffled anew
    assert len(clf.history_) == 2 * 4  # one partial_fit per chunk and epoch
    # Chunks are read in a random order, not the store's.
    assert first[:64] != sorted(first[:64]) and sorted(first[:64]) != list(range(64))


def test_fit_stream_is_deterministic_given_the_random_states(store):
    def fit(random_state):
        seen = _Seen()
        clf = RNNClassifier(**_SETTINGS, callbacks=[("seen", seen)])
        fit_stream(clf, store, epochs=1, chunk_size=64, random_state=random_state)
        return seen.seen, [p.detach().numpy() for p in clf.net_.module_.parameters()]

    (order_a, weights_a), (order_b, weights_b) = fit(0), fit(0)
    assert order_a == order_b
    assert all(np.array_equal(a, b) for a, b in zip(weights_a, weights_b))
    order_c, _ = fit(1)
    assert order_c != order_a


def test_fit_stream_learns_the_classes_of_the_whole_store(tmp_path):
    # The first chunk holds class 0 only; partial_fit must still learn both.
    X, y = _chunk(60, 0, 0)
    store = SequenceStore.create(tmp_path, [(X[:30], np.zeros(30, int)), (X[30:], y[30:])])
    clf = fit_stream(RNNClassifier(**_SETTINGS), store, chunk_size=30, random_state=0)
    np.testing.assert_array_equal(clf.classes_, [0, 1])


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_predict_stream_equals_prediction_in_memory(store, tmp_path, method):
    clf = RNNClassifier(**_SETTINGS, max_epochs=2)
    X, y = store.read(0, len(store))
    clf.fit(X, y)
    streamed = predict_stream(clf, store, tmp_path / "out.npy", method=method, chunk_size=64)
    np.testing.assert_array_equal(streamed, getattr(clf, method)(X))
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), streamed)


def test_predict_stream_of_a_regressor(store, tmp_path):
    X, y = store.read(0, len(store))
    reg = RNNRegressor(**_SETTINGS, max_epochs=1).fit(X, y.astype(float))
    streamed = predict_stream(reg, store, tmp_path / "out.npy", chunk_size=100)
    np.testing.assert_array_equal(streamed, reg.predict(X))


def test_stores_of_token_ids(tmp_path):
    rng = np.random.RandomState(0)
    X = [rng.randint(2, 30, size=rng.randint(2, 9)) for _ in range(40)]
    store = SequenceStore.create(
        tmp_path, [(X[:25], np.arange(25) % 2), (X[25:], np.arange(15) % 2)]
    )
    assert store.n_features is None
    Xr, _ = store.read(0, 40)
    assert Xr.is_tokens and all(np.array_equal(Xr[i], X[i]) for i in range(40))


def test_bad_input_is_refused(store, tmp_path):
    with pytest.raises(ValueError, match="is not a SequenceStore"):
        SequenceStore(tmp_path)
    with pytest.raises(ValueError, match="targets, unlike the first"):
        SequenceStore.create(tmp_path / "a", [_chunk(5, 0, 0), _chunk(5, 5, 1)[0]])
    with pytest.raises(ValueError, match="5 sequences but 4 targets"):
        SequenceStore.create(tmp_path / "b", [(_chunk(5, 0, 0)[0], [0, 1, 0, 1])])
    with pytest.raises(ValueError, match="chunks is empty"):
        SequenceStore.create(tmp_path / "c", [])
    no_targets = SequenceStore.create(tmp_path / "d", [_chunk(5, 0, 0)[0]])
    with pytest.raises(ValueError, match="fit_stream needs targets"):
        fit_stream(RNNClassifier(**_SETTINGS), no_targets)
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        fit_stream(RNNClassifier(**_SETTINGS), store, chunk_size=0)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit_stream(RNNClassifier(**_SETTINGS), store, epochs=0)
    with pytest.raises(ValueError, match="store must be a SequenceStore"):
        fit_stream(RNNClassifier(**_SETTINGS), store.read(0, 10))
    with pytest.raises(ValueError, match="out of the store's 250"):
        store.read(200, 260)
    with pytest.raises(NotFittedError):
        predict_stream(RNNClassifier(**_SETTINGS), store, tmp_path / "e.npy")
    clf = RNNClassifier(**_SETTINGS, max_epochs=1).fit(*store.read(0, 50))
    with pytest.raises(ValueError, match="has no method 'transform'"):
        predict_stream(clf, store, tmp_path / "f.npy", method="transform")
    X, _ = store.read(0, 20)
    tagger = RNNTagger(**_SETTINGS, max_epochs=1).fit(X, [(x[:, 1] > 0).astype(int) for x in X])
    with pytest.raises(ValueError, match="one numeric row per sequence"):
        predict_stream(tagger, store, tmp_path / "h.npy")
