"""The package's own estimator checks: sequence invariants any estimator must keep.

sklearn's ``check_estimator`` knows nothing of sequences. These checks do:
they are run over every estimator of the package by ``tests/test_common.py``,
and an estimator written on top of the package can run them too::

    from sklearn_rnn.estimator_checks import check_sequence_estimator
    check_sequence_estimator(MyEstimator(max_epochs=2, random_state=0))

Each check fits the estimator (cloned) on small generated ragged data with
targets of the kind its tags declare: class labels for classifiers, real
values for regressors, one label per step when the estimator says so with a
true ``_labels_per_step`` class attribute (``RNNTagger``), label sequences
when it takes neither 1-D nor 2-D labels (``CTCTranscriber``). Per-step
outputs are compared over each sample's real steps only.
"""

import pickle

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor

__all__ = [
    "SEQUENCE_CHECKS",
    "check_clone_and_pickle",
    "check_determinism",
    "check_order_restoration",
    "check_padding_invariance",
    "check_sequence_estimator",
]


def _data(estimator, n_samples=24, n_features=3, seed=0):
    """Ragged float sequences (lengths 3..14) and targets of the estimator's kind."""
    rng = np.random.RandomState(seed)
    X = [rng.randn(rng.randint(3, 15), n_features).astype(np.float32) for _ in range(n_samples)]
    first = np.array([x[0, 0] for x in X])
    if getattr(estimator, "_labels_per_step", False):
        # A step's label reads its own and the next step, so a wrong
        # alignment or a leak across samples shows in the outputs.
        y = [np.where(x[:, 0] + np.r_[x[1:, 1], 0.0] > 0, "up", "down") for x in X]
        y[0][:2] = ["up", "down"]
    elif is_classifier(estimator):
        y = np.where(first > 0, "up", "down")
        y[:2] = ["up", "down"]
    elif is_regressor(estimator):
        y = first + np.array([x[-1, 1] for x in X])
    else:  # label sequences, short enough for any length
        y = ["ab"[int(a > 0)] + "ab"[int(b > 0)] for a, b in zip(first, [x[-1, 0] for x in X])]
    return X, y


def _outputs(estimator, X):
    """The estimator's richest per-sample output, as a list of float arrays.

    A masked output (per-step outputs of masked X) keeps each sample's real
    steps only: what lies under the mask is padding, not an output.
    """
    for method in ("predict_proba", "predict_log_proba", "predict"):
        if hasattr(estimator, method):
            out = getattr(estimator, method)(X)
            break
    if np.ma.isMaskedArray(out):
        rows = []
        for row in out:
            steps = np.ma.getmaskarray(row).reshape(len(row), -1).all(axis=1)
            rows.append(np.ma.getdata(row)[~steps])
        out = rows
    return [np.asarray(row, dtype=np.float64) for row in out]


def _assert_outputs_equal(actual, expected, what, atol=1e-6):
    assert len(actual) == len(expected), f"{what}: {len(actual)} outputs for {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        if a.shape != e.shape or not np.allclose(a, e, rtol=1e-5, atol=atol):
            raise AssertionError(f"{what}: the output of sample {i} differs ({a!r} vs {e!r}).")


def check_padding_invariance(name, estimator):
    """A sample's output is the same alone, among long neighbours, or padded.

    Padding never leaks: predicting a sample alone, in a batch with 200-step
    neighbours, or from a pre-padded masked array whose padding holds 1e6
    gives the same output.
    """
    X, y = _data(estimator)
    est = clone(estimator).fit(X, y)
    together = _outputs(est, X)
    alone = [_outputs(est, [x])[0] for x in X[:5]]
    _assert_outputs_equal(alone, together[:5], f"{name}: alone vs in a batch")
    rng = np.random.RandomState(1)
    long_ones = [10 * rng.randn(200, X[0].shape[1]).astype(np.float32) for _ in range(3)]
    with_long = _outputs(est, X[:5] + long_ones)[:5]
    _assert_outputs_equal(with_long, together[:5], f"{name}: next to 200-step sequences")
    width = max(len(x) for x in X)
    padded = np.ma.masked_all((len(X), width, X[0].shape[1]), dtype=np.float32)
    for i, x in enumerate(X):
        padded[i, width - len(x) :] = x
    padded.data[padded.mask] = 1e6
    _assert_outputs_equal(_outputs(est, padded), together, f"{name}: pre-padded with 1e6")


def check_order_restoration(name, estimator):
    """Outputs come back in the input's order, whatever the lengths' order."""
    X, y = _data(estimator)
    est = clone(estimator).fit(X, y)
    outputs = _outputs(est, X)
    permutation = np.random.RandomState(2).permutation(len(X))
    permuted = _outputs(est, [X[i] for i in permutation])
    _assert_outputs_equal(permuted, [outputs[i] for i in permutation], f"{name}: permuted input")
    reversed_by_length = np.argsort([-len(x) for x in X], kind="stable")
    outputs_by_length = _outputs(est, [X[i] for i in reversed_by_length])
    _assert_outputs_equal(
        outputs_by_length, [outputs[i] for i in reversed_by_length], f"{name}: longest first"
    )


def check_determinism(name, estimator):
    """The same ``random_state`` gives the same model on CPU; another one does not."""
    X, y = _data(estimator)
    params = {"random_state": 0, "device": "cpu"}
    first = _outputs(clone(estimator).set_params(**params).fit(X, y), X)
    second = _outputs(clone(estimator).set_params(**params).fit(X, y), X)
    _assert_outputs_equal(second, first, f"{name}: refit with the same random_state", atol=0)
    other = _outputs(clone(estimator).set_params(random_state=1, device="cpu").fit(X, y), X)
    assert any(o.shape != f.shape or not np.allclose(o, f) for o, f in zip(other, first)), (
        f"{name}: random_state=1 gave the same model as random_state=0"
    )


def check_clone_and_pickle(name, estimator):
    """Pickling keeps the outputs; a clone is unfitted, equal in parameters, and refits the same."""
    X, y = _data(estimator)
    est = clone(estimator).set_params(random_state=0, device="cpu").fit(X, y)
    outputs = _outputs(est, X)
    restored = pickle.loads(pickle.dumps(est))
    _assert_outputs_equal(_outputs(restored, X), outputs, f"{name}: after pickling", atol=0)
    cloned = clone(est)
    assert not hasattr(cloned, "net_"), f"{name}: a clone must not be fitted"
    assert cloned.get_params() == est.get_params(), f"{name}: a clone changed parameters"
    _assert_outputs_equal(_outputs(cloned.fit(X, y), X), outputs, f"{name}: refitted clone", atol=0)


#: Every sequence check, in the order ``check_sequence_estimator`` runs them.
SEQUENCE_CHECKS = (
    check_padding_invariance,
    check_order_restoration,
    check_determinism,
    check_clone_and_pickle,
)


def check_sequence_estimator(estimator):
    """Run every check of :data:`SEQUENCE_CHECKS` on ``estimator``."""
    name = type(estimator).__name__
    for check in SEQUENCE_CHECKS:
        check(name, estimator)
