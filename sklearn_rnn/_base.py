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
from sklearn.base import BaseEstimator, clone, is_classifier
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

from . import _distributed, persistence
from ._auto import (
    BEST_EPOCH_AUTO_MIN_SAMPLES,
    EARLY_STOPPING_AUTO_MIN_SAMPLES,
    auto_augmentation,
    auto_bag,
    auto_bucketing,
    auto_embedding,
    auto_frontend,
    auto_frontend_stride,
    auto_max_epochs,
    auto_rocket_head,
    auto_rocket_lr_factor,
    auto_rocket_network_weight,
)
from ._checkpoint import read_checkpoint, restore_optimizer, write_checkpoint
from ._data import BucketIterator, SequenceDataset, pad_batch, shard_batch_count
from ._params import OPTIMIZERS
from ._validation import (
    OOV_TOKEN_ID,
    Sequences,
    _gather_index,
    check_sample_weight_array,
    check_sequences,
)
from .components import (
    BRANCH_COMPONENTS,
    SGD,
    Component,
    ConvFrontend,
    DataParallel,
)
from .nn.augmentation import mixup_batch
from .nn.branches import ridge_scale
from .nn.utils import flushing_denormals, resolve_device

#: Largest embedding (vocab_size x embedding_dim) fit accepts: 1 GiB of float32.
MAX_EMBEDDING_WEIGHTS = 2**28

#: Features of this magnitude or more are refused: the network computes in
#: float32, and normalising them (squares, sums of squares over a batch)
#: would overflow float32's range (3.4e38) into inf and NaN.
MAX_FEATURE_MAGNITUDE = 1e15


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
        if not training or loss is None:
            return
        diverged = not math.isfinite(loss.item())
        if net.distributed is not None:
            # Every process stops together, or the others would wait for it
            # in the next gradient exchange.
            diverged = _distributed.any_true(diverged, net.distributed)
        if diverged:
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


class _DistributedAgreement(Callback):
    """Data-parallel training: make every process's epoch row the same before
    early stopping and checkpoints read it. ``train_loss`` becomes the mean
    of the processes' (each saw its own batches); the validation loss and
    score are rank 0's, so that every process stops at the same epoch."""

    def on_epoch_end(self, net, **kwargs):
        context = net.distributed
        row = net.history[-1]
        net.history.record("train_loss", _distributed.mean(row["train_loss"], context))
        for key in ("valid_loss", "valid_score"):
            if key in row:
                net.history.record(key, _distributed.broadcast_float(row[key], context))


class _SequenceNet(NeuralNet):
    """skorch net whose batches are ``({"x", "lengths"[, "sample_weight"]}, y)``.

    The criterion returns unreduced losses so that sample weights apply per
    sample; ``sample_weight`` never reaches the module. :meth:`get_loss`
    reduces them in one of two ways, chosen by the criterion:

    - per-sample losses (``CrossEntropyLoss(reduction="none")``, CTC): a
      sample's losses are averaged (over its outputs, for a multi-output
      regressor), weighted by its sample weight and averaged over the batch;
    - per-element losses, from a criterion with an ``n_labelled(y_true)``
      method (:class:`~sklearn_rnn.nn.losses.StepCrossEntropy`, one loss per
      step): each element's loss is weighted by its sample's weight, and their
      sum divided by the batch's number of labelled elements, so that every
      labelled step counts alike whatever the length of its sequence.
    """

    def __init__(self, module, criterion, *, mixup=0.0, distributed=None, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.mixup = mixup
        # A _distributed.Context in data-parallel training, else None.
        self.distributed = distributed

    def infer(self, x, **fit_params):
        x = {key: value for key, value in x.items() if key != "sample_weight"}
        wrapped = getattr(self, "_parallel_module", None)
        if wrapped is not None and self.module_.training:
            # Through DistributedDataParallel, whose backward pass averages
            # the gradients across processes; evaluation needs no exchange.
            x = to_tensor(x, device=self.device)
            return wrapped(**self._merge_x_and_fit_params(x, fit_params))
        return super().infer(x, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if training and self.distributed is not None:
            _distributed.broadcast_buffers(self.module_)

    def train_step_single(self, batch, **fit_params):
        # Mixup (RNNClassifier's augment_mixup) mixes float batches only.
        Xi, yi = unpack_data(batch)
        if not self.mixup or not torch.is_floating_point(Xi["x"]):
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        x, lengths, partner, lam = mixup_batch(Xi["x"], Xi["lengths"], self.mixup)
        Xi = {**Xi, "x": x, "lengths": lengths}
        features = Xi.get("branch_features")
        if features is not None:
            # A fixed branch's features, mixed as the input and the labels are.
            other = features[partner.to(features.device)]
            Xi["branch_features"] = lam * features + (1.0 - lam) * other
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
        if self.distributed is not None:
            self._set_parallel_module(_distributed.wrap(self.module_, self.distributed))

    def on_train_end(self, net, **kwargs):
        # The fitted net is an ordinary one: no process group in it.
        self._set_parallel_module(None)

    def _set_parallel_module(self, wrapped):
        # A view of module_ for one training run, not a part of the net:
        # skorch's __setattr__ would have it registered as a module.
        object.__setattr__(self, "_parallel_module", wrapped)

    def on_epoch_end(self, net, **kwargs):
        self._finished_state = _copy_state(self.module_)

    def fit_loop(self, X, y=None, **fit_params):
        # skorch swallows KeyboardInterrupt in partial_fit and keeps the weights
        # of the unfinished epoch; keep those of the last finished one instead,
        # drop the unfinished epoch from the history and say so in it.
        try:
            return super().fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:
            self._set_parallel_module(None)
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
            self._set_parallel_module(None)
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
        sample_weight = X.get("sample_weight") if isinstance(X, dict) else None
        n_labelled = getattr(self.criterion_, "n_labelled", None)
        if n_labelled is not None:
            if sample_weight is not None:
                # One weight per sample, broadcast over its elements.
                shape = (len(loss),) + (1,) * (loss.ndim - 1)
                loss = loss * sample_weight.to(loss.device).reshape(shape)
            return loss.sum() / n_labelled(y_true)
        if loss.ndim > 1:
            loss = loss.reshape(len(loss), -1).mean(dim=1)
        if sample_weight is not None:
            loss = loss * sample_weight.to(loss.device)
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
        # Data-parallel: every process holds the same state; one writes it.
        if net.distributed is None or net.distributed.rank == 0:
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
        "frontend_": (Component, type(None)),
        "embedding_": (Component, type(None)),
        "bucketing_": bool,
        "max_epochs_": int,
        "device_": str,
        "n_epochs_": int,
        "_seed": int,
        "_fitted_module_kwargs": dict,
        "_module_init": dict,
    }

    # --- hooks for subclasses -------------------------------------------------

    def _module_kwargs(self):
        """The parameters that define the network: the module's flat keyword
        arguments (``module=True`` in the declaration) and the components,
        copied, so that a later ``set_params`` on a component is seen."""
        return {
            name: clone(value) if isinstance(value, Component) else value
            for name, param in self._parameters.items()
            if param.module or name in self._component_params
            for value in [getattr(self, name)]
        }

    #: The component parameters that shape the network (checked unchanged
    #: by a warm-started fit or a partial_fit).
    _component_params = ("frontend", "augmentation", "bag", "embedding")

    def _validate_params(self):
        super()._validate_params()
        for name, param in self._parameters.items():
            value = getattr(self, name)
            if param.check is not None and not param.check(value):
                raise ValueError(
                    f"The {name!r} parameter of {type(self).__name__} must be "
                    f"{param.check_doc}. Got {value!r} instead."
                )
            if isinstance(value, Component):
                value.validate(name)

    #: Whether ``augmentation="auto"`` augments small numeric training sets.
    _auto_augments = False
    #: Whether the estimator trains with mixup (its loss mixes two labels).
    _mixes = False
    #: Whether training batches are always length-bucketed (frame-level
    #: estimators), or only from ``BUCKETING_AUTO_MIN_SAMPLES`` sequences.
    _always_buckets = False

    def _embedding(self, auto_resolved_bag=None):
        """The token embedding's settings: ``embedding``, or for None the
        rule's (:func:`auto_embedding`: the bag ``bag="auto"`` resolved to,
        ``auto_resolved_bag``, may narrow it)."""
        embedding = getattr(self, "embedding", None)
        if embedding is None:
            return auto_embedding(auto_resolved_bag, is_classifier(self))
        return embedding

    def _resolve_frontend(self, sequences, cell):
        """``frontend`` with "auto" (and an "auto" stride) resolved."""
        frontend = self.frontend
        if frontend == "auto":
            frontend = auto_frontend(sequences, cell)
        if isinstance(frontend, ConvFrontend) and frontend.stride == "auto":
            lengths = -(-sequences.lengths // frontend.stack)
            frontend = clone(frontend).set_params(stride=self._auto_stride(lengths))
        return frontend

    def _auto_stride(self, lengths):
        """The total stride of ``ConvFrontend(stride="auto")`` for ``lengths``."""
        return auto_frontend_stride(lengths)

    def _resolve_module_kwargs(self, sequences, partial=False):
        """The module's keyword arguments, the components resolved for the
        training ``sequences``.

        Sets the resolved components as fitted attributes: ``frontend_``,
        ``embedding_``, and ``augmentation_`` and ``bag_`` where the
        estimator has those parameters.
        """
        kwargs = {name: getattr(self, name) for name, p in self._parameters.items() if p.module}
        self.frontend_ = self._resolve_frontend(sequences, kwargs.get("cell", "lstm"))
        if self.frontend_ is None:
            kwargs.update(subsample=1, frontend=None)
        else:
            kwargs.update(self.frontend_.module_kwargs())
        self.frontend_strides_ = (
            kwargs["frontend"][1]["strides"] if kwargs["frontend"] is not None else None
        )
        # bag="auto" may choose the embedding's size (embedding=None): resolved first.
        auto_resolved_bag = None
        if "bag" in self._parameters and self.bag == "auto":
            auto_resolved_bag = auto_bag(sequences, is_classifier(self), partial)
        embedding = self._embedding(auto_resolved_bag)
        self.embedding_ = clone(embedding) if sequences.is_tokens else None
        kwargs.update(embedding_dim=int(embedding.dim), freeze_embedding=bool(embedding.freeze))
        if "augmentation" in self._parameters:
            # partial_fit's first batch says nothing of the data's size: no
            # "auto" augmentation there.
            self.augmentation_ = auto_augmentation(
                self.augmentation, sequences, self._auto_augments and not partial
            )
            if self.augmentation_ is not None and self.augmentation_.mixup and not self._mixes:
                raise ValueError(
                    f"augmentation={self.augmentation!r}: mixup mixes two sequences' labels, "
                    f"which only RNNClassifier does; {type(self).__name__} takes mixup=0 "
                    '(or "auto").'
                )
            kwargs["augmentation"] = (
                None if self.augmentation_ is None else self.augmentation_.module_kwargs()
            )
        if "bag" in self._parameters:
            bag = auto_resolved_bag if self.bag == "auto" else self.bag
            kwargs["branch"] = None
            self._subword_rows = 0
            if isinstance(bag, BRANCH_COMPONENTS):
                if sequences.is_tokens:
                    raise ValueError(
                        f"bag={bag!r} is a branch for numeric sequences; "
                        "token sequences take a TextBag (or None)."
                    )
                self.bag_ = clone(bag)  # head="auto" is resolved once the targets are
                kwargs["bag"], kwargs["branch"] = None, self.bag_.module_kwargs()
                if getattr(self.bag_.module, "fixed", False):
                    # Dilations spread over the longest training sequence.
                    kwargs["branch"]["reference_length"] = int(sequences.lengths.max())
            else:
                self.bag_ = clone(bag) if bag is not None and sequences.is_tokens else None
                kwargs["bag"] = None if self.bag_ is None else self.bag_.module_kwargs()
                self._subword_rows = 0
                if self.bag_ is not None and self.bag_.subwords is not None:
                    subwords = sequences.subwords
                    if subwords is not None and subwords.data.size:
                        # Room for every training id; 0 pads.
                        self._subword_rows = int(subwords.data.max()) + 1
                    kwargs["bag"]["subword_rows"] = self._subword_rows
                if self.bag_ is not None and self.bag_.nb and not is_classifier(self):
                    raise ValueError(
                        f"bag={self.bag!r}: nb=True weighs words by their naive-Bayes ratios "
                        f"in the class labels, which only RNNClassifier has; "
                        f"{type(self).__name__} takes nb=False."
                    )
        return kwargs

    def _output_lengths(self, lengths):
        """Frames the module outputs for inputs of ``lengths`` (after fit)."""
        frontend = self.frontend_
        return np.asarray(lengths) if frontend is None else frontend.output_lengths(lengths)

    def _split_indices(self, n_samples, y, rng):
        """Train/validation indices for early stopping (classifier stratifies)."""
        splitter = ShuffleSplit(n_splits=1, test_size=self.validation_fraction, random_state=rng)
        return next(splitter.split(np.empty((n_samples, 1))))

    def _sample_weights(self, sample_weight, targets, n_samples, *, step_weight=None):
        """Per-sample loss weights (the classifier multiplies in ``class_weight``).

        ``step_weight`` is the per-step weights argument of ``fit`` and
        ``partial_fit``; only estimators with per-step losses (the tagger)
        take it, writing the weights into their targets.
        """
        if step_weight is not None:
            raise ValueError(
                f"{type(self).__name__} has one loss per sample, not per step: step_weight "
                "applies to per-step estimators (RNNTagger). Weigh samples with sample_weight."
            )
        if sample_weight is None:
            return None
        return check_sample_weight_array(sample_weight, n_samples)

    def _target_collate(self):
        return None

    # --- fitting --------------------------------------------------------------

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

    def _fitted_subword_rows(self):
        """Character n-gram ids the fitted bag reads (0: none)."""
        rows = getattr(self, "_subword_rows", None)
        if rows is None:  # loaded from a file: the module's arguments say
            bag = (getattr(self, "_module_init", None) or {}).get("bag") or {}
            rows = bag.get("subword_rows", 0)
        return int(rows)

    def _validate_X(self, X, reset):
        sequences = check_sequences(X, estimator=self, reset=reset)
        if not sequences.is_tokens:
            _check_magnitude(sequences)
        if reset:
            # Room for the reserved ids even when the data never uses them.
            self.vocab_size_ = (
                max(int(sequences.data.max()) + 1, 2) if sequences.is_tokens else None
            )
            embedding = self._embedding()
            if embedding.weights is not None:
                self.vocab_size_ = len(_check_embedding_weights(embedding, sequences))
            if (
                self.vocab_size_ is not None
                and self.vocab_size_ * embedding.dim > MAX_EMBEDDING_WEIGHTS
            ):
                raise ValueError(
                    f"The largest token id in X is {self.vocab_size_ - 1}: the embedding "
                    f"would need {self.vocab_size_} x TokenEmbedding(dim={embedding.dim}) "
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
            rows = self._fitted_subword_rows()
            subwords = None
            if rows:
                if sequences.subwords is None:
                    raise ValueError(
                        f"{type(self).__name__} was fitted on token sequences with the "
                        "character n-grams of their words (Sequences.subwords, from "
                        "SequenceTokenizer(subwords=...)); X has none. Transform X with the "
                        "tokenizer the estimator was fitted after."
                    )
                # N-gram ids never seen in fit are left out (0 pads).
                ids = sequences.subwords.data
                subwords = Sequences(np.where(ids < rows, ids, 0), sequences.subwords.offsets)
            sequences = Sequences(data, sequences.offsets, sequences.form, subwords=subwords)
        return sequences

    def _mixup(self):
        """Mixup's alpha for training (``augmentation_``); 0 without mixup."""
        augmentation = getattr(self, "augmentation_", None)
        return 0.0 if augmentation is None else float(augmentation.mixup)

    def _lr(self):
        """The learning rate the network trains at: ``lr``, times the
        ``lr_factor`` of a fitted ``RocketBranch`` (``bag_``)."""
        factor = getattr(getattr(self, "bag_", None), "lr_factor", 1.0)
        return self.lr * (1.0 if factor == "auto" else float(factor))

    def _net_kwargs(self, seed, bucket):
        """skorch keyword arguments from the optimizer, criterion, iterator and
        training parameters (the module's come from :meth:`_module_kwargs`);
        ``bucket``: the resolved ``bucketing``."""
        criterion, criterion_kwargs = self._criterion()
        optimizer = SGD() if self.optimizer == "sgd" else self.optimizer
        optimizer_kwargs = {"weight_decay": self.weight_decay}
        if isinstance(optimizer, SGD):
            optimizer_kwargs.update(optimizer.optimizer_kwargs())
            optimizer = torch.optim.SGD
        elif isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
        return dict(
            criterion=criterion,
            mixup=self._mixup(),
            **{f"criterion__{key}": value for key, value in criterion_kwargs.items()},
            optimizer=optimizer,
            lr=self._lr(),
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

    def _callbacks(
        self, early_stopping, total_steps, score_data=None, patience=None, distributed=False
    ):
        callbacks = [("stop_on_nan", _StopOnNonFiniteLoss(self.on_divergence == "keep_best"))]
        scoring = self.scoring != "loss" and score_data is not None
        if scoring:
            callbacks.append(("valid_score", _ValidationScore(self, *score_data)))
        if distributed:
            callbacks.append(("distributed", _DistributedAgreement()))
        if total_steps is not None and self.lr_schedule == "onecycle":
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.OneCycleLR,
                        max_lr=self._lr(),
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

    @flushing_denormals()
    def _fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        partial=False,
        classes=None,
        X_val=None,
        y_val=None,
        step_weight=None,
    ):
        # Validated on every call, as sklearn's _fit_context does: a warm-started
        # fit or a partial_fit after set_params must not train with bad values.
        self._validate_params()
        context = None
        if isinstance(self.device, DataParallel):
            context = _distributed.setup(self.device)
        continuing = (partial or self.warm_start) and hasattr(self, "net_")
        sequences = self._validate_X(X, reset=not continuing)
        n_samples = len(sequences)
        if continuing:
            targets = self._encode_targets(y, sequences)
            self._check_module_unchanged()
            self._seed += 1  # a continued fit draws new batches and dropout
        else:
            self._fitted_module_kwargs = self._module_kwargs()
            module_kwargs = self._resolve_module_kwargs(sequences, partial=partial)
            if not getattr(self, "_subword_rows", 0):
                sequences = sequences.without_subwords()  # no bag reads them
            targets = self._fit_targets(y, sequences, classes)
            if getattr(getattr(self, "bag_", None), "head", None) == "auto":
                # RocketBranch(head="auto") chooses by the classes: known now.
                classifier = is_classifier(self)
                n_classes = self._n_outputs() if classifier else None
                self.bag_.set_params(head=auto_rocket_head(classifier, n_classes))
                module_kwargs["branch"].update(self.bag_.module_kwargs())
            if getattr(getattr(self, "bag_", None), "lr_factor", None) == "auto":
                self.bag_.set_params(lr_factor=auto_rocket_lr_factor(self.bag_.head))
            if getattr(getattr(self, "bag_", None), "network_weight", None) == "auto":
                weight = auto_rocket_network_weight(self.bag_.head)
                self.bag_.set_params(network_weight=weight)
                module_kwargs["branch"].update(self.bag_.module_kwargs())
            rng = check_random_state(self.random_state)
            self._seed = int(rng.randint(np.iinfo(np.int32).max))
            branch = module_kwargs.get("branch")
            if branch is not None and "reference_length" in branch:
                branch["seed"] = self._seed
            if context is None:
                self.device_ = resolve_device(self.device)
            else:
                self._seed = _distributed.broadcast_seed(self._seed, context)
                self.device_ = context.device
        if context is not None:
            _distributed.check_same_data((n_samples, int(sequences.offsets[-1])), context)
        weights = self._sample_weights(sample_weight, targets, n_samples, step_weight=step_weight)
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
            epochs = auto_max_epochs(len(train_dataset), self.batch_size, mixup=self._mixup() > 0)
        self.max_epochs_ = epochs
        # Counted as early_stopping="auto" counts: the sequences this call
        # was given (a partial_fit's chunk, say).
        self.bucketing_ = auto_bucketing(n_samples, self._always_buckets)
        net_kwargs = self._net_kwargs(self._seed, self.bucketing_)
        shard = None if context is None else (context.rank, context.world_size)
        steps_per_epoch = shard_batch_count(-(-len(train_dataset) // self.batch_size), shard)
        net_kwargs.update(
            max_epochs=epochs,
            callbacks=self._callbacks(
                mode is not None,
                None if partial else epochs * steps_per_epoch,
                score_data,
                patience=epochs if mode == "select" else self.n_iter_no_change,
                distributed=context is not None,
            ),
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            distributed=context,
            iterator_train__shard=shard,
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
                bag = getattr(self, "bag_", None)
                if getattr(bag, "nb", False):  # a TextBag with NBSVM's path
                    self._set_nb_ratios(sequences, targets)
                embedding = self._embedding()
                if embedding.weights is not None and sequences.is_tokens:
                    with torch.no_grad():
                        self.net_.module_.backbone.embedding.weight.copy_(
                            torch.as_tensor(_check_embedding_weights(embedding, sequences))
                        )
            done = 0
            if resume is not None:
                done = self._resume(checkpoint, resume)
            # A fixed branch: fitted on a new network's training sequences,
            # its features computed once for every training and validation one.
            self._set_branch_features(
                train_dataset, valid_dataset, fit=not continuing and resume is None
            )
            self.net_.partial_fit(train_dataset, None, epochs=epochs - done)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        if (
            checkpoint is not None
            and self.net_.interrupted_epoch_ is None
            and (context is None or context.rank == 0)
        ):
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

    def _set_branch_features(self, train_dataset, valid_dataset, fit):
        """For a fixed branch (MiniRocket's features): fit it on the training
        sequences if ``fit`` (its biases and standardisation), then give
        each dataset its sequences' features, which the batches carry."""
        branch = getattr(self.net_.module_, "branch", None)
        if not getattr(branch, "fixed", False):
            return
        for dataset in (train_dataset, valid_dataset):
            if dataset is None:
                continue
            sequences = dataset.sequences

            def batches(indices, sequences=sequences):
                return pad_batch(sequences, np.asarray(indices, dtype=np.int64))

            if fit and dataset is train_dataset:
                features = branch.fit(batches, sequences.lengths)
            else:
                features = branch.standardise(branch.raw_features(batches, sequences.lengths))
            if getattr(branch, "ridge_outputs", None) is not None:
                features = self._ridge_scores(branch, dataset, features, train_dataset, fit)
            dataset.branch_features = features.numpy()

    def _ridge_scores(self, branch, dataset, features, train_dataset, fit):
        """A ridge branch's scores of a dataset's sequences from their
        standardised ``features``. If ``fit``, the ridge is first fitted on
        the training sequences, and its scale in the model's outputs set
        from their leave-one-out scores."""
        if fit and dataset is train_dataset:
            classes = is_classifier(self)
            y = torch.as_tensor(np.asarray(dataset.y))
            if classes:
                # One column per class, +1 and -1 (RidgeClassifierCV's targets).
                targets = -torch.ones(len(y), branch.ridge_outputs, dtype=torch.float64)
                targets[torch.arange(len(y)), y.long()] = 1.0
            else:
                targets = y.double().reshape(len(y), -1)
            weights = dataset.sample_weight
            weights = None if weights is None else torch.as_tensor(np.asarray(weights))
            loo = branch.fit_ridge(features, targets, weights)
            scale = ridge_scale(loo, y if classes else targets, weights, classes=classes)
            self.net_.module_.branch_scale.fill_(scale)
        return branch.project(features)

    def _set_nb_ratios(self, sequences, targets, chunk=256):
        """Fill the bag's naive-Bayes log-count ratios from the training
        sequences and their encoded class ``targets``: per class against the
        rest, ``log((p / |p|_1) / (q / |q|_1))`` of the add-one counts of the
        sequences each word (n-gram bucket) occurs in."""
        bag = self.net_.module_.ngram_bag
        n_rows, n_classes = bag.nb_ratio.shape
        targets = np.asarray(targets)
        counts = torch.zeros(n_classes * n_rows, dtype=torch.float64)
        with torch.no_grad():
            for start in range(0, len(sequences), chunk):
                indices = np.arange(start, min(start + chunk, len(sequences)))
                x, lengths = pad_batch(sequences, indices)
                subwords = None
                if sequences.subwords is not None:
                    subwords = pad_batch(sequences.subwords, indices)[0]
                rows, keep = bag.nb_features(x, lengths, subwords)
                stop = start + len(indices)
                labels = torch.as_tensor(targets[start:stop], dtype=torch.int64)
                cells = (labels.unsqueeze(1) * n_rows + rows)[keep]
                counts.index_add_(0, cells, torch.ones(len(cells), dtype=torch.float64))
            counts = counts.view(n_classes, n_rows)
            p = counts + 1.0
            q = counts.sum(0, keepdim=True) - counts + 1.0
            ratio = torch.log(p / p.sum(1, keepdim=True)) - torch.log(q / q.sum(1, keepdim=True))
            bag.nb_ratio.copy_(ratio.T.to(bag.nb_ratio.dtype))

    # --- checkpoints ----------------------------------------------------------

    def _checkpoint_path(self, sequences, targets, weights, X_val, y_val):
        """The checkpoint file of this fit: named after the estimator, its
        parameters and its data, so that only the same fit resumes from it."""
        params = {
            key: value
            for key, value in self.get_params(deep=False).items()
            if key not in ("checkpoint", "verbose", "callbacks", "device")
        }
        subwords = sequences.subwords
        digest = joblib_hash(
            (type(self).__name__, params, sequences.data, sequences.offsets, targets, weights)
            + ((X_val, y_val) if X_val is not None else ())
            # The character n-grams a bag reads are data too (absent: the old name).
            + ((subwords.data, subwords.offsets) if subwords is not None else ())
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

        The one prediction path of every estimator: it reads the fitted state
        and sets nothing, so that threads may predict at once, and a batch
        that runs out of GPU memory is evaluated in halves (:meth:`_evaluate`).

        Returns
        -------
        sequences : Sequences
            The validated X (its lengths, offsets and form).
        batches : iterator of (indices, output)
            The positions in X of a batch's samples, and the module's output.
        """
        check_is_fitted(self, "net_")
        sequences = self._validate_X(X, reset=False)
        dataset = SequenceDataset(sequences)
        sampler = self.net_.get_iterator(dataset, training=False).batch_sampler
        batches = (out for indices in sampler for out in self._evaluate(dataset, indices))
        return sequences, batches

    def _evaluate(self, dataset, indices):
        """The module's output on one batch; on out-of-memory, on its halves."""
        try:
            with flushing_denormals():
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
        sequences, batches = self._predict_batches(X)
        result = None
        for indices, output in batches:
            output = output.to("cpu", torch.float64).numpy()
            if result is None:
                result = np.empty((len(sequences), output.shape[1]))
            result[indices] = output
        return result

    def _predict_steps(self, X):
        """One output row per input step, for modules that return
        ``(outputs of shape (batch, T, n_outputs), lengths)``.

        Returns
        -------
        sequences : Sequences
            The validated X; :func:`~sklearn_rnn._validation.rebuild_steps`
            puts the rows back in its form.
        outputs : ndarray of shape (total_steps, n_outputs)
            float64, in X's step order (``sequences.offsets`` delimit the
            samples); each batch's real steps are written at their samples'
            positions, its padded steps dropped.
        """
        sequences, batches = self._predict_batches(X)
        result = None
        for indices, (output, _) in batches:
            output = output.to("cpu", torch.float64).numpy()
            if result is None:
                result = np.empty((int(sequences.offsets[-1]), output.shape[2]))
            indices = np.asarray(indices, dtype=np.int64)
            real = np.arange(output.shape[1]) < sequences.lengths[indices][:, None]
            positions, _ = _gather_index(sequences.offsets, indices)
            result[positions] = output[real]
        return sequences, result

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


def _check_embedding_weights(embedding, sequences):
    """``embedding.weights`` (a TokenEmbedding's) as a float32 array of shape
    (vocabulary, dim), checked against its ``dim`` and the training tokens."""
    if not sequences.is_tokens:
        raise ValueError(
            "TokenEmbedding(weights=...) gives the rows of a token embedding, but X holds "
            "float sequences. Set embedding=None, or pass integer token sequences."
        )
    array = np.asarray(embedding.weights, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != embedding.dim:
        raise ValueError(
            f"TokenEmbedding's weights must have shape (vocabulary size, dim={embedding.dim}); "
            f"got shape {array.shape}. Set TokenEmbedding(dim=...) to the vectors' size."
        )
    largest = int(sequences.data.max())
    if len(array) <= largest:
        raise ValueError(
            f"TokenEmbedding's weights have {len(array)} rows, but the largest token id in X "
            f"is {largest}: they need one row per id, row i for id i (0 padding, 1 out of "
            "vocabulary; SequenceTokenizer's get_feature_names_out() names them)."
        )
    if not np.isfinite(array).all():
        raise ValueError("TokenEmbedding's weights hold NaN or infinite values.")
    return array


def _same(a, b):
    try:
        return a is b or bool(a == b)
    except (TypeError, ValueError):
        return False
