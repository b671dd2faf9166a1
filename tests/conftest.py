import os

import numpy as np
import pytest
import torch

from sklearn_rnn.datasets import make_order_regression, make_order_task

# Under pytest-xdist each worker gets its share of the cores, not all of them:
# two workers with two torch threads each on two cores run many times slower.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(
        max(1, (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    )
#: numba's first parallel run (sktime's MiniRocket, in the tests that compare
#: against it) resets the process's OpenMP thread count, torch's included:
#: every test starts with the count set above.
TORCH_THREADS = torch.get_num_threads()


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)  # noqa: NPY002 (sklearn code under test may draw from it)
    torch.manual_seed(0)
    torch.set_num_threads(TORCH_THREADS)


@pytest.fixture(scope="session")
def order_data():
    """Small order-dependent classification task, split into train and test."""
    X, y = make_order_task(n_samples=700, min_len=5, max_len=25, random_state=0)
    return X[:500], y[:500], X[500:], y[500:]


@pytest.fixture(scope="session")
def order_data_large():
    """The same task with 1000 training sequences: a vanilla tanh RNN overfits
    500 (train accuracy 1.0, held-out about 0.92) and needs about this many."""
    X, y = make_order_task(n_samples=1400, min_len=5, max_len=25, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


@pytest.fixture(scope="session")
def order_regression_data():
    X, y = make_order_regression(n_samples=900, min_len=5, max_len=20, random_state=0)
    return X[:700], y[:700], X[700:], y[700:]


@pytest.fixture(scope="session")
def ragged_data():
    """Tiny ragged data for contract tests (fast to fit)."""
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 12), 3).astype(np.float32) for _ in range(40)]
    y = np.array([int(x[0, 0] > x[-1, 0]) for x in X])
    return X, y
