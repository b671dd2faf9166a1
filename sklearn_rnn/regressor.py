"""RNNRegressor: one or several real values per sequence."""

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions

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
from ._targets import TargetStandardizer, as_real_targets, check_targets
from .export import _RegressorGraph
from .nn.heads import RNNSequenceModel

LOSSES = {
    "mse": torch.nn.MSELoss,
    "mae": torch.nn.L1Loss,
    "huber": torch.nn.HuberLoss,
}


@register_estimator
@fill_doc
class RNNRegressor(RegressorMixin, BaseSequenceEstimator):
    """Recurrent-network regressor of sequences.

    Each sequence gets one value, or one vector for multi-output ``y`` (for
    example a multi-step forecast). Targets are standardised internally (and
    predictions mapped back), so that a short training fits targets of any
    scale.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    y_mean_ : ndarray of shape (n_outputs_,)
        Target means used to standardise y.
    y_scale_ : ndarray of shape (n_outputs_,)
        Target standard deviations used to standardise y.
    augmentation_ : Augmentation or None
        The training-time augmentation used (``augmentation`` with its "auto"
        settings resolved: none for regressors); None when nothing augments.
    bag_ : TextBag, ConvBranch, RocketBranch or None
        The bag of embeddings used (``bag`` with "auto" resolved), or the
        ConvBranch or RocketBranch of numeric input; None without one (a TextBag given for
        float input is ignored).
    {shared_attributes}

    See Also
    --------
    RNNClassifier : The same backbone for classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(5, 15), 2) for _ in range(60)]
    >>> y = [x[-1, 0] - x[0, 1] for x in X]
    >>> reg = RNNRegressor(hidden_size=16, max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
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
            "loss": Param(
                "mse",
                [StrOptions(set(LOSSES))],
                '{"mse", "mae", "huber"}',
                "Loss on the standardised targets.",
            )
        },
        RUNTIME,
        early_stopping={
            "doc": "Stop when the validation loss (or ``scoring``) has not improved by\n"
            "``tol`` (relative) for ``n_iter_no_change`` epochs; the best weights\n"
            "are restored. The validation set is ``X_val, y_val`` given to ``fit``,\n"
            'else ``validation_fraction`` of the data held out. "auto" enables it\n'
            "when ``X_val`` is given or there are at least 2000 training samples;\n"
            "from 50 to 1999 samples it holds out ``validation_fraction``, trains\n"
            "the whole budget and keeps the weights of the epoch with the lowest\n"
            "validation loss (on small noisy sets the last epoch has fit the noise,\n"
            "and the loss of a few held-out samples plateaus too early for\n"
            "stopping; see ``docs/user_guide/choosing.md``).",
        },
    )
    _module_class = RNNSequenceModel
    _auto_selects_best_epoch = True
    #: Fitted attributes its files hold (besides the base's), with their types.
    _saved_attributes = {
        "n_outputs_": int,
        "y_mean_": np.ndarray,
        "y_scale_": np.ndarray,
        "_y_ndim": int,
    }

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
        loss="mse",
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
        self.loss = loss
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
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        {validation_set}
        y_val : array-like, default=None
            Targets of ``X_val``, as y.

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on (X, y), initialising on the first call.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, partial=True)

    def _criterion(self):
        return LOSSES[self.loss], {"reduction": "none"}

    def _n_outputs(self):
        return self.n_outputs_

    def _fit_targets(self, y, sequences, classes=None):
        y = check_targets(y, len(sequences), type(self).__name__, convert=as_real_targets)
        standardizer = TargetStandardizer().fit(y)
        self._y_ndim = standardizer.ndim_
        self.n_outputs_ = standardizer.n_outputs_
        self.y_mean_, self.y_scale_ = standardizer.mean_, standardizer.scale_
        return standardizer.transform(y)

    def _standardizer(self):
        standardizer = TargetStandardizer()
        standardizer.ndim_, standardizer.mean_, standardizer.scale_ = (
            self._y_ndim,
            self.y_mean_,
            self.y_scale_,
        )
        return standardizer

    def _encode_targets(self, y, sequences):
        y = check_targets(y, len(sequences), type(self).__name__, convert=as_real_targets)
        return self._standardizer().transform(y)

    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : sequences
            As in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Shaped as the y given to fit.
        """
        values = self._predict_pooled(X)
        return self._standardizer().inverse_transform(values)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _onnx_graph(self, module):
        """The fitted network ``module`` in the graph :func:`~sklearn_rnn.to_onnx`
        exports: the values, de-standardised and shaped as :meth:`predict`'s."""
        return _RegressorGraph(
            module, self.vocab_size_, self.y_mean_, self.y_scale_, one_d=self._y_ndim == 1
        )
