"""The estimator base shared by the classifier, the regressor and CTC.

Parameters live flat on the estimator; ``fit`` validates them and the data,
builds a skorch :class:`~skorch.NeuralNet` from them and keeps it as ``net_``.
Composition, not inheritance from skorch: sklearn's contract holds on our
class, and skorch's training loop, callbacks and history stay reachable.
"""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split
from skorch.utils import to_tensor

from ._data import BucketIterator, SequenceDataset, pad_batch
from ._validation import check_sample_weight_array, check_sequences
from .modules import CELLS

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "sgd": torch.optim.SGD,
}

#: Below this many samples ``early_stopping="auto"`` trains on all the data.
EARLY_STOPPING_AUTO_MIN_SAMPLES = 2000


class TrainingDivergedError(ValueError):
    """Raised when the training loss becomes NaN or infinite."""


class _StopOnNonFiniteLoss(Callback):
    """Stop training with a clear error as soon as a batch loss is not finite."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if training and loss is not None and not math.isfinite(loss.item()):
            epoch = len(net.history)
            raise TrainingDivergedError(
                f"The training loss became {loss.item()} in epoch {epoch}: training "
                f"diverged. Use a lower learning rate (lr={net.lr}) or set "
                "clip_grad_norm (for example clip_grad_norm=1.0), and check that X "
                "and y are scaled."
            )


class _SequenceNet(NeuralNet):
    """skorch net whose batches are ``({"x", "lengths"[, "sample_weight"]}, y)``.

    The criterion is built with ``reduction="none"`` so that sample weights
    apply per sample; ``sample_weight`` never reaches the module.
    """

    def infer(self, x, **fit_params):
        x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        loss = self.criterion_(y_pred, y_true)
        if loss.ndim > 1:
            loss = loss.reshape(len(loss), -1).mean(dim=1)
        if isinstance(X, dict) and "sample_weight" in X:
            loss = loss * X["sample_weight"].to(loss.device)
        return loss.mean()


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    return device


class BaseSequenceEstimator(BaseEstimator):
    """Shared parameters, training and prediction of the package's estimators.

    Subclasses define ``_module_class``, ``_criterion`` (class and kwargs),
    ``_encode_targets`` (fit), ``_n_outputs`` and the prediction methods.
    """

    _parameter_constraints = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions({"last", "mean", "max"})],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "bucketing": ["boolean"],
        "random_state": ["random_state"],
        "device": [StrOptions({"auto", "cpu"}), str],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
    }

    # --- hooks for subclasses -------------------------------------------------

    def _module_kwargs(self, sequences):
        """Keyword arguments of the torch module, sizes taken from the data."""
        kwargs = dict(
            cell=self.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            subsample=self.subsample,
            embedding_dim=self.embedding_dim,
        )
        if sequences.is_tokens:
            # Room for the reserved ids even when the data never uses them.
            self.vocab_size_ = max(int(sequences.data.max()) + 1, 2)
            kwargs.update(input_size=1, vocab_size=self.vocab_size_)
        else:
            self.vocab_size_ = None
            kwargs.update(input_size=sequences.n_features)
        return kwargs

    def _split_indices(self, n_samples, y, rng):
        """Train/validation indices for early stopping (classifier stratifies)."""
        from sklearn.model_selection import ShuffleSplit

        splitter = ShuffleSplit(n_splits=1, test_size=self.validation_fraction, random_state=rng)
        return next(splitter.split(np.empty((n_samples, 1))))

    # --- fitting --------------------------------------------------------------

    def _early_stopping_on(self, n_samples):
        if self.early_stopping == "auto":
            return n_samples >= EARLY_STOPPING_AUTO_MIN_SAMPLES
        return bool(self.early_stopping)

    def _validate_X(self, X, reset):
        sequences = check_sequences(X, estimator=self, reset=reset)
        if not reset and sequences.is_tokens != (self.vocab_size_ is not None):
            expected = (
                "integer token sequences" if self.vocab_size_ is not None else "float sequences"
            )
            raise ValueError(
                f"{type(self).__name__} was fitted on {expected}; X holds "
                f"{'token' if sequences.is_tokens else 'float'} sequences."
            )
        if not reset and sequences.is_tokens:
            # Ids never seen in fit are out of vocabulary, as the tokenizer's are.
            from ._validation import OOV_TOKEN_ID, Sequences

            data = np.where(sequences.data < self.vocab_size_, sequences.data, OOV_TOKEN_ID)
            sequences = Sequences(data, sequences.offsets)
        return sequences

    def _build_net(self, module_kwargs, n_outputs, seed, device, n_samples, valid_dataset):
        criterion, criterion_kwargs = self._criterion()
        optimizer = self.optimizer
        optimizer_kwargs = {"weight_decay": self.weight_decay}
        if isinstance(optimizer, str):
            if optimizer == "sgd":
                optimizer_kwargs["momentum"] = self.momentum
            optimizer = OPTIMIZERS[optimizer]
        callbacks = [("stop_on_nan", _StopOnNonFiniteLoss())]
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        if valid_dataset is not None:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="rel",
                        load_best=True,
                        sink=print if self.verbose else _noop,
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.extend(self.callbacks or [])
        rng = np.random.default_rng(seed)
        return _SequenceNet(
            module=self._module_class,
            module__n_outputs=n_outputs,
            **{f"module__{key}": value for key, value in module_kwargs.items()},
            criterion=criterion,
            criterion__reduction="none",
            **{f"criterion__{key}": value for key, value in criterion_kwargs.items()},
            optimizer=optimizer,
            lr=self.lr,
            **{f"optimizer__{key}": value for key, value in optimizer_kwargs.items()},
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=BucketIterator,
            iterator_train__shuffle=True,
            iterator_train__bucket=self.bucketing,
            iterator_train__random_state=rng,
            iterator_valid=BucketIterator,
            iterator_valid__bucket=self.bucketing,
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            callbacks=callbacks,
            device=device,
            verbose=int(self.verbose),
        )

    def _fit(self, X, y, sample_weight=None, *, partial=False, classes=None):
        first_call = not (partial or self.warm_start) or not hasattr(self, "net_")
        if first_call:
            self._validate_params()
        sequences = self._validate_X(X, reset=first_call)
        n_samples = len(sequences)
        targets = self._encode_targets(y, sequences, reset=first_call, classes=classes)
        weights = self._sample_weights(sample_weight, n_samples)
        rng = check_random_state(self.random_state) if first_call else None
        if first_call:
            self._seed = int(rng.randint(np.iinfo(np.int32).max))
            self.device_ = _resolve_device(self.device)
        use_valid = not partial and self._early_stopping_on(n_samples)
        valid_dataset = None
        if use_valid:
            train_idx, valid_idx = self._split_indices(
                n_samples, targets, rng or np.random.RandomState(self._seed)
            )
            valid_dataset = self._dataset(sequences.take(valid_idx), targets, weights, valid_idx)
            train_dataset = self._dataset(sequences.take(train_idx), targets, weights, train_idx)
        else:
            train_dataset = self._dataset(sequences, targets, weights, None)
        devices = [torch.device(self.device_).index or 0] if self.device_.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self._seed)
            if first_call:
                module_kwargs = self._module_kwargs(sequences)
                self.net_ = self._build_net(
                    module_kwargs,
                    self._n_outputs(),
                    self._seed,
                    self.device_,
                    n_samples,
                    valid_dataset,
                )
                self.net_.initialize()
            else:
                self.net_.train_split = (
                    None if valid_dataset is None else predefined_split(valid_dataset)
                )
                self._seed += 1  # a continued fit draws new batches and dropout
            epochs = 1 if partial else self.max_epochs
            self.net_.partial_fit(train_dataset, None, epochs=epochs)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        return self

    def _dataset(self, sequences, targets, weights, indices):
        if indices is not None:
            targets = (
                targets[indices] if not isinstance(targets, list) else [targets[i] for i in indices]
            )
            weights = None if weights is None else weights[indices]
        return SequenceDataset(sequences, targets, weights, target_collate=self._target_collate())

    def _target_collate(self):
        return None

    def _sample_weights(self, sample_weight, n_samples):
        if sample_weight is None:
            return None
        return check_sample_weight_array(sample_weight, n_samples)

    # --- prediction -----------------------------------------------------------

    def _forward(self, X, batch_size=None):
        """Module outputs for X, computed in length order, returned in X's order.

        Returns a list of per-batch outputs and the sample order they follow.
        """
        check_is_fitted(self, "net_")
        sequences = self._validate_X(X, reset=False)
        module = self.net_.module_
        module.eval()
        device = self.net_.device
        order = np.argsort(sequences.lengths, kind="stable")
        batch_size = batch_size or max(self.batch_size, 256)
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                indices = order[start : start + batch_size]
                x, lengths = pad_batch(sequences, indices)
                outputs.append(module(x.to(device), lengths.to(device)))
        return outputs, order

    def _forward_pooled(self, X):
        """One output row per sample, as a float64 array in X's order."""
        outputs, order = self._forward(X)
        stacked = torch.cat(outputs).to("cpu", torch.float64).numpy()
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _noop(*args, **kwargs):
    pass


_SHARED_PARAMETERS = """cell : {"lstm", "gru", "rnn_tanh", "rnn_relu"}, default="lstm"
        Recurrent cell. LSTM is the default: on CPU it runs one fused oneDNN
        kernel and is several times faster per step than GRU or a vanilla RNN
        (see ``benchmarks/README.md``).
    hidden_size : int, default=64
        Units per recurrent layer and direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Add a backward direction (exact within each sequence's length).
    dropout : float, default=0.0
        Dropout between stacked layers and on the recurrent output.
    embedding_dim : int, default=64
        Embedding size, used when X holds integer token sequences.
    subsample : int, default=1
        Stack this many consecutive frames into one before the recurrent
        layers, shortening long sequences by that factor.
    optimizer : {"adam", "rmsprop", "sgd"} or torch optimizer class, default="adam"
    lr : float, default=3e-3
        Learning rate.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    batch_size : int, default=32
    max_epochs : int, default=50
        Passes over the training data (fewer when early stopping ends training).
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm at this value; None disables clipping.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the data and stop when the
        validation loss has not improved by ``tol`` (relative) for
        ``n_iter_no_change`` epochs; the best weights are restored. "auto"
        enables it when there are at least 2000 training samples.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    bucketing : bool, default=True
        Draw batches of similar lengths, so that per-batch padding stays small.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, dropout and the validation
        split. The same value gives the same model on CPU.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        "auto" uses CUDA when it is available.
    verbose : int, default=0
        When positive, print a progress bar and a line per epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted network.
    callbacks : list of (str, skorch Callback) or None, default=None
        Extra skorch callbacks, added to the ones the estimator sets up."""

_SHARED_ATTRIBUTES = """n_features_in_ : int
        Features per time step (the number of columns for 2-D input).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, defined only when X was a DataFrame.
    vocab_size_ : int or None
        Embedding rows when X held integer tokens, else None.
    net_ : skorch.NeuralNet
        The fitted skorch net (module, optimizer, callbacks, history).
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss`` with early stopping).
    n_epochs_ : int
        Epochs trained.
    device_ : str
        The device used."""


def fill_doc(cls):
    """Substitute the shared parameter and attribute text into a docstring."""
    cls.__doc__ = cls.__doc__.replace("{shared_parameters}", _SHARED_PARAMETERS).replace(
        "{shared_attributes}", _SHARED_ATTRIBUTES
    )
    return cls
