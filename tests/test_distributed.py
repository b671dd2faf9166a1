"""Data-parallel training (``device=DataParallel()``) on CPU processes.

The fits run in processes launched the standard way, ``python -m
torch.distributed.run`` (torchrun), with the gloo backend; each process runs
``tests/distributed_fit.py`` and leaves what it saw and learnt in a file.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor, load
from sklearn_rnn._data import BucketBatchSampler
from sklearn_rnn.components import DataParallel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from distributed_fit import SETTINGS, make_data  # noqa: E402


def _launch(out, n_processes):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(sklearn_rnn.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={n_processes}",
        os.path.join(HERE, "distributed_fit.py"),
        str(out),
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = []
    for rank in range(n_processes):
        with open(out / f"rank{rank}.pkl", "rb") as file:
            results.append(pickle.load(file))
    return results


def test_a_fit_on_two_processes(tmp_path):
    # One launch (about 10 s) for every check of the two-process fits: the
    # checks are the functions below.
    two_processes = tmp_path, _launch(tmp_path, 2)
    _check_each_process_reads_only_its_share_of_the_batches(two_processes)
    _check_every_process_ends_with_the_same_network_and_history(two_processes)
    _check_same_random_state_gives_the_same_model_for_two_processes(two_processes)
    _check_two_processes_learn_as_well_as_one_within_the_seed_spread(two_processes)
    _check_the_fitted_estimator_is_an_ordinary_one(two_processes)
    _check_processes_agree_on_early_stopping(two_processes)
    _check_processes_given_different_data_refuse_it(two_processes)
    _check_a_checkpoint_written_by_rank_0_resumes_every_process(two_processes)
    _check_a_fixed_branch_trains_alike_in_every_process(two_processes)


def _samples(batches):
    return [i for batch in batches for i in batch]


def _check_each_process_reads_only_its_share_of_the_batches(two_processes):
    _, ranks = two_processes
    n_samples = len(make_data(640, 0)[1])
    for fit in range(2):
        epochs = [rank["fits"][fit]["batches"] for rank in ranks]
        assert len(epochs[0]) == len(epochs[1]) == SETTINGS["max_epochs"]
        for first, second in zip(*epochs):
            # 640 samples = 20 batches of 32: 10 each, disjoint, covering.
            assert len(first) == len(second) == 10
            seen = [_samples(first), _samples(second)]
            assert not set(seen[0]) & set(seen[1])
            assert sorted(seen[0] + seen[1]) == list(range(n_samples))
        # Shuffled anew every epoch.
        assert epochs[0][0] != epochs[0][1]


def _check_every_process_ends_with_the_same_network_and_history(two_processes):
    _, ranks = two_processes
    first, second = (rank["fits"][0] for rank in ranks)
    assert first["weights"].keys() == second["weights"].keys()
    for key in first["weights"]:
        np.testing.assert_array_equal(first["weights"][key], second["weights"][key])
    # train_loss is the mean of the processes' (each saw its own batches).
    assert first["train_loss"] == second["train_loss"]
    assert first["device_"] == "cpu"


def _check_same_random_state_gives_the_same_model_for_two_processes(two_processes):
    _, ranks = two_processes
    first, second = ranks[0]["fits"]
    assert first["batches"] == second["batches"]
    for key in first["weights"]:
        np.testing.assert_array_equal(first["weights"][key], second["weights"][key])
    np.testing.assert_array_equal(first["proba"], second["proba"])


def _check_two_processes_learn_as_well_as_one_within_the_seed_spread(two_processes):
    _, ranks = two_processes
    X, y = make_data(640, 0)
    X_test, y_test = make_data(400, 1)
    scores = [
        RNNClassifier(**SETTINGS, device="cpu", random_state=seed).fit(X, y).score(X_test, y_test)
        for seed in range(4)
    ]
    spread = max(scores) - min(scores)
    score = ranks[0]["fits"][0]["score"]
    assert min(scores) > 0.75  # the task is learnt
    assert min(scores) - spread <= score <= max(scores) + spread, (score, scores)


def _check_the_fitted_estimator_is_an_ordinary_one(two_processes):
    out, ranks = two_processes
    X_test, _ = make_data(400, 1)
    expected = ranks[0]["fits"][1]["proba"]
    with open(out / "model.pkl", "rb") as file:
        unpickled = pickle.load(file)  # in this process: no process group
    np.testing.assert_array_equal(unpickled.predict_proba(X_test), expected)
    assert unpickled.net_.distributed is not None  # how it was trained...
    assert getattr(unpickled.net_, "_parallel_module", None) is None  # ...but no group kept
    loaded = load(out / "model.safetensors")
    assert loaded.device == DataParallel(backend="gloo")
    np.testing.assert_allclose(loaded.predict_proba(X_test), expected, rtol=0, atol=1e-12)


def _check_processes_agree_on_early_stopping(two_processes):
    _, ranks = two_processes
    epochs = [rank["early_stopping_epochs"] for rank in ranks]
    assert epochs[0] == epochs[1] < 30


def _check_a_checkpoint_written_by_rank_0_resumes_every_process(two_processes):
    _, ranks = two_processes
    for rank in ranks:
        # One file (rank 0's), seen by both processes after the interruption.
        assert len(rank["checkpoint_files"]) == 1
        assert rank["resumed_epochs"] == SETTINGS["max_epochs"]
        # Resumed, the fit ends with the uninterrupted fit's weights.
        for key, value in ranks[0]["fits"][0]["weights"].items():
            np.testing.assert_array_equal(rank["resumed_weights"][key], value)


def _check_a_fixed_branch_trains_alike_in_every_process(two_processes):
    _, ranks = two_processes
    first, second = (rank["rocket"] for rank in ranks)
    assert (first["weights"]["branch.biases"] != 0).any()
    for key in first["weights"]:
        np.testing.assert_array_equal(first["weights"][key], second["weights"][key])
    np.testing.assert_array_equal(first["proba"], second["proba"])
    # The head learnt weights on the branch's features.
    assert (first["weights"]["head.weight"][:, -168:] != 0).any()


def _check_processes_given_different_data_refuse_it(two_processes):
    _, ranks = two_processes
    for rank in ranks:
        assert "different training data" in rank["different_data_error"]


def test_one_process_gives_the_plain_fit(tmp_path):
    (rank,) = _launch(tmp_path, 1)
    X, y = make_data(640, 0)
    plain = RNNClassifier(**SETTINGS, device="cpu", random_state=0).fit(X, y)
    weights = rank["fits"][0]["weights"]
    for key, value in plain.net_.module_.state_dict().items():
        np.testing.assert_array_equal(weights[key], value.numpy())


def test_uneven_batches_are_dealt_so_that_every_process_takes_as_many():
    lengths = np.random.RandomState(0).randint(1, 30, size=19 * 8 - 3)  # 19 batches
    shares = []
    for rank in range(2):
        sampler = BucketBatchSampler(
            lengths,
            8,
            shuffle=True,
            bucket=True,
            random_state=np.random.default_rng(0),
            shard=(rank, 2),
        )
        shares.append([list(batch) for batch in sampler])
        assert len(sampler) == len(shares[-1]) == 10
    whole = list(
        BucketBatchSampler(
            lengths, 8, shuffle=True, bucket=True, random_state=np.random.default_rng(0)
        )
    )
    # Rank 0 takes the even batches; rank 1 the odd ones and then the first again.
    assert shares[0] == [list(b) for b in whole[0::2]]
    assert shares[1] == [list(b) for b in whole[1::2]] + [list(whole[0])]


def test_data_parallel_is_a_component_of_device():
    clf = RNNClassifier(device=DataParallel(backend="gloo"))
    assert clf.get_params()["device__backend"] == "gloo"
    copy = clone(clf).set_params(device__backend="auto")
    assert copy.device.backend == "auto" and clf.device.backend == "gloo"
    search = GridSearchCV(clf, {"device__backend": ["auto", "gloo"]})
    assert search.get_params()["estimator__device__backend"] == "gloo"


def test_data_parallel_without_a_launcher_is_refused(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    X, y = make_data(40, 0)
    for cls in (RNNClassifier, RNNRegressor):
        with pytest.raises(ValueError, match="torchrun --nproc_per_node 2"):
            cls(device=DataParallel(backend="gloo"), max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="backend"):
        RNNClassifier(device=DataParallel(backend="mpi")).fit(X, y)
