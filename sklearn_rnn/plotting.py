"""Visualisations of fitted estimators, in scikit-learn's Display style.

Each display is built with ``Display.from_estimator(...)``, which computes what
to draw and calls :meth:`plot`; :meth:`plot` draws on a given or new
matplotlib axes and stores the artists (``ax_``, ``figure_``, ``lines_``...),
so the figure can be restyled afterwards. A display can also be built from
its data directly and plotted later.

matplotlib is optional: this module imports without it, and drawing raises an
``ImportError`` that says how to install it (``pip install "sklearn-rnn[plot]"``).
"""

from numbers import Integral

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

__all__ = ["CTCAlignmentDisplay", "TrainingCurveDisplay"]

#: What to install for the plotting functions.
PLOT_EXTRA = 'pip install "sklearn-rnn[plot]"'

# History keys that are bookkeeping, not per-epoch scores.
_NOT_SCORES = {"epoch", "dur", "batches"}


def check_matplotlib_support(caller_name):
    """Raise an ImportError naming the ``plot`` extra when matplotlib is missing.

    scikit-learn's ``check_matplotlib_support``, with this package's extra.

    Parameters
    ----------
    caller_name : str
        The name of the function or method that needs matplotlib.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{caller_name} requires matplotlib. Install it with the plotting extra: "
            f"{PLOT_EXTRA} (or pip install matplotlib)."
        ) from error


def _get_ax(ax):
    """The given axes, or a new one on a new figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _style(defaults, user):
    """``defaults`` updated with the user's matplotlib keywords (None: none)."""
    style = dict(defaults)
    style.update(user or {})
    return style


def _column(history, key):
    """One history key over the epochs, as floats (NaN where an epoch lacks it)."""
    values = []
    for row in history:
        value = row.get(key)
        values.append(np.nan if value is None else float(value))
    return np.asarray(values, dtype=np.float64)


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _score_keys(history):
    """Per-epoch numeric keys of the history that are neither losses nor bookkeeping."""
    keys = []
    for row in history:
        for key, value in row.items():
            if (
                key in keys
                or key in _NOT_SCORES
                or key.startswith("event_")  # e.g. the learning rate of LRScheduler
                or key.endswith(("_best", "_batch_count"))
                or "loss" in key
                or not _is_number(value)
            ):
                continue
            keys.append(key)
    return keys


def _pick_score(history, score):
    """The history key shown as the validation score, or None."""
    if score is None:
        return None
    candidates = _score_keys(history)
    if score == "auto":
        if "valid_score" in candidates:
            return "valid_score"
        valid = [key for key in candidates if key.startswith("valid")]
        return (valid or candidates or [None])[0]
    if not isinstance(score, str):
        raise TypeError(f"score must be 'auto', a history key or None; got {score!r}.")
    if not any(score in row for row in history):
        raise ValueError(
            f"score={score!r} is not a key of the history; per-epoch scores there: "
            f"{candidates or 'none'}. Add one with a skorch EpochScoring callback."
        )
    return score


def _kept_epoch(net, epochs):
    """The epoch whose weights the fitted network holds.

    skorch's ``EarlyStopping(load_best=True)`` restores the weights of its best
    epoch (``best_epoch_``) at the end of training; otherwise the weights are
    the last epoch's.
    """
    kept = None
    for _, callback in getattr(net, "callbacks_", None) or []:
        if getattr(callback, "load_best", False) and hasattr(callback, "best_epoch_"):
            kept = callback.best_epoch_
    if kept in set(epochs.tolist()):
        return int(kept)
    return int(epochs[-1])


class TrainingCurveDisplay:
    """Training curves of a fitted estimator: losses and score per epoch.

    Draws the training loss, the validation loss (when early stopping held out
    data) and a per-epoch validation score (when the history has one, e.g.
    from a skorch ``EpochScoring`` callback) on a twin y-axis, and marks the
    epoch whose weights the estimator kept.

    Build it with :meth:`from_estimator`; the constructor is for data that is
    already at hand.

    Parameters
    ----------
    epochs : array-like of shape (n_epochs,)
        Epoch numbers.
    train_loss : array-like of shape (n_epochs,)
        Training loss per epoch.
    valid_loss : array-like of shape (n_epochs,) or None, default=None
        Validation loss per epoch.
    valid_score : array-like of shape (n_epochs,) or None, default=None
        A validation score per epoch.
    score_name : str or None, default=None
        The score's name, used as its axis label and legend entry.
    kept_epoch : int or None, default=None
        The epoch whose weights were kept; None draws no marker.
    estimator_name : str or None, default=None
        Used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the losses.
    score_ax_ : matplotlib Axes or None
        Twin axes of the score, None when there is no score.
    figure_ : matplotlib Figure
        Figure holding the axes.
    lines_ : dict of str to matplotlib Line2D
        The curves, keyed ``"train_loss"``, ``"valid_loss"`` and ``"score"``
        (only those drawn).
    kept_line_ : matplotlib Line2D or None
        Vertical line at the kept epoch.
    kept_marker_ : matplotlib Line2D or None
        Marker on the validation (else training) loss at the kept epoch.

    See Also
    --------
    CTCAlignmentDisplay : What a fitted transcriber reads, frame by frame.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_rnn import RNNClassifier
    >>> from sklearn_rnn.datasets import make_order_task
    >>> from sklearn_rnn.plotting import TrainingCurveDisplay
    >>> X, y = make_order_task(n_samples=100, random_state=0)
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=3, early_stopping=True,
    ...                     random_state=0).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['train_loss', 'valid_loss']
    """

    def __init__(
        self,
        *,
        epochs,
        train_loss,
        valid_loss=None,
        valid_score=None,
        score_name=None,
        kept_epoch=None,
        estimator_name=None,
    ):
        self.epochs = epochs
        self.train_loss = train_loss
        self.valid_loss = valid_loss
        self.valid_score = valid_score
        self.score_name = score_name
        self.kept_epoch = kept_epoch
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        logy=False,
        train_kw=None,
        valid_kw=None,
        score_kw=None,
        kept_kw=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure and axes.
        logy : bool, default=False
            Log scale for the losses.
        train_kw, valid_kw, score_kw : dict, default=None
            Keywords of ``ax.plot`` for the training loss, the validation loss
            and the score.
        kept_kw : dict, default=None
            Keywords of ``ax.axvline`` for the kept-epoch line.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, with the artists stored.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _get_ax(ax)
        epochs = np.asarray(self.epochs)
        train_loss = np.asarray(self.train_loss, dtype=np.float64)
        self.lines_ = {}
        (self.lines_["train_loss"],) = ax.plot(
            epochs,
            train_loss,
            **_style({"label": "train loss", "color": "C0", "marker": "."}, train_kw),
        )
        if self.valid_loss is not None:
            (self.lines_["valid_loss"],) = ax.plot(
                epochs,
                np.asarray(self.valid_loss, dtype=np.float64),
                **_style({"label": "validation loss", "color": "C1", "marker": "."}, valid_kw),
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if logy:
            ax.set_yscale("log")

        self.kept_line_ = self.kept_marker_ = None
        if self.kept_epoch is not None:
            position = np.flatnonzero(epochs == self.kept_epoch)
            if len(position) == 0:
                raise ValueError(
                    f"kept_epoch={self.kept_epoch} is not one of the epochs {epochs.tolist()}."
                )
            self.kept_line_ = ax.axvline(
                self.kept_epoch,
                **_style(
                    {
                        "color": "0.4",
                        "linestyle": "--",
                        "linewidth": 1,
                        "label": f"kept weights (epoch {self.kept_epoch})",
                    },
                    kept_kw,
                ),
            )
            reference = "valid_loss" if "valid_loss" in self.lines_ else "train_loss"
            (self.kept_marker_,) = ax.plot(
                [self.kept_epoch],
                [self.lines_[reference].get_ydata()[position[0]]],
                linestyle="none",
                marker="*",
                markersize=14,
                color=self.lines_[reference].get_color(),
                zorder=3,
            )

        handles = list(self.lines_.values())
        if self.kept_line_ is not None:
            handles.append(self.kept_line_)
        self.score_ax_ = None
        if self.valid_score is not None:
            self.score_ax_ = ax.twinx()
            name = self.score_name or "validation score"
            (self.lines_["score"],) = self.score_ax_.plot(
                epochs,
                np.asarray(self.valid_score, dtype=np.float64),
                **_style({"label": name, "color": "C2", "marker": "."}, score_kw),
            )
            self.score_ax_.set_ylabel(name)
            handles.append(self.lines_["score"])
            # Draw the losses, the marker and the legend above the twin axes.
            ax.set_zorder(self.score_ax_.get_zorder() + 1)
            ax.patch.set_visible(False)
        # With a score, the middle right is usually free: losses end low, scores high.
        ax.legend(handles=handles, loc="center right" if self.score_ax_ else "best")
        if self.estimator_name is not None:
            ax.set_title(f"Training of {self.estimator_name}")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        score="auto",
        ax=None,
        logy=False,
        train_kw=None,
        valid_kw=None,
        score_kw=None,
        kept_kw=None,
    ):
        """Plot the training curves of a fitted estimator.

        Parameters
        ----------
        estimator : RNNClassifier, RNNRegressor or CTCTranscriber
            A fitted estimator (anything with a skorch ``history_``), or a
            pipeline ending with one.
        score : "auto", str or None, default="auto"
            History key drawn as the validation score on the twin axis.
            "auto" takes ``"valid_score"``, else the first per-epoch numeric
            key that starts with "valid" and is not a loss, else any other
            such key; None draws no score.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure and axes.
        logy : bool, default=False
            Log scale for the losses.
        train_kw, valid_kw, score_kw : dict, default=None
            Keywords of ``ax.plot`` for the training loss, the validation loss
            and the score.
        kept_kw : dict, default=None
            Keywords of ``ax.axvline`` for the kept-epoch line.

        Returns
        -------
        display : TrainingCurveDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            When the estimator is not fitted.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if hasattr(estimator, "steps"):  # a Pipeline: its final estimator trained
            estimator = estimator.steps[-1][1]
        check_is_fitted(estimator, "history_")
        history = estimator.history_
        if len(history) == 0:
            raise NotFittedError(f"{type(estimator).__name__} has an empty training history.")
        epochs = np.asarray([row["epoch"] for row in history])
        has_valid = any("valid_loss" in row for row in history)
        score_key = _pick_score(history, score)
        display = cls(
            epochs=epochs,
            train_loss=_column(history, "train_loss"),
            valid_loss=_column(history, "valid_loss") if has_valid else None,
            valid_score=None if score_key is None else _column(history, score_key),
            score_name=score_key,
            kept_epoch=_kept_epoch(getattr(estimator, "net_", None), epochs),
            estimator_name=type(estimator).__name__,
        )
        return display.plot(
            ax=ax,
            logy=logy,
            train_kw=train_kw,
            valid_kw=valid_kw,
            score_kw=score_kw,
            kept_kw=kept_kw,
        )


def _greedy_path(log_proba, blank=0):
    """Frames where the best path emits a label, and that label's column.

    A label fires where the most probable class is not the blank and differs
    from the previous frame's: CTC's greedy (best-path) decoding.
    """
    best = np.argmax(log_proba, axis=1)
    previous = np.concatenate([[blank], best[:-1]])
    frames = np.flatnonzero((best != blank) & (best != previous))
    return frames, best[frames]


def _take_one(X, index):
    """Sample ``index`` of X, as a one-sample X of the same kind."""
    n_samples = len(X)
    if not isinstance(index, Integral) or isinstance(index, bool):
        raise TypeError(f"index must be an int; got {index!r}.")
    if not -n_samples <= index < n_samples:
        raise IndexError(f"index={index} is out of range for X with {n_samples} samples.")
    index = int(index) % n_samples
    if hasattr(X, "iloc"):
        return X.iloc[[index]]
    if isinstance(X, np.ndarray):
        return X[index : index + 1]
    return [X[index]]


class CTCAlignmentDisplay:
    """What a CTC transcriber reads, frame by frame, for one sample.

    Draws the per-frame probability of every label and of the blank over
    time, and marks where the best path emits a label (frames whose most
    probable class is a label different from the previous frame's), annotated
    with the label: read left to right, the annotations spell the greedy
    transcription.

    Build it with :meth:`from_estimator`; the constructor is for
    log-probabilities that are already at hand.

    Parameters
    ----------
    log_proba : ndarray of shape (n_frames, n_labels + 1)
        Per-frame log-probabilities; column 0 is the blank, column ``k + 1``
        the label ``labels[k]`` (the layout of
        :meth:`CTCTranscriber.predict_log_proba <sklearn_rnn.CTCTranscriber.predict_log_proba>`).
    labels : array-like of shape (n_labels,)
        The labels (``classes_`` of the transcriber).
    estimator_name : str or None, default=None
        Used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : dict of str to matplotlib Line2D
        Probability curve of each label, keyed by the label's text, and of
        the blank, keyed ``"<blank>"``.
    markers_ : matplotlib Line2D or None
        The points where labels fire; None when none fires.
    annotations_ : list of matplotlib Text
        One label text per firing frame, in frame order.
    fired_frames_ : ndarray of shape (n_fired,)
        The frames where a label fires.
    decoded_ : list
        The labels that fire, in order: the greedy transcription.

    See Also
    --------
    TrainingCurveDisplay : Losses and score per epoch.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_rnn import CTCTranscriber
    >>> from sklearn_rnn.datasets import make_digit_lines
    >>> from sklearn_rnn.plotting import CTCAlignmentDisplay
    >>> X, y = make_digit_lines(n_samples=40, max_digits=2, random_state=0)
    >>> ctc = CTCTranscriber(hidden_size=8, max_epochs=2, random_state=0).fit(X, y)
    >>> display = CTCAlignmentDisplay.from_estimator(ctc, X, index=0)
    >>> "".join(display.decoded_) == ctc.predict(X[:1])[0]
    True
    """

    blank_label = "<blank>"

    def __init__(self, log_proba, labels, *, estimator_name=None):
        self.log_proba = log_proba
        self.labels = labels
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, blank_kw=None, label_kw=None, marker_kw=None, text_kw=None):
        """Draw the per-frame probabilities and the firing labels.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure and axes.
        blank_kw : dict, default=None
            Keywords of ``ax.plot`` for the blank's curve.
        label_kw : dict, default=None
            Keywords of ``ax.plot`` for every label's curve.
        marker_kw : dict, default=None
            Keywords of ``ax.plot`` for the firing points.
        text_kw : dict, default=None
            Keywords of ``ax.annotate`` for the label texts.

        Returns
        -------
        display : CTCAlignmentDisplay
            The display, with the artists stored.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        log_proba = np.asarray(self.log_proba, dtype=np.float64)
        labels = list(np.asarray(self.labels, dtype=object))
        if log_proba.ndim != 2 or log_proba.shape[1] != len(labels) + 1:
            raise ValueError(
                f"log_proba must have shape (n_frames, {len(labels) + 1}) for "
                f"{len(labels)} labels plus the blank; got {log_proba.shape}."
            )
        ax = _get_ax(ax)
        proba = np.exp(log_proba)
        frames = np.arange(len(proba))
        self.lines_ = {}
        (self.lines_[self.blank_label],) = ax.plot(
            frames,
            proba[:, 0],
            **_style(
                {"label": "blank", "color": "0.6", "linestyle": "--", "linewidth": 1}, blank_kw
            ),
        )
        for k, label in enumerate(labels):
            (self.lines_[str(label)],) = ax.plot(
                frames,
                proba[:, k + 1],
                **_style({"label": str(label), "linewidth": 1.2}, label_kw),
            )
        self.fired_frames_, columns = _greedy_path(log_proba)
        self.decoded_ = [labels[c - 1] for c in columns]
        self.markers_ = None
        self.annotations_ = []
        if len(self.fired_frames_):
            heights = proba[self.fired_frames_, columns]
            (self.markers_,) = ax.plot(
                self.fired_frames_,
                heights,
                **_style(
                    {"linestyle": "none", "marker": "o", "color": "k", "markersize": 5},
                    marker_kw,
                ),
            )
            for frame, height, label in zip(self.fired_frames_, heights, self.decoded_):
                self.annotations_.append(
                    ax.annotate(
                        str(label),
                        (frame, height),
                        **_style(
                            {
                                "xytext": (0, 6),
                                "textcoords": "offset points",
                                "ha": "center",
                                "fontweight": "bold",
                            },
                            text_kw,
                        ),
                    )
                )
        ax.set_xlabel("frame")
        ax.set_ylabel("probability")
        ax.set_ylim(0, 1.12)
        ax.set_xlim(-0.5, max(len(frames) - 0.5, 0.5))
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
        title = "Greedy reading: " + ("".join(map(str, self.decoded_)) or "(nothing)")
        if self.estimator_name is not None:
            title = f"{self.estimator_name}. {title}"
        ax.set_title(title)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        transcriber,
        X,
        *,
        index=0,
        ax=None,
        blank_kw=None,
        label_kw=None,
        marker_kw=None,
        text_kw=None,
    ):
        """Plot what a fitted transcriber reads in one sample of X.

        Parameters
        ----------
        transcriber : CTCTranscriber
            A fitted transcriber, or a pipeline ending with one.
        X : sequences
            Any input form the transcriber accepts; only sample ``index`` is
            read.
        index : int, default=0
            The sample to show.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure and axes.
        blank_kw, label_kw, marker_kw, text_kw : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : CTCAlignmentDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            When the transcriber is not fitted.

        Notes
        -----
        The marks follow the best (greedy) path, whatever the transcriber's
        ``decoder``: with ``decoder="beam"`` its predictions may differ.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(transcriber)
        sample = _take_one(X, index)
        log_proba = transcriber.predict_log_proba(sample)[0]
        final = transcriber.steps[-1][1] if hasattr(transcriber, "steps") else transcriber
        display = cls(log_proba, final.classes_, estimator_name=type(final).__name__)
        return display.plot(
            ax=ax, blank_kw=blank_kw, label_kw=label_kw, marker_kw=marker_kw, text_kw=text_kw
        )
