"""
=======================================================
Choosing a backbone by grid search, locally and on Dask
=======================================================

Which recurrent cell, and is a backward direction worth its cost? We let
:class:`~sklearn.model_selection.GridSearchCV` decide on an order-dependent
task (:func:`~sklearn_rnn.datasets.make_order_task`: the label depends on the
order of events in a variable-length sequence), show the results as a table,
then run the same search on a Dask cluster through joblib and check that it
finds the same scores.
"""

# %%
# The search
# ----------
# 2 cells x 2 directions x 3 folds = 12 fits, plus the refit of the best.
# Shortened for the documentation build: 400 sequences, 16 hidden units, 12
# epochs per fit.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_order_task

X, y = make_order_task(n_samples=400, random_state=0)
X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:], y[300:]

param_grid = {"cell": ["lstm", "gru"], "bidirectional": [False, True]}
search = GridSearchCV(
    RNNClassifier(hidden_size=16, max_epochs=12, random_state=0), param_grid, cv=3
)
start = time.perf_counter()
search.fit(X_train, y_train)
local_time = time.perf_counter() - start
print(f"local search: {local_time:.1f} s; best {search.best_params_}")
print(f"test accuracy of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# The results table
# -----------------
# ``cv_results_`` is a dict of arrays; as a DataFrame it is a table with one
# row per candidate.
columns = [
    "param_cell",
    "param_bidirectional",
    "mean_test_score",
    "std_test_score",
    "mean_fit_time",
    "rank_test_score",
]
results = pd.DataFrame(search.cv_results_)[columns].sort_values("rank_test_score")
print(results.to_string(index=False))

# %%
fig, ax = plt.subplots(figsize=(6, 3))
labels = [
    f"{cell}{' bidirectional' if bi else ''}"
    for cell, bi in zip(results["param_cell"], results["param_bidirectional"])
]
ax.barh(labels, results["mean_test_score"], xerr=results["std_test_score"], color="C0")
ax.set_xlabel("mean cross-validated accuracy")
ax.set_xlim(0, 1)
ax.invert_yaxis()
fig.tight_layout()
plt.show()

# %%
# The same search on a Dask cluster
# ---------------------------------
# joblib's ``"dask"`` backend sends each fit to a Dask worker; the estimators
# need no change (they pickle and keep no global state). Here the cluster is
# two local worker processes with one thread each; point a
# :class:`~distributed.Client` at a real scheduler to use many machines.
#
# Worker processes start as new Python processes, which import the script
# that starts them, as in any multiprocessing code: the
# ``if __name__ == "__main__":`` guard keeps them from starting a cluster of
# their own. (Run as a script, this file's workers also repeat the local
# search above on import; in real code, put the work in a function called
# under the guard.)
import joblib
from distributed import Client, LocalCluster

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            dask_search = GridSearchCV(search.estimator, param_grid, cv=3)
            start = time.perf_counter()
            with joblib.parallel_backend("dask"):
                dask_search.fit(X_train, y_train)
            n_workers = len(client.scheduler_info()["workers"])
            print(f"Dask search: {time.perf_counter() - start:.1f} s on {n_workers} workers")

    # Each fit is seeded by random_state, so it is the same on either backend.
    score_keys = [key for key in search.cv_results_ if key.endswith("test_score")]
    same_scores = all(
        np.array_equal(search.cv_results_[key], dask_search.cv_results_[key]) for key in score_keys
    )
    print(f"same {', '.join(score_keys)} on Dask as locally: {same_scores}")
    print(f"same best parameters: {search.best_params_ == dask_search.best_params_}")
    dask_results = pd.DataFrame(dask_search.cv_results_)[columns]
    print(dask_results.sort_values("rank_test_score").to_string(index=False))
