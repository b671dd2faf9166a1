"""The estimator base shared by the classifier, the regressor and CTC.

Parameters live flat on the estimator; ``fit`` validates them and the data,
builds a skorch :class:`~skorch.NeuralNet` from them and keeps it as ``net_``.
Composition, not inheritance from skorch: sklearn's contract holds on our
class, and skorch's training loop, callbacks and history stay reachable.
"""

import contextlib
import math
import os
import warnings

import numpy as np
import torch
from joblib import hash as joblib_hash
from sklearn.base import BaseEstimator
from sklearn.metrics import check_scoring
from sklearn.model_selection import ShuffleSplit
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
)
from skorch.dataset import unpack_data
from skorch.helper import predefined_split
from skorch.history import History
from skorch.utils import to_tensor
from tqdm.auto import tqdm

from . import persistence
from ._checkpoint import read_checkpoint, restore_optimizer, write_checkpoint
from ._data import BucketIterator, SequenceDataset
from ._params import (
    OPTIMIZERS,
    auto_augmentation,
    auto_bag,
    auto_frontend,
    auto_frontend_stride,
    auto_max_epochs,
    block_strides,
)
from ._validation import OOV_TOKEN_ID, Sequences, check_sample_weight_array, check_sequences
from .nn.augmentation import mixup_batch
from .nn.utils import resolve_device

#: Largest embedding (vocab_size x embedding_dim) fit accepts: 1 GiB of float32.
MAX_EMBEDDING_WEIGHTS = 2**28

#: Features of this magnitude or more are refused: the network computes in
#: float32, and normalising them (squares, sums of squares over a batch)
#: would overflow float32's range (3.4e38) into inf and NaN.
MAX_FEATURE_MAGNITUDE = 1e15

#: From this many samples ``early_stopping="auto"`` stops early on a held-out set.
EARLY_STOPPING_AUTO_MIN_SAMPLES = 2000
#: From this many training sequences ``bucketing="auto"`` draws bucketed
#: batches; below it, random ones.
BUCKETING_AUTO_MIN_SAMPLES = 2000
#: Estimators that select the best epoch (``_auto_selects_best_epoch``) do so
#: under ``early_stopping="auto"`` from this many samples up to
#: ``EARLY_STOPPING_AUTO_MIN_SAMPLES``: a held-out set of at least 5.
BEST_EPOCH_AUTO_MIN_SAMPLES = 50


class TrainingDivergedError(ValueError):
    """Raised when the training loss becomes NaN or infinite."""


class TrainingDivergedWarning(UserWarning):
    """Warned when the training loss became NaN or infinite and
    ``on_divergence="keep_best"`` kept the best weights so far."""


class TrainingInterruptedWarning(UserWarning):
    """Warned when ``fit`` was interrupted (Ctrl-C): the estimator keeps the
    weights of the last finished epoch."""


class _StopOnNonFiniteLoss(Callback):
    """Stop training with a clear error as soon as a batch loss is not finite.

    With ``keep_best``, :meth:`_SequenceNet.fit_loop` catches the error and
    keeps the best weights so far instead.
    """

    def __init__(self, keep_best=False):
        self.keep_best = keep_best

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if training and loss is not None and not math.isfinite(loss.item()):
            epoch = len(net.history)
            raise TrainingDivergedError(
                f"The training loss became {loss.item()} in epoch {epoch}: training "
                f"diverged. Use a lower learning rate (lr={net.lr}) or set "
                "clip_grad_norm (for example clip_grad_norm=1.0), and check that X "
                "and y are scaled."
            )


class _EpochProgress(Callback):
    """One progress bar over the epochs (tqdm.auto: a terminal or a notebook);
    skorch's per-epoch table is written above it."""

    def on_train_begin(self, net, **kwargs):
        self.bar = tqdm(total=net.max_epochs, unit="epoch", leave=False)

    def on_epoch_end(self, net, **kwargs):
        self.bar.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar.close()


class _ValidationScore(Callback):
    """Record ``valid_score``, the estimator's ``scoring`` on the validation
    data, after each epoch (before early stopping reads it)."""

    def __init__(self, estimator, X, y):
        self.estimator = estimator
        self.X = X
        self.y = y

    def on_epoch_end(self, net, **kwargs):
        scorer = check_scoring(self.estimator, scoring=self.estimator.scoring)
        net.history.record("valid_score", float(scorer(self.estimator, self.X, self.y)))


class _SequenceNet(NeuralNet):
    """skorch net whose batches are ``({"x", "lengths"[, "sample_weight"]}, y)``.

    The criterion returns per-sample losses (``reduction="none"``) so that
    sample weights apply per sample; ``sample_weight`` never reaches the module.
    """

    def __init__(self, module, criterion, *, mixup=0.0, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.mixup = mixup

    def infer(self, x, **fit_params):
        x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def train_step_single(self, batch, **fit_params):
        # Mixup (RNNClassifier's augment_mixup) mixes float batches only.
        Xi, yi = unpack_data(batch)
        if not self.mixup or not torch.is_floating_point(Xi["x"]):
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        x, lengths, partner, lam = mixup_batch(Xi["x"], Xi["lengths"], self.mixup)
        Xi = {**Xi, "x": x, "lengths": lengths}
        y_pred = self.infer(Xi, **fit_params)
        yi = to_tensor(yi, device=self.device)
        own = self.get_loss(y_pred, yi, X=Xi, training=True)
        partners = self.get_loss(y_pred, yi[partner.to(yi.device)], X=Xi, training=True)
        loss = lam * own + (1.0 - lam) * partners
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def on_train_begin(self, net, **kwargs):
        self.interrupted_epoch_ = None
        self.diverged_ = None
        self._finished_state = _copy_state(self.module_)

    def on_epoch_end(self, net, **kwargs):
        self._finished_state = _copy_state(self.module_)

    def fit_loop(self, X, y=None, **fit_params):
        # skorch swallows KeyboardInterrupt in partial_fit and keeps the weights
        # of the unfinished epoch; keep those of the last finished one instead,
        # drop the unfinished epoch from the history and say so in it.
        try:
            return super().fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:
            # skorch's EarlyStopping ends training by raising KeyboardInterrupt
            # too: that is no interruption (it restores the best weights).
            stopper = dict(self.callbacks_).get("early_stopping")
            if stopper is not None and stopper.misses_ >= stopper.patience:
                raise
            self.interrupted_epoch_ = len(self.history)
            self.module_.load_state_dict(self._finished_state)
            if self.history and "train_loss" not in self.history[-1]:
                del self.history[-1]
            if self.history:
                self.history.record("interrupted", True)
            raise
        except TrainingDivergedError as exc:
            # on_divergence="keep_best": end training at the last finished
            # epoch; skorch's on_train_end then lets early stopping restore
            # its best weights. Nothing finished yet: nothing to keep.
            if not dict(self.callbacks_)["stop_on_nan"].keep_best or len(self.history) < 2:
                raise
            self.diverged_ = str(exc)
            self.module_.load_state_dict(self._finished_state)
            del self.history[-1]
            self.history.record("diverged", True)
            return self

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        loss = self.criterion_(y_pred, y_true)
        if loss.ndim > 1:
            loss = loss.reshape(len(loss), -1).mean(dim=1)
        if isinstance(X, dict) and "sample_weight" in X:
            loss = loss * X["sample_weight"].to(loss.device)
        return loss.mean()


class _Checkpoint(Callback):
    """Save the training state to ``path`` at the end of every epoch (the
    ``checkpoint`` parameter), and restore it when a fit resumes.

    Saved: the weights, the optimizer, the learning-rate schedule, early
    stopping's state and best weights, the torch and batch-order random
    generators, and the history. It runs after every other callback of an
    epoch, so that the saved generators are those the next epoch starts from.
    """

    def __init__(self, path, seed, resume=None):
        self.path = path
        self.seed = seed
        self.resume = resume

    def on_train_begin(self, net, **kwargs):
        if self.resume is None:
            return
        state, parts = self.resume
        self.resume = None
        callbacks = dict(net.callbacks_)
        # After the scheduler's creation (which sets the learning rates).
        restore_optimizer(
            net.optimizer_, parts["optimizer_settings"], parts["optimizer"], self.path
        )
        if "lr_schedule" in callbacks:
            callbacks["lr_schedule"].lr_scheduler_.load_state_dict(state["lr_schedule"])
        if "early_stopping" in callbacks:
            stopper = callbacks["early_stopping"]
            stopper.misses_, stopper.dynamic_threshold_, stopper.best_epoch_ = state[
                "early_stopping"
            ]
            best = {
                key[len("best.") :]: value.to(net.device)
                for key, value in parts["state"].items()
                if key.startswith("best.")
            }
            stopper.best_model_weights_ = best or None
        torch.set_rng_state(parts["state"]["torch_rng"])
        if "cuda_rng" in parts["state"] and str(net.device).startswith("cuda"):
            torch.cuda.set_rng_state(parts["state"]["cuda_rng"], device=net.device)
        net.iterator_train__random_state.bit_generator.state = state["batch_rng"]

    def on_epoch_end(self, net, **kwargs):
        callbacks = dict(net.callbacks_)
        state = {
            "seed": self.seed,
            "batch_rng": net.iterator_train__random_state.bit_generator.state,
        }
        tensors = {"torch_rng": torch.get_rng_state()}
        if str(net.device).startswith("cuda"):
            tensors["cuda_rng"] = torch.cuda.get_rng_state(device=net.device)
        if "lr_schedule" in callbacks:
            state["lr_schedule"] = callbacks["lr_schedule"].lr_scheduler_.state_dict()
        if "early_stopping" in callbacks:
            stopper = callbacks["early_stopping"]
            state["early_stopping"] = (
                stopper.misses_,
                float(stopper.dynamic_threshold_),
                stopper.best_epoch_,
            )
            for key, value in (stopper.best_model_weights_ or {}).items():
                tensors[f"best.{key}"] = value
        write_checkpoint(self.path, net, state, tensors)


def _check_magnitude(sequences):
    """Refuse features too large for the network's float32 arithmetic."""
    data = sequences.data.reshape(len(sequences.data), -1)
    limit = np.asarray(MAX_FEATURE_MAGNITUDE, dtype=data.dtype)
    # Reductions, not np.abs(data): no temporary of the data's size.
    if not data.size or (data.max() < limit and data.min() > -limit):
        return
    huge = np.abs(data) >= limit
    if huge.any():
        step, feature = (int(i[0]) for i in np.nonzero(huge))
        sample = int(np.searchsorted(sequences.offsets, step, side="right") - 1)
        raise ValueError(
            f"X[{sample}] holds {float(data[step, feature]):.3g} at time step "
            f"{step - int(sequences.offsets[sample])} (feature {feature}): features of "
            f"magnitude {MAX_FEATURE_MAGNITUDE:.0e} or more overflow the network's float32 "
            "arithmetic (its normalisation squares them, beyond float32's 3.4e38). Scale X "
            "first, e.g. with sklearn_rnn.preprocessing.SequenceScaler, or divide it by a "
            "constant."
        )


def _copy_state(module):
    return {key: value.detach().clone() for key, value in module.state_dict().items()}


def _noop(*args, **kwargs):
    pass


#: Prediction batches hold at least this many samples (no gradients to keep).
PREDICT_MIN_BATCH_SIZE = 256


class BaseSequenceEstimator(BaseEstimator):
    """Shared training and prediction of the package's estimators.

    Subclasses declare ``_parameters`` (see :mod:`sklearn_rnn._params`; the
    class decorator :func:`~sklearn_rnn._params.fill_doc` derives the
    constraints and docstring), and define ``_module_class``,
    ``_criterion()``, ``_fit_targets(y, sequences, classes)`` (learn the
    target encoding and encode), ``_encode_targets(y, sequences)`` (encode
    with the fitted encoding) and ``_n_outputs()``.

    To be saved, loaded and exported, a subclass is registered with the class
    decorator :func:`~sklearn_rnn._registry.register_estimator`, declares
    ``_saved_attributes`` (the fitted attributes that its files must hold
    beyond the common ones below, with their types; see
    :mod:`sklearn_rnn.persistence`) and defines ``_onnx_graph(module)``: its
    network ``module`` wrapped in the graph that :func:`sklearn_rnn.to_onnx`
    exports (see :mod:`sklearn_rnn.export`).
    """

    _parameters = {}
    #: Fitted attributes every estimator's files hold, with their types.
    _saved_attributes = {
        "n_features_in_": int,
        "vocab_size_": (int, type(None)),
        "frontend_strides_": (tuple, type(None)),
        "max_epochs_": int,
        "device_": str,
        "n_epochs_": int,
        "_seed": int,
        "_fitted_module_kwargs": dict,
        "_module_init": dict,
    }

    # --- hooks for subclasses -------------------------------------------------

    def _module_kwargs(self):
        """The module's keyword arguments: every parameter routed to "module"."""
        return {
            name: getattr(self, name)
            for name, param in self._parameters.items()
            if param.route == "module"
        }

    def _validate_params(self):
        super()._validate_params()
        for name, param in self._parameters.items():
            value = getattr(self, name)
            if param.check is not None and not param.check(value):
                raise ValueError(
                    f"The {name!r} parameter of {type(self).__name__} must be "
                    f"{param.check_doc}. Got {value!r} instead."
                )

    def _resolve_module_kwargs(self, kwargs, sequences, partial=False):
        """Replace the data-dependent values ("auto") of the module's arguments.

        Sets ``frontend_strides_``: the front end's block strides (None
        without a front end), and ``augmentation_`` where the estimator has
        augmentation parameters.
        """
        kwargs = dict(kwargs)
        if "augment_jitter" in kwargs:
            # partial_fit's first batch says nothing of the data's size: no
            # augmentation there.
            auto = auto_augmentation(sequences, self._auto_augments and not partial)
            for name in ("jitter", "scaling"):
                if kwargs[f"augment_{name}"] == "auto":
                    kwargs[f"augment_{name}"] = auto[name]
            self.augmentation_ = {
                name: float(kwargs[f"augment_{name}"])
                for name in ("jitter", "scaling", "time_mask")
                if not sequences.is_tokens and kwargs[f"augment_{name}"] > 0
            }
            mixup = getattr(self, "augment_mixup", 0.0)  # RNNClassifier's; a training parameter
            mixup = auto["mixup"] if mixup == "auto" else mixup
            if not sequences.is_tokens and mixup > 0:
                self.augmentation_["mixup"] = float(mixup)
        if kwargs["frontend"] == "auto":
            # Without recurrent layers (cell=None) the front end is the network.
            no_cell = kwargs.get("cell", "lstm") is None
            kwargs["frontend"] = "conv" if no_cell else auto_frontend(sequences)
        if kwargs.get("bag") == "auto":
            kwargs["bag"] = auto_bag(sequences)
        stride = kwargs.pop("frontend_stride")
        if stride == "auto":
            stride = auto_frontend_stride(-(-sequences.lengths // self.subsample))
        self.frontend_strides_ = block_strides(stride) if kwargs["frontend"] else None
        channels = kwargs.pop("frontend_channels")
        if kwargs["frontend"]:
            kwargs["frontend"] = ("conv", {"channels": channels, "strides": self.frontend_strides_})
        if "bag" in kwargs:
            bag = kwargs.pop("bag")
            settings = {
                name: kwargs.pop(f"bag_{name}") for name in ("ngrams", "buckets", "dropout")
            }
            kwargs["bag"] = None if bag is None else {"mode": bag, **settings}
        if "augment_jitter" in kwargs:
            kwargs["augmentation"] = {
                name: kwargs.pop(f"augment_{name}") for name in ("jitter", "scaling", "time_mask")
            }
        return kwargs

    def _output_lengths(self, lengths):
        """Frames the module outputs for inputs of ``lengths`` (after fit)."""
        lengths = -(-np.asarray(lengths) // self.subsample)
        for stride in self.frontend_strides_ or ():
            lengths = -(-lengths // stride)
        return lengths

    def _split_indices(self, n_samples, y, rng):
        """Train/validation indices for early stopping (classifier stratifies)."""
        splitter = ShuffleSplit(n_splits=1, test_size=self.validation_fraction, random_state=rng)
        return next(splitter.split(np.empty((n_samples, 1))))

    def _sample_weights(self, sample_weight, targets, n_samples):
        """Per-sample loss weights (the classifier multiplies in ``class_weight``)."""
        if sample_weight is None:
            return None
        return check_sample_weight_array(sample_weight, n_samples)

    def _target_collate(self):
        return None

    # --- fitting --------------------------------------------------------------

    #: Whether ``augment_*="auto"`` augments small numeric training sets.
    _auto_augments = False

    #: Whether ``early_stopping="auto"`` selects the best epoch on small data
    #: (see :meth:`_early_stopping_mode`).
    _auto_selects_best_epoch = False

    def _early_stopping_mode(self, n_samples, has_validation_set):
        """How a (non-partial) fit uses a validation set: None (no validation
        set, all the data trains), "stop" (stop after ``n_iter_no_change``
        epochs without improvement; restore the best weights) or "select"
        (run the whole budget; restore the best epoch's weights)."""
        if self.early_stopping == "auto":
            if has_validation_set or n_samples >= EARLY_STOPPING_AUTO_MIN_SAMPLES:
                return "stop"
            if self._auto_selects_best_epoch and n_samples >= BEST_EPOCH_AUTO_MIN_SAMPLES:
                return "select"
            return None
        return "stop" if self.early_stopping else None

    def _early_stopping_on(self, n_samples, has_validation_set):
        return self._early_stopping_mode(n_samples, has_validation_set) is not None

    def _validation_data(self, X, y, sequences, targets, weights, X_val, y_val, partial):
        """The training set, the validation set and the raw validation data to score.

        A validation set given as ``X_val, y_val`` is used as it is; else, with
        early stopping on, ``validation_fraction`` of the data is held out
        (stratified for classifiers). Returns ``(train_dataset,
        valid_dataset or None, (X_score, y_score) or None)``.
        """
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together, or neither.")
        n_samples = len(sequences)
        early = not partial and self._early_stopping_on(n_samples, X_val is not None)
        if not partial and X_val is not None:
            val_sequences = self._validate_X(X_val, reset=False)
            val_targets = self._encode_targets(y_val, val_sequences)
            return (
                self._dataset(sequences, targets, weights, None),
                self._dataset(val_sequences, val_targets, None, None),
                (val_sequences, y_val),
            )
        if not early:
            return self._dataset(sequences, targets, weights, None), None, None
        train_idx, valid_idx = self._split_indices(
            n_samples, targets, np.random.RandomState(self._seed)
        )
        if not isinstance(y, (list, tuple, np.ndarray)) and not hasattr(y, "iloc"):
            y = np.asarray(y)  # array-likes that only define __array__
        return (
            self._dataset(sequences, targets, weights, train_idx),
            self._dataset(sequences, targets, weights, valid_idx),
            (sequences.take(valid_idx), _safe_indexing(y, valid_idx)),
        )

    def _validate_X(self, X, reset):
        sequences = check_sequences(X, estimator=self, reset=reset)
        if not sequences.is_tokens:
            _check_magnitude(sequences)
        if reset:
            # Room for the reserved ids even when the data never uses them.
            self.vocab_size_ = (
                max(int(sequences.data.max()) + 1, 2) if sequences.is_tokens else None
            )
            weights = getattr(self, "embedding_weights", None)
            if weights is not None:
                self.vocab_size_ = len(_check_embedding_weights(weights, self, sequences))
            if (
                self.vocab_size_ is not None
                and self.vocab_size_ * self.embedding_dim > MAX_EMBEDDING_WEIGHTS
            ):
                raise ValueError(
                    f"The largest token id in X is {self.vocab_size_ - 1}: the embedding "
                    f"would need {self.vocab_size_} x embedding_dim={self.embedding_dim} "
                    "weights. Number the tokens densely from 2 (0 is padding, 1 out of "
                    "vocabulary), for example with sklearn_rnn.preprocessing.SequenceTokenizer."
                )
            return sequences
        if sequences.is_tokens != (self.vocab_size_ is not None):
            expected = (
                "integer token sequences" if self.vocab_size_ is not None else "float sequences"
            )
            raise ValueError(
                f"{type(self).__name__} was fitted on {expected}; X holds "
                f"{'token' if sequences.is_tokens else 'float'} sequences."
            )
        if sequences.is_tokens:
            # Ids never seen in fit are out of vocabulary, as the tokenizer's are.
            data = np.where(sequences.data < self.vocab_size_, sequences.data, OOV_TOKEN_ID)
            sequences = Sequences(data, sequences.offsets, sequences.form)
        return sequences

    def _mixup(self):
        """Mixup's alpha for training (``augment_mixup``, "auto" as resolved at
        the first fit, in ``augmentation_``); 0 for estimators without it."""
        mixup = getattr(self, "augment_mixup", 0.0)
        if mixup == "auto":
            return getattr(self, "augmentation_", {}).get("mixup", 0.0)
        return float(mixup)

    def _net_kwargs(self, seed, bucket):
        """skorch keyword arguments from the optimizer, criterion, iterator and
        training parameters (the module's come from :meth:`_module_kwargs`);
        ``bucket``: the resolved ``bucketing``."""
        criterion, criterion_kwargs = self._criterion()
        optimizer = self.optimizer
        optimizer_kwargs = {"weight_decay": self.weight_decay}
        if optimizer == "sgd":
            optimizer_kwargs["momentum"] = self.momentum
        if isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
        return dict(
            criterion=criterion,
            mixup=self._mixup(),
            **{f"criterion__{key}": value for key, value in criterion_kwargs.items()},
            optimizer=optimizer,
            lr=self.lr,
            **{f"optimizer__{key}": value for key, value in optimizer_kwargs.items()},
            batch_size=self.batch_size,
            iterator_train=BucketIterator,
            iterator_train__shuffle=True,
            iterator_train__bucket=bucket,
            iterator_train__random_state=np.random.default_rng(seed),
            # Validation and prediction: no shuffle, batches in length order.
            iterator_valid=BucketIterator,
            iterator_valid__batch_size=max(self.batch_size, PREDICT_MIN_BATCH_SIZE),
            verbose=int(self.verbose),
            # The epoch table goes above the progress bar, not through it.
            # (skorch calls a sink other than print whatever the verbosity.)
            callbacks__print_log__sink=tqdm.write if self.verbose else print,
        )

    def _callbacks(self, early_stopping, total_steps, score_data=None, patience=None):
        callbacks = [("stop_on_nan", _StopOnNonFiniteLoss(self.on_divergence == "keep_best"))]
        scoring = self.scoring != "loss" and score_data is not None
        if scoring:
            callbacks.append(("valid_score", _ValidationScore(self, *score_data)))
        if total_steps is not None and self.lr_schedule == "onecycle":
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.OneCycleLR,
                        max_lr=self.lr,
                        total_steps=total_steps,
                        step_every="batch",
                        # momentum (and Adam's betas) stay the user's parameters
                        cycle_momentum=False,
                        last_epoch=-1,  # a new cycle for each fit, warm-started too
                    ),
                )
            )
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        if early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_score" if scoring else "valid_loss",
                        lower_is_better=not scoring,
                        patience=self.n_iter_no_change if patience is None else patience,
                        threshold=self.tol,
                        threshold_mode="rel",
                        load_best=True,
                        sink=print if self.verbose else _noop,
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("epoch_progress", _EpochProgress()))
        callbacks.extend(self.callbacks or [])
        return callbacks

    def _fit(
        self, X, y, sample_weight=None, *, partial=False, classes=None, X_val=None, y_val=None
    ):
        # Validated on every call, as sklearn's _fit_context does: a warm-started
        # fit or a partial_fit after set_params must not train with bad values.
        self._validate_params()
        continuing = (partial or self.warm_start) and hasattr(self, "net_")
        sequences = self._validate_X(X, reset=not continuing)
        n_samples = len(sequences)
        if continuing:
            targets = self._encode_targets(y, sequences)
            self._check_module_unchanged()
            self._seed += 1  # a continued fit draws new batches and dropout
        else:
            self._fitted_module_kwargs = self._module_kwargs()
            module_kwargs = self._resolve_module_kwargs(
                self._fitted_module_kwargs, sequences, partial=partial
            )
            targets = self._fit_targets(y, sequences, classes)
            rng = check_random_state(self.random_state)
            self._seed = int(rng.randint(np.iinfo(np.int32).max))
            self.device_ = resolve_device(self.device)
        weights = self._sample_weights(sample_weight, targets, n_samples)
        checkpoint = resume = None
        if self.checkpoint is not None and not partial and not continuing:
            checkpoint = self._checkpoint_path(sequences, targets, weights, X_val, y_val)
            resume = self._read_checkpoint(checkpoint)
            if resume is not None:
                self._seed = resume[1]["seed"]
        train_dataset, valid_dataset, score_data = self._validation_data(
            X, y, sequences, targets, weights, X_val, y_val, partial
        )
        mode = None if partial else self._early_stopping_mode(n_samples, X_val is not None)
        epochs = 1 if partial else self.max_epochs
        if epochs == "auto":
            mixup = getattr(self, "augmentation_", {}).get("mixup", 0.0) > 0
            epochs = auto_max_epochs(len(train_dataset), self.batch_size, mixup=mixup)
        self.max_epochs_ = epochs
        self.bucketing_ = self.bucketing
        if self.bucketing == "auto":
            # Counted as early_stopping="auto" counts: the sequences this
            # call was given (a partial_fit's chunk, say).
            self.bucketing_ = n_samples >= BUCKETING_AUTO_MIN_SAMPLES
        net_kwargs = self._net_kwargs(self._seed, self.bucketing_)
        net_kwargs.update(
            max_epochs=epochs,
            callbacks=self._callbacks(
                mode is not None,
                None if partial else epochs * -(-len(train_dataset) // self.batch_size),
                score_data,
                patience=epochs if mode == "select" else self.n_iter_no_change,
            ),
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
        )
        if checkpoint is not None:
            net_kwargs["callbacks"].append(
                (
                    "checkpoint",
                    _Checkpoint(checkpoint, self._seed, None if resume is None else resume[1:]),
                )
            )
        devices = [torch.device(self.device_).index or 0] if self.device_.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self._seed)
            if continuing:
                # Training parameters may change between calls; skorch sets the
                # optimizer's in place, keeping its state.
                _update_net(self.net_, net_kwargs)
            else:
                self._module_init = {
                    "n_outputs": self._n_outputs(),
                    "input_size": sequences.n_features or 1,
                    "vocab_size": self.vocab_size_,
                    **module_kwargs,
                }
                self.net_ = self._make_net(net_kwargs)
                weights = getattr(self, "embedding_weights", None)
                if weights is not None:
                    with torch.no_grad():
                        self.net_.module_.backbone.embedding.weight.copy_(
                            torch.as_tensor(_check_embedding_weights(weights, self, sequences))
                        )
            done = 0
            if resume is not None:
                done = self._resume(checkpoint, resume)
            self.net_.partial_fit(train_dataset, None, epochs=epochs - done)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        if checkpoint is not None and self.net_.interrupted_epoch_ is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(checkpoint)  # the fit is complete
        if self.net_.diverged_ is not None:
            stopper = dict(self.net_.callbacks_).get("early_stopping")
            kept = stopper.best_epoch_ if stopper is not None else self.n_epochs_
            warnings.warn(
                f"{self.net_.diverged_.split(':')[0]}. on_divergence='keep_best' kept the "
                f"weights of epoch {kept} "
                f"({'the best validation score' if stopper is not None else 'the last finished one'}); "
                "history_ records 'diverged'. Use a lower learning rate or set clip_grad_norm.",
                TrainingDivergedWarning,
                stacklevel=3,
            )
        if self.net_.interrupted_epoch_ is not None:
            warnings.warn(
                f"Training was interrupted (KeyboardInterrupt) in epoch "
                f"{self.net_.interrupted_epoch_}; {type(self).__name__} keeps the weights "
                f"of the last finished epoch ({self.n_epochs_}), and history_ records "
                "'interrupted'. fit again with warm_start=True to continue.",
                TrainingInterruptedWarning,
                stacklevel=3,
            )
        return self

    # --- checkpoints ----------------------------------------------------------

    def _checkpoint_path(self, sequences, targets, weights, X_val, y_val):
        """The checkpoint file of this fit: named after the estimator, its
        parameters and its data, so that only the same fit resumes from it."""
        params = {
            key: value
            for key, value in self.get_params(deep=False).items()
            if key not in ("checkpoint", "verbose", "callbacks", "device")
        }
        digest = joblib_hash(
            (type(self).__name__, params, sequences.data, sequences.offsets, targets, weights)
            + ((X_val, y_val) if X_val is not None else ())
        )
        try:
            os.makedirs(self.checkpoint, exist_ok=True)
        except OSError as exc:
            raise ValueError(
                f"checkpoint={self.checkpoint!r} must be a directory that can be created "
                f"and written ({exc})."
            ) from None
        return os.path.join(self.checkpoint, f"{type(self).__name__}-{digest[:20]}.safetensors")

    def _read_checkpoint(self, path):
        """``(history, state, parts)`` of the checkpoint at ``path``, or None."""
        if not os.path.exists(path):
            return None
        return read_checkpoint(path)

    def _resume(self, path, resume):
        """Load a checkpoint's weights and history into the new ``net_``;
        returns the number of epochs it had finished. The rest of the state
        is restored by the ``_Checkpoint`` callback when training begins."""
        history, state, parts = resume
        try:
            self.net_.module_.load_state_dict(parts["module"], strict=True)
        except RuntimeError as exc:
            raise ValueError(
                f"The checkpoint {path!r} does not match the network ({exc}); delete it to "
                "train from the start."
            ) from None
        if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
            raise ValueError(f"The checkpoint {path!r} is damaged (its history).")
        self.net_.history = History(history)
        if self.verbose:
            print(f"Resuming from {path} after epoch {len(history)}.")
        return len(history)

    def save(self, path, *, include_optimizer=True):
        """Save the fitted estimator to one safetensors file, without pickle.

        :func:`sklearn_rnn.load` reads it back, running no code from the
        file; :mod:`sklearn_rnn.persistence` describes the format.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (conventionally ``*.safetensors``).
        include_optimizer : bool, default=True
            Also save the optimizer's state, so that a ``warm_start`` fit
            after loading continues exactly as this estimator would.
        """
        persistence.save(self, path, include_optimizer=include_optimizer)

    def _make_net(self, net_kwargs):
        """A new, initialised skorch net for the fitted module arguments.

        ``_module_init`` (set in ``fit``) holds every keyword argument of the
        module, the data-dependent ones resolved; it is plain data, so that a
        saved estimator can rebuild its net from it.
        """
        net = _SequenceNet(
            module=self._module_class,
            **{f"module__{key}": value for key, value in self._module_init.items()},
            device=self.device_,
            **net_kwargs,
        )
        return net.initialize()

    def _check_module_unchanged(self):
        current = self._module_kwargs()
        for name, value in self._fitted_module_kwargs.items():
            if current[name] != value:
                raise ValueError(
                    f"{name} changed from {value!r} to {current[name]!r} since the network "
                    "was fitted; a warm-started fit or partial_fit can only change training "
                    "parameters. Set warm_start=False to fit a new network."
                )

    def _dataset(self, sequences, targets, weights, indices):
        if indices is not None:
            sequences = sequences.take(indices)
            targets = (
                targets[indices] if not isinstance(targets, list) else [targets[i] for i in indices]
            )
            weights = None if weights is None else weights[indices]
        return SequenceDataset(sequences, targets, weights, target_collate=self._target_collate())

    # --- prediction -----------------------------------------------------------

    def _predict_batches(self, X):
        """Module outputs batch by batch, through the same dataset and iterator
        as validation (no shuffle, length order, per-batch padding).

        Returns the number of samples and an iterator of ``(indices, output)``:
        the positions in X of a batch's samples, and the module's output.
        """
        check_is_fitted(self, "net_")
        dataset = SequenceDataset(self._validate_X(X, reset=False))
        sampler = self.net_.get_iterator(dataset, training=False).batch_sampler
        batches = (out for indices in sampler for out in self._evaluate(dataset, indices))
        return len(dataset), batches

    def _evaluate(self, dataset, indices):
        """The module's output on one batch; on out-of-memory, on its halves."""
        try:
            output = self.net_.evaluation_step(dataset.__getitems__(indices), training=False)
        except torch.cuda.OutOfMemoryError:
            if len(indices) == 1:
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            half = len(indices) // 2
            yield from self._evaluate(dataset, indices[:half])
            yield from self._evaluate(dataset, indices[half:])
            return
        yield indices, output

    def _predict_pooled(self, X):
        """One output row per sample, as a float64 array in X's order."""
        n_samples, batches = self._predict_batches(X)
        result = None
        for indices, output in batches:
            output = output.to("cpu", torch.float64).numpy()
            if result is None:
                result = np.empty((n_samples, output.shape[1]))
            result[indices] = output
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _update_net(net, kwargs):
    """Apply changed training parameters to a fitted skorch net, keeping its module.

    skorch sets optimizer parameters (``lr``, ``optimizer__*``) in place,
    keeping the optimizer's state; a new optimizer or criterion class is
    initialised afresh; callbacks are rebuilt (early stopping starts over);
    the rest are plain attributes read at the next ``partial_fit``.
    """
    changed = {
        key: value
        for key, value in kwargs.items()
        if key in ("callbacks", "train_split", "iterator_train__random_state")
        or not _same(getattr(net, key, _MISSING), value)
    }
    for key, value in changed.items():
        if key != "callbacks":
            setattr(net, key, value)  # where skorch reads it at the next initialisation
    # Not set_params(callbacks=...): skorch initialises the callbacks before
    # storing the new list, so the previous fit's callbacks would run again.
    net.callbacks = changed["callbacks"]
    net.initialize_callbacks()
    if any(key.startswith("criterion") for key in changed):
        net.initialize_criterion()
    if "optimizer" in changed:
        net.initialize_optimizer()
    else:
        net.set_params(
            **{k: v for k, v in changed.items() if k == "lr" or k.startswith("optimizer__")}
        )


_MISSING = object()


def _check_embedding_weights(weights, estimator, sequences):
    """``embedding_weights`` as a float32 array of shape (vocabulary, embedding_dim),
    checked against the estimator's ``embedding_dim`` and the training tokens."""
    if not sequences.is_tokens:
        raise ValueError(
            "embedding_weights gives the rows of a token embedding, but X holds float "
            "sequences. Set embedding_weights=None, or pass integer token sequences."
        )
    array = np.asarray(weights, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != estimator.embedding_dim:
        raise ValueError(
            "embedding_weights must have shape (vocabulary size, embedding_dim="
            f"{estimator.embedding_dim}); got shape {array.shape}. Set embedding_dim to "
            "the vectors' size."
        )
    largest = int(sequences.data.max())
    if len(array) <= largest:
        raise ValueError(
            f"embedding_weights has {len(array)} rows, but the largest token id in X is "
            f"{largest}: it needs one row per id, row i for id i (0 padding, 1 out of "
            "vocabulary; SequenceTokenizer's get_feature_names_out() names them)."
        )
    if not np.isfinite(array).all():
        raise ValueError("embedding_weights holds NaN or infinite values.")
    return array


def _same(a, b):
    try:
        return a is b or bool(a == b)
    except (TypeError, ValueError):
        return False
