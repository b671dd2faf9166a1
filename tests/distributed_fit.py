"""One process of the data-parallel fits of tests/test_distributed.py.

Launched by ``torchrun --nproc_per_node N distributed_fit.py OUT`` (or with
``WORLD_SIZE`` and friends set by hand). Every process fits the same
estimators on the same data with ``device=DataParallel(backend="gloo")``,
records the training samples its batches held, and writes what it saw and
learnt to ``OUT/rank{rank}.pkl``; rank 0 also saves its fitted estimator.
"""

import os
import pickle
import sys
import warnings

import numpy as np
import torch
import torch.distributed as dist
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier
from sklearn_rnn._data import BucketBatchSampler
from sklearn_rnn.components import DataParallel, RocketBranch

#: Settings of the test's fits (the 1-process references use them too).
SETTINGS = {"hidden_size": 16, "max_epochs": 8, "batch_size": 32, "lr": 0.01}


def make_data(n_samples, random_state):
    """Ragged 2-feature sequences of 4 to 24 steps; the label is the sign of
    the first feature's mean, through noise."""
    rng = np.random.RandomState(random_state)
    X = [rng.randn(rng.randint(4, 25), 2).astype(np.float32) for _ in range(n_samples)]
    y = np.array([int(x[:, 0].mean() + 0.15 * rng.randn() > 0) for x in X])
    return X, y


class _Recorder:
    """Wraps ``BucketBatchSampler.__iter__``: the training batches' sample
    positions, epoch by epoch."""

    def __init__(self):
        self.epochs = []
        original = BucketBatchSampler.__iter__

        def record(sampler):
            batches = list(original(sampler))
            if sampler.shuffle:
                self.epochs.append([np.asarray(b).tolist() for b in batches])
            return iter(batches)

        BucketBatchSampler.__iter__ = record


class _Interrupt(Callback):
    """Ctrl-C at the start of epoch 3, in every process."""

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt


def main(out):
    torch.set_num_threads(1)
    recorder = _Recorder()
    X, y = make_data(640, 0)
    X_test, y_test = make_data(400, 1)
    result = {"fits": []}
    for _ in range(2):  # two fits: the same model, batches and history
        recorder.epochs = []
        clf = RNNClassifier(**SETTINGS, device=DataParallel(backend="gloo"), random_state=0)
        clf.fit(X, y)
        result["fits"].append(
            {
                "batches": list(recorder.epochs),
                "weights": {k: v.numpy().copy() for k, v in clf.net_.module_.state_dict().items()},
                "train_loss": [row["train_loss"] for row in clf.history_],
                "score": clf.score(X_test, y_test),
                "proba": clf.predict_proba(X_test),
                "device_": clf.device_,
            }
        )
    # Early stopping on a held-out part (validation_fraction): every process
    # stops at the same epoch.
    stopper = RNNClassifier(
        **{**SETTINGS, "max_epochs": 30},
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.5,
        device=DataParallel(backend="gloo"),
        random_state=0,
    ).fit(X, y)
    result["early_stopping_epochs"] = stopper.n_epochs_
    # A fixed branch (MiniRocket's features): fitted alike in every process,
    # its features carried in each process's batches.
    rocket = RNNClassifier(
        **{**SETTINGS, "max_epochs": 2},
        bag=RocketBranch(n_features=168),
        device=DataParallel(backend="gloo"),
        random_state=0,
    ).fit(X, y)
    result["rocket"] = {
        "weights": {k: v.numpy().copy() for k, v in rocket.net_.module_.state_dict().items()},
        "proba": rocket.predict_proba(X_test),
    }
    rank = dist.get_rank()
    result["world_size"] = dist.get_world_size()
    # A fit interrupted after epoch 2 leaves rank 0's checkpoint, which the
    # same fit resumes from in every process.
    checkpoint = os.path.join(out, "checkpoints")
    parallel = {**SETTINGS, "device": DataParallel(backend="gloo"), "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TrainingInterruptedWarning
        RNNClassifier(**parallel, checkpoint=checkpoint, callbacks=[("stop", _Interrupt())]).fit(
            X, y
        )
    dist.barrier()
    result["checkpoint_files"] = os.listdir(checkpoint)
    dist.barrier()
    resumed = RNNClassifier(**parallel, checkpoint=checkpoint).fit(X, y)
    result["resumed_weights"] = {
        k: v.numpy().copy() for k, v in resumed.net_.module_.state_dict().items()
    }
    result["resumed_epochs"] = len(resumed.history_)
    # Processes given different data refuse it, all of them.
    try:
        RNNClassifier(**SETTINGS, device=DataParallel(backend="gloo")).fit(X[rank:], y[rank:])
    except ValueError as exc:
        result["different_data_error"] = str(exc)
    if rank == 0:
        clf.save(f"{out}/model.safetensors")
        with open(f"{out}/model.pkl", "wb") as file:
            pickle.dump(clf, file)
    with open(f"{out}/rank{rank}.pkl", "wb") as file:
        pickle.dump(result, file)
    dist.barrier()  # no process leaves while another still exchanges
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
