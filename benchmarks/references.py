"""Reference implementations the package is measured against.

These are the baselines of the speed targets in ``README.md``; they are meant
to be as fast as a careful PyTorch user would write them, not straw men.

- :class:`PaddedLSTMClassifier` (W1 "hand-written, padded"): per-batch
  padding, length bucketing, the padded batch through ``nn.LSTM`` (one fused
  oneDNN kernel on CPU), each sequence's output gathered at its true last step.
  With ``packed=True`` (W1 "hand-written, packed") the same loop feeds
  ``pack_padded_sequence`` instead, which leaves the fused kernel on CPU.
- :class:`PlainSkorchClassifier` (W1 "plain skorch"): what a user writes
  today with skorch: the whole dataset padded once to the longest sequence, and
  a module that packs each batch.
- :class:`DefaultsLoop` (W1 "hand-written, defaults"): the training recipe of
  ``RNNClassifier``'s defaults written as a plain loop around the package's
  module, the reference of the default configuration's speed bar.
- :class:`GRURegressor` (W2 "hand-written"): a GRU on fixed-length windows with
  an MSE loss.
- :class:`PythonTokenizer` (W4 "pure Python"): the tokenization loop a user
  writes by hand; in a :class:`~sklearn.pipeline.Pipeline` in front of
  :class:`PaddedLSTMClassifier` it is W4's reference.

They follow scikit-learn's ``fit``/``predict`` protocol (and are sklearn
estimators, so that they can also run inside ``GridSearchCV`` in W3, and so
that the harness can read their ``get_params()``). They do not set torch's
thread count: the caller does. Which row uses which of them, with which
options, is declared in ``implementations.py``.
"""

import re

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


def _seed_everything(random_state):
    torch.manual_seed(random_state)
    return np.random.default_rng(random_state)


def _is_token_input(X):
    return np.issubdtype(np.asarray(X[0]).dtype, np.integer)


def bucketed_batches(lengths, batch_size, rng):
    """Batches of similar length, in random order.

    Shuffle first and then sort stably by length, so that sequences of equal
    length are mixed differently each epoch; cut the sorted order into batches
    and shuffle the order of the batches.
    """
    shuffled = rng.permutation(len(lengths))
    by_length = shuffled[np.argsort(lengths[shuffled], kind="stable")]
    batches = [by_length[i : i + batch_size] for i in range(0, len(by_length), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pad_batch(X, lengths, indices):
    """Pad the sequences ``X[indices]`` to the longest of them.

    Returns the padded batch as a tensor of shape ``(batch, T_max, ...)``
    sharing memory with a fresh numpy buffer, and the lengths as an int64
    tensor.
    """
    batch_lengths = lengths[indices]
    first = X[indices[0]]
    buffer = np.zeros((len(indices), batch_lengths.max(), *first.shape[1:]), dtype=first.dtype)
    for row, index in enumerate(indices):
        buffer[row, : batch_lengths[row]] = X[index]
    return torch.from_numpy(buffer), torch.from_numpy(batch_lengths)


class LSTMLastStep(nn.Module):
    """LSTM classifier on a padded batch; output taken at each true last step.

    ``packed=True`` runs the LSTM on a ``PackedSequence`` instead, and takes
    the final hidden state (the same quantity, computed differently).
    """

    def __init__(self, input_size, hidden_size, n_classes, *, packed=False, vocab_size=None):
        super().__init__()
        self.embedding = (
            None if vocab_size is None else nn.Embedding(vocab_size, input_size, padding_idx=0)
        )
        self.rnn = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_classes)
        self.packed = packed

    def forward(self, X, lengths):
        if self.embedding is not None:
            X = self.embedding(X)
        if self.packed:
            packed = pack_padded_sequence(X, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (hidden, _) = self.rnn(packed)
            last = hidden[-1]
        else:
            outputs, _ = self.rnn(X)
            # Padding only follows the real steps of a unidirectional LSTM, so
            # the output at step length-1 is exactly the unpadded result.
            last = outputs[torch.arange(X.shape[0], device=X.device), lengths.to(X.device) - 1]
        return self.head(last)


class PaddedLSTMClassifier(ClassifierMixin, BaseEstimator):
    """Hand-written PyTorch LSTM classifier for ragged sequences.

    Parameters
    ----------
    hidden_size : int, default=64
    batch_size : int, default=64
    lr : float, default=1e-3
        Adam's learning rate.
    max_epochs : int, default=2
    packed : bool, default=False
        Feed ``pack_padded_sequence`` to the LSTM instead of the padded batch.
    embedding_dim : int, default=64
        Used only when ``X`` holds integer token sequences (W4).
    random_state : int, default=0
    device : str, default="cpu"
    """

    def __init__(
        self,
        *,
        hidden_size=64,
        batch_size=64,
        lr=1e-3,
        max_epochs=2,
        packed=False,
        embedding_dim=64,
        random_state=0,
        device="cpu",
    ):
        self.hidden_size = hidden_size
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.packed = packed
        self.embedding_dim = embedding_dim
        self.random_state = random_state
        self.device = device

    def fit(self, X, y):
        rng = _seed_everything(self.random_state)
        X = list(X)
        lengths = np.array([len(x) for x in X], dtype=np.int64)
        self.classes_, y_encoded = np.unique(np.asarray(y), return_inverse=True)
        y_tensor = torch.from_numpy(y_encoded.astype(np.int64))
        if _is_token_input(X):
            vocab_size = int(max(x.max() for x in X)) + 1
            input_size = self.embedding_dim
        else:
            vocab_size = None
            input_size = X[0].shape[1]
        self.module_ = LSTMLastStep(
            input_size,
            self.hidden_size,
            len(self.classes_),
            packed=self.packed,
            vocab_size=vocab_size,
        ).to(self.device)
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=self.lr)
        criterion = nn.CrossEntropyLoss()
        self.module_.train()
        for _ in range(self.max_epochs):
            for indices in bucketed_batches(lengths, self.batch_size, rng):
                X_batch, lengths_batch = pad_batch(X, lengths, indices)
                X_batch = X_batch.to(self.device, non_blocking=True)
                y_batch = y_tensor[indices].to(self.device, non_blocking=True)
                optimizer.zero_grad(set_to_none=True)
                loss = criterion(self.module_(X_batch, lengths_batch), y_batch)
                loss.backward()
                optimizer.step()
        return self

    def decision_function(self, X):
        X = list(X)
        lengths = np.array([len(x) for x in X], dtype=np.int64)
        # Predict in length order (little padding per batch), then restore order.
        order = np.argsort(lengths, kind="stable")
        scores = []
        self.module_.eval()
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                X_batch, lengths_batch = pad_batch(
                    X, lengths, order[start : start + self.batch_size]
                )
                scores.append(self.module_(X_batch.to(self.device), lengths_batch))
        scores_sorted = torch.cat(scores).cpu().numpy()
        result = np.empty_like(scores_sorted)
        result[order] = scores_sorted
        return result

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class GRULastStep(nn.Module):
    """GRU regressor on fixed-length windows: a linear head on the last step."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.GRU(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, X):
        outputs, _ = self.rnn(X)
        return self.head(outputs[:, -1]).squeeze(1)


class GRURegressor(RegressorMixin, BaseEstimator):
    """Hand-written PyTorch GRU regressor on a 3-D array ``(n, T, features)``.

    The target is standardised for training and restored at predict time, as
    the package's regressor does.
    """

    def __init__(
        self, *, hidden_size=32, batch_size=64, lr=1e-3, max_epochs=3, random_state=0, device="cpu"
    ):
        self.hidden_size = hidden_size
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device

    def fit(self, X, y):
        rng = _seed_everything(self.random_state)
        X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        y = np.asarray(y, dtype=np.float32)
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std() or 1.0)
        y = torch.from_numpy((y - self.y_mean_) / self.y_scale_)
        self.module_ = GRULastStep(X.shape[2], self.hidden_size).to(self.device)
        optimizer = torch.optim.Adam(self.module_.parameters(), lr=self.lr)
        criterion = nn.MSELoss()
        self.module_.train()
        for _ in range(self.max_epochs):
            permutation = torch.from_numpy(rng.permutation(len(X)))
            for start in range(0, len(X), self.batch_size):
                indices = permutation[start : start + self.batch_size]
                X_batch = X[indices].to(self.device, non_blocking=True)
                y_batch = y[indices].to(self.device, non_blocking=True)
                optimizer.zero_grad(set_to_none=True)
                loss = criterion(self.module_(X_batch), y_batch)
                loss.backward()
                optimizer.step()
        return self

    def predict(self, X):
        X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        outputs = []
        self.module_.eval()
        with torch.inference_mode():
            for start in range(0, len(X), self.batch_size):
                outputs.append(self.module_(X[start : start + self.batch_size].to(self.device)))
        return torch.cat(outputs).cpu().numpy() * self.y_scale_ + self.y_mean_


class PackingLSTMModule(nn.Module):
    """The module a skorch user writes: it packs the globally padded batch."""

    def __init__(self, input_size=16, hidden_size=64, n_classes=4):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, X, lengths):
        packed = pack_padded_sequence(X, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.rnn(packed)
        return self.head(hidden[-1])


class PlainSkorchClassifier(ClassifierMixin, BaseEstimator):
    """Plain skorch, as a user writes it today.

    The whole dataset is padded once to its longest sequence and handed to
    ``skorch.NeuralNetClassifier`` as ``{"X": padded, "lengths": lengths}``;
    the module packs each batch. skorch shuffles the samples (no bucketing).
    ``train_split=None`` so that skorch trains on the same rows as the other
    implementations (its default holds out 20 % for validation).
    """

    def __init__(
        self, *, hidden_size=64, batch_size=64, lr=1e-3, max_epochs=2, random_state=0, device="cpu"
    ):
        self.hidden_size = hidden_size
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device

    @staticmethod
    def _pad_globally(X):
        lengths = np.array([len(x) for x in X], dtype=np.int64)
        padded = np.zeros((len(X), lengths.max(), X[0].shape[1]), dtype=np.float32)
        for row, sequence in enumerate(X):
            padded[row, : len(sequence)] = sequence
        return {"X": padded, "lengths": lengths}

    def fit(self, X, y):
        from skorch import NeuralNetClassifier

        torch.manual_seed(self.random_state)
        X = list(X)
        self.classes_, y_encoded = np.unique(np.asarray(y), return_inverse=True)
        self.net_ = NeuralNetClassifier(
            PackingLSTMModule,
            module__input_size=X[0].shape[1],
            module__hidden_size=self.hidden_size,
            module__n_classes=len(self.classes_),
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            train_split=None,
            iterator_train__shuffle=True,
            device=self.device,
            verbose=0,
        )
        self.net_.fit(self._pad_globally(X), y_encoded.astype(np.int64))
        return self

    def predict(self, X):
        return self.classes_[self.net_.predict(self._pad_globally(list(X)))]


_WORD = re.compile(r"\w+")


class PythonTokenizer(BaseEstimator):
    """Reference tokenizer: the plain-Python loop a user writes by hand.

    Lower-cases, splits on ``\\w+``, indexes words by order of first
    appearance (0 is padding, 1 is unknown) and returns one int64 array per
    document.
    """

    def fit(self, documents, y=None):
        self.vocabulary_ = {}
        for document in documents:
            for word in _WORD.findall(document.lower()):
                if word not in self.vocabulary_:
                    self.vocabulary_[word] = len(self.vocabulary_) + 2
        return self

    def transform(self, documents):
        vocabulary = self.vocabulary_
        return [
            np.array(
                [vocabulary.get(w, 1) for w in _WORD.findall(d.lower())] or [1], dtype=np.int64
            )
            for d in documents
        ]

    def fit_transform(self, documents, y=None):
        return self.fit(documents).transform(documents)


class DefaultsLoop(PaddedLSTMClassifier):
    """The hand-written loop of ``RNNClassifier``'s default configuration.

    The training recipe of the defaults written out by hand: the package's own
    torch module (``sklearn_rnn.nn.RNNSequenceModel``) with the
    arguments the defaults resolve to on this data (on W1's 16 features: the
    convolutional front end with stride 1, an LSTM of 64 units, "mean+max+last"
    pooling), AdamW (lr 3e-3, weight decay 1e-2) under a one-cycle schedule
    stepped every batch, gradient clipping at norm 1, batches of 32 with
    length bucketing and per-batch padding. What it leaves out is exactly what
    the estimator adds: input validation, skorch's loop and callbacks, the
    history. Defaults are read from the estimator, so the two stay equal.
    """

    def __init__(self, *, max_epochs=2, random_state=0, device="cpu"):
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device

    def fit(self, X, y):
        from sklearn_rnn import RNNClassifier
        from sklearn_rnn._validation import check_sequences

        defaults = RNNClassifier()
        rng = _seed_everything(self.random_state)
        X = list(X)
        lengths = np.array([len(x) for x in X], dtype=np.int64)
        self.classes_, y_encoded = np.unique(np.asarray(y), return_inverse=True)
        y_tensor = torch.from_numpy(y_encoded.astype(np.int64))
        kwargs = defaults._resolve_module_kwargs(check_sequences(X))
        self.module_ = defaults._module_class(
            n_outputs=len(self.classes_), input_size=X[0].shape[1], vocab_size=None, **kwargs
        ).to(self.device)
        optimizer = torch.optim.AdamW(
            self.module_.parameters(), lr=defaults.lr, weight_decay=defaults.weight_decay
        )
        batch_size = defaults.batch_size
        steps = self.max_epochs * -(-len(X) // batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=defaults.lr, total_steps=steps, cycle_momentum=False
        )
        criterion = nn.CrossEntropyLoss()
        self.module_.train()
        for _ in range(self.max_epochs):
            for indices in bucketed_batches(lengths, batch_size, rng):
                X_batch, lengths_batch = pad_batch(X, lengths, indices)
                X_batch = X_batch.to(self.device, non_blocking=True)
                y_batch = y_tensor[indices].to(self.device, non_blocking=True)
                optimizer.zero_grad(set_to_none=True)
                loss = criterion(self.module_(X_batch, lengths_batch), y_batch)
                loss.backward()
                nn.utils.clip_grad_norm_(self.module_.parameters(), defaults.clip_grad_norm)
                optimizer.step()
                schedule.step()
        self.batch_size = 256  # prediction batches, as the estimator's
        return self
