"""RNNClassifier: one label per sequence, trained with cross-entropy."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight

from ._base import BaseSequenceEstimator
from ._params import (
    AUGMENTATION,
    BACKBONE,
    BAG,
    EMBEDDING,
    FRONTEND,
    POOLING,
    RUNTIME,
    TRAINING,
    Param,
    declare,
    fill_doc,
)
from ._registry import register_estimator
from ._targets import as_labels, check_targets, encode_labels, learn_classes
from .export import _ClassifierGraph
from .nn.heads import RNNSequenceModel


@register_estimator
@fill_doc
class RNNClassifier(ClassifierMixin, BaseSequenceEstimator):
    """Recurrent-network classifier of sequences.

    Each sequence gets one label. Variable-length sequences are padded per
    batch and handled exactly: a prediction never depends on padding or on
    the other samples of its batch.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    augmentation_ : Augmentation or None
        The training-time augmentation used (``augmentation`` with its "auto"
        settings resolved), e.g. ``Augmentation(jitter=0.1, scaling=0.2,
        time_mask=0.0, feature_mask=0.0, mixup=0.2)``; None when nothing
        augments.
    bag_ : TextBag, ConvBranch, RocketBranch or None
        The bag of embeddings used (``bag`` with "auto" resolved), or the
        ConvBranch or RocketBranch of numeric input; None without one (a TextBag given for
        float input is ignored).
    {shared_attributes}

    See Also
    --------
    RNNRegressor : The same backbone for regression.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(5, 15), 3) for _ in range(60)]
    >>> y = [int(x[:, 0].sum() > 0) for x in X]
    >>> clf = RNNClassifier(hidden_size=16, max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameters = declare(
        BACKBONE,
        FRONTEND,
        POOLING,
        AUGMENTATION,
        EMBEDDING,
        BAG,
        TRAINING,
        {
            "class_weight": Param(
                None,
                [dict, StrOptions({"balanced"}), None],
                'dict, "balanced" or None',
                "Weights of the classes in the loss, as in sklearn's linear models.",
            )
        },
        RUNTIME,
    )
    _module_class = RNNSequenceModel
    _auto_augments = True
    _mixes = True
    #: Fitted attributes its files hold (besides the base's), with their types.
    _saved_attributes = {"classes_": np.ndarray}

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        frontend="auto",
        pooling="mean+max+last",
        augmentation="auto",
        embedding=None,
        bag="auto",
        optimizer="adamw",
        lr=0.003,
        weight_decay=0.01,
        lr_schedule="onecycle",
        batch_size=32,
        max_epochs="auto",
        clip_grad_norm=1.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=0.0001,
        scoring="loss",
        on_divergence="raise",
        class_weight=None,
        random_state=None,
        device="auto",
        verbose=0,
        warm_start=False,
        callbacks=None,
        checkpoint=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.frontend = frontend
        self.pooling = pooling
        self.augmentation = augmentation
        self.embedding = embedding
        self.bag = bag
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.on_divergence = on_divergence
        self.class_weight = class_weight
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.checkpoint = checkpoint

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Fit the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or sequence of arrays
            Sequences in any form the package accepts (3-D array, 2-D array or
            DataFrame of univariate sequences, list or Series of
            ``(T_i, n_features)`` arrays, integer token sequences, padded output
            of ``SequencePadder``).
        y : array-like of shape (n_samples,)
            Labels of any type sklearn accepts (ints, strings, Categorical).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        {validation_set}
        y_val : array-like, default=None
            Targets of ``X_val``, as y.

        Returns
        -------
        self : RNNClassifier
        """
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on (X, y), initialising on the first call.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes; needed on the first call when this batch of data
            does not hold every class.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RNNClassifier
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _criterion(self):
        return torch.nn.CrossEntropyLoss, {"reduction": "none"}

    def _n_outputs(self):
        return len(self.classes_)

    def _fit_targets(self, y, sequences, classes=None):
        y = check_targets(y, len(sequences), type(self).__name__, convert=as_labels)
        self.classes_ = learn_classes(y if classes is None else as_labels(classes))
        return encode_labels(y, self.classes_)

    def _encode_targets(self, y, sequences):
        y = check_targets(y, len(sequences), type(self).__name__, convert=as_labels)
        return encode_labels(y, self.classes_)

    def _sample_weights(self, sample_weight, targets, n_samples, *, step_weight=None):
        weights = super()._sample_weights(
            sample_weight, targets, n_samples, step_weight=step_weight
        )
        if self.class_weight is None:
            return weights
        # Computed on the encoded labels: their codes index classes_.
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            class_weight = {
                int(np.searchsorted(self.classes_, label)): weight
                for label, weight in class_weight.items()
                if label in self.classes_
            }
        per_sample = compute_sample_weight(class_weight, targets).astype(np.float32)
        return per_sample if weights is None else per_sample * weights

    def _split_indices(self, n_samples, y, rng):
        counts = np.bincount(y)
        if counts[counts > 0].min() >= 2 and int(n_samples * self.validation_fraction) >= len(
            counts
        ):
            splitter = StratifiedShuffleSplit(
                n_splits=1, test_size=self.validation_fraction, random_state=rng
            )
            return next(splitter.split(np.empty((n_samples, 1)), y))
        return super()._split_indices(n_samples, y, rng)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        logits = self._predict_pooled(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        logits = self._predict_pooled(X)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        best = np.argmax(self._predict_pooled(X), axis=1)
        return self.classes_[best]

    def _onnx_graph(self, module):
        """The fitted network ``module`` in the graph :func:`~sklearn_rnn.to_onnx`
        exports: class probabilities and logits."""
        return _ClassifierGraph(module, self.vocab_size_)
