"""Search beyond one process: GridSearchCV through joblib's Dask backend on a real
distributed.LocalCluster with two worker processes."""

import os

import joblib
import numpy as np
import pytest
import torch
from distributed import Client, LocalCluster
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier

FAST = {"hidden_size": 8, "max_epochs": 3, "random_state": 0, "device": "cpu"}
GRID = {"cell": ["lstm", "gru"], "pooling": ["last", "mean+max"]}


class RecordThreads(Callback):
    def on_train_begin(self, net, **kwargs):
        net.threads_seen_ = torch.get_num_threads()


@pytest.fixture(scope="module")
def client():
    # Each worker holds one "GPU" resource, as `dask worker --resources GPU=1`
    # gives it (docs/user_guide/estimators.md); nothing here needs a real GPU.
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        resources={"GPU": 1},
    )
    with Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = [rng.randn(rng.randint(3, 12), 3).astype(np.float32) for _ in range(60)]
    y = np.array([int(x[-1, 0] > 0) for x in X])
    return X, y


def test_grid_search_on_dask_equals_the_sequential_search(client, data):
    X, y = data
    assert len(client.scheduler_info()["workers"]) == 2
    search = GridSearchCV(RNNClassifier(**FAST), GRID, cv=2)
    with joblib.parallel_backend("dask"):
        on_dask = clone(search).fit(X, y)
    # The workers run torch with one thread (below); so does the reference,
    # so that both sum in the same order.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        sequential = clone(search).set_params(n_jobs=1).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], sequential.cv_results_[key])
    assert on_dask.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(on_dask.predict(X), sequential.predict(X))


def test_dask_workers_do_not_oversubscribe_threads(client, data):
    """Each of the k worker processes uses about cores/k torch threads: Dask's
    nanny sets OMP_NUM_THREADS for its workers, which torch reads at import."""
    X, y = data
    est = RNNClassifier(**FAST, callbacks=[("threads", RecordThreads())])

    def fit_and_count(hidden_size):
        return clone(est).set_params(hidden_size=hidden_size).fit(X, y).net_.threads_seen_

    with joblib.parallel_backend("dask"):
        counts = Parallel()(delayed(fit_and_count)(h) for h in (4, 8, 12, 16))
    workers = len(client.scheduler_info()["workers"])
    assert all(workers * count <= max(os.cpu_count(), workers) for count in counts), counts


class RecordFreeGPUs(Callback):
    def on_train_begin(self, net, **kwargs):
        from distributed import get_worker

        net.free_gpus_ = get_worker().state.available_resources["GPU"]


def test_dask_search_holds_one_gpu_resource_per_fit(client, data):
    """The documented recipe for one GPU per fit: workers started with the
    resource GPU=1, and the search run under
    ``joblib.parallel_backend("dask", resources={"GPU": 1})``, which joblib
    passes to ``Client.submit``. While a fit runs, its worker has no GPU left
    for another; without the argument, the resource is not taken."""
    X, y = data
    est = RNNClassifier(**FAST, callbacks=[("gpus", RecordFreeGPUs())])

    def fit_and_count(hidden_size):
        return clone(est).set_params(hidden_size=hidden_size).fit(X, y).net_.free_gpus_

    with joblib.parallel_backend("dask", resources={"GPU": 1}):
        held = Parallel()(delayed(fit_and_count)(h) for h in (4, 8, 12))
    with joblib.parallel_backend("dask"):
        not_held = Parallel()(delayed(fit_and_count)(h) for h in (4, 8))
    assert held == [0, 0, 0]
    assert not_held == [1, 1]
