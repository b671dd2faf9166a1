"""Fitting and predicting on sequences stored on disk, a chunk at a time.

Data larger than memory is fitted the way scikit-learn fits it out of core:
:meth:`partial_fit` on one chunk after another (as ``SGDClassifier`` is in
scikit-learn's out-of-core example, and as dask-ml's ``Incremental`` drives
any estimator over the blocks of a Dask array). This module adds the
missing pieces for sequences:

- :class:`SequenceStore`, a flat on-disk store of ragged sequences, the same
  layout as :class:`~sklearn_rnn.Sequences` (every time step of every
  sequence in one ``values.npy``, sample ``i`` being rows ``offsets[i]`` to
  ``offsets[i + 1]``, and ``y.npy`` for the targets). It is written chunk by
  chunk and read chunk by chunk with plain file reads (no memory map, whose
  pages would count in the process's resident memory), so a process holds
  one chunk at a time whatever the store's size. The files are ordinary
  ``.npy`` files: ``numpy.load(..., mmap_mode="r")`` opens them too.
- :func:`fit_stream`: epochs of ``partial_fit`` over the store's chunks,
  the chunks in a new random order every epoch and the sequences of each
  chunk shuffled and length-bucketed by ``partial_fit`` itself.
- :func:`predict_stream`: predictions chunk by chunk, written in the
  store's order into a ``.npy`` file.

Any other source of chunks (Parquet row groups, the partitions of a Dask
bag, a database cursor) fits the same way through ``partial_fit``; the store
is what this package writes and reads itself.
"""

import inspect
import os
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import Sequences, check_sequences

__all__ = ["SequenceStore", "fit_stream", "predict_stream"]

#: Bytes reserved for a ``.npy`` header written before the array's length
#: is known (rewritten in place at the end).
_HEADER_SIZE = 128
_FILES = ("values.npy", "offsets.npy", "y.npy")


def _write_header(file, dtype, shape):
    """A ``.npy`` version 1.0 header of exactly ``_HEADER_SIZE`` bytes."""
    text = repr(
        {
            "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
            "fortran_order": False,
            "shape": tuple(int(n) for n in shape),
        }
    )
    text = text.ljust(_HEADER_SIZE - 10 - 1) + "\n"
    file.seek(0)
    file.write(b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1"))


class _ArrayWriter:
    """Appends rows to a ``.npy`` file whose length grows."""

    def __init__(self, path):
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.dtype = None
        self.trailing = None
        self.rows = 0
        self.file.write(b"\0" * _HEADER_SIZE)

    def append(self, array, name):
        array = np.ascontiguousarray(array)
        if self.dtype is None:
            self.dtype, self.trailing = array.dtype, array.shape[1:]
        elif array.shape[1:] != self.trailing or array.dtype != self.dtype:
            raise ValueError(
                f"Chunks of {name} must share their dtype and trailing shape: a chunk of "
                f"{array.dtype} {array.shape[1:]} follows {self.dtype} {self.trailing}."
            )
        self.file.write(array.tobytes())
        self.rows += len(array)

    def close(self):
        if self.dtype is not None:
            _write_header(self.file, self.dtype, (self.rows, *self.trailing))
        self.file.close()


class _ArrayReader:
    """Reads row ranges of a ``.npy`` file without mapping it."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(file)
            self.start = file.tell()
        if fortran:
            raise ValueError(f"{path} holds a Fortran-ordered array; save it in C order.")
        self.shape, self.dtype = shape, dtype
        self.row_size = int(np.prod(shape[1:], dtype=np.int64))

    def read(self, start, stop):
        count = (stop - start) * self.row_size
        offset = self.start + start * self.row_size * self.dtype.itemsize
        data = np.fromfile(self.path, dtype=self.dtype, count=count, offset=offset)
        return data.reshape((stop - start, *self.shape[1:]))


class SequenceStore:
    """Ragged sequences (and their targets) on disk, read a chunk at a time.

    A directory of three ``.npy`` files: ``values.npy``, shape
    ``(total_steps, n_features)`` (or ``(total_steps,)`` for token ids),
    every time step of every sequence; ``offsets.npy``, shape
    ``(n_sequences + 1,)`` int64, sequence ``i`` being rows ``offsets[i]``
    to ``offsets[i + 1]``; and ``y.npy``, one target row per sequence, when
    the store has targets. Write one with :meth:`create`; open one with
    ``SequenceStore(path)``.

    Parameters
    ----------
    path : str or os.PathLike
        The store's directory.

    Attributes
    ----------
    n_sequences : int
    n_features : int or None
        Features per step (None for token ids).
    has_targets : bool

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn_rnn.streaming import SequenceStore
    >>> rng = np.random.RandomState(0)
    >>> chunks = ([rng.randn(5 + i % 3, 2) for i in range(10)], rng.randint(2, size=10))
    >>> store = SequenceStore.create(tempfile.mkdtemp(), [chunks, chunks])
    >>> store
    SequenceStore(n_sequences=20, n_features=2, has_targets=True)
    >>> X, y = store.read(0, 3)
    >>> X
    Sequences(n_samples=3, n_features=2)
    """

    def __init__(self, path):
        self.path = Path(path)
        missing = [name for name in _FILES[:2] if not (self.path / name).exists()]
        if missing:
            raise ValueError(
                f"{str(path)!r} is not a SequenceStore: {', '.join(missing)} missing. "
                "Write one with SequenceStore.create(path, chunks)."
            )
        self._values = _ArrayReader(self.path / "values.npy")
        self._offsets = _ArrayReader(self.path / "offsets.npy")
        self._y = _ArrayReader(self.path / "y.npy") if (self.path / "y.npy").exists() else None
        self.n_sequences = self._offsets.shape[0] - 1
        total = int(self._offsets.read(self.n_sequences, self.n_sequences + 1)[0])
        if (
            self._offsets.dtype != np.int64
            or self._values.shape[0] != total
            or (self._y is not None and self._y.shape[0] != self.n_sequences)
        ):
            raise ValueError(
                f"The SequenceStore at {str(path)!r} is inconsistent: {self.n_sequences} "
                f"sequences of {total} steps in offsets.npy, {self._values.shape[0]} rows "
                "in values.npy"
                + (f", {self._y.shape[0]} targets in y.npy" if self._y is not None else "")
                + "."
            )
        self.n_features = self._values.shape[1] if len(self._values.shape) == 2 else None
        self.has_targets = self._y is not None

    def __repr__(self):
        return (
            f"SequenceStore(n_sequences={self.n_sequences}, n_features={self.n_features}, "
            f"has_targets={self.has_targets})"
        )

    def __len__(self):
        return self.n_sequences

    @classmethod
    def create(cls, path, chunks):
        """Write the sequences of ``chunks`` to a new store at ``path``.

        Parameters
        ----------
        path : str or os.PathLike
            A directory, created if needed; its store files are replaced.
        chunks : iterable of X or of (X, y)
            The sequences, a chunk at a time, in any form the estimators
            accept (float steps are stored as float32); with targets, every
            chunk is a pair.

        Returns
        -------
        store : SequenceStore
        """
        path = Path(path)
        os.makedirs(path, exist_ok=True)
        for name in _FILES:
            (path / name).unlink(missing_ok=True)
        values = _ArrayWriter(path / "values.npy")
        offsets = _ArrayWriter(path / "offsets.npy")
        targets = None
        total = 0
        try:
            offsets.append(np.zeros(1, dtype=np.int64), "offsets")
            for index, chunk in enumerate(chunks):
                X, y = chunk if isinstance(chunk, tuple) else (chunk, None)
                if index == 0 and y is not None:
                    targets = _ArrayWriter(path / "y.npy")
                if (y is None) != (targets is None):
                    raise ValueError(
                        f"Chunk {index} {'has' if y is not None else 'lacks'} targets, unlike "
                        "the first: give every chunk as (X, y), or every one as X."
                    )
                sequences = check_sequences(X)
                if y is not None:
                    y = np.asarray(y)
                    if len(y) != len(sequences):
                        raise ValueError(
                            f"Chunk {index} holds {len(sequences)} sequences but {len(y)} targets."
                        )
                    targets.append(y, "y")
                values.append(sequences.data, "X")
                offsets.append(total + sequences.offsets[1:], "offsets")
                total += int(sequences.offsets[-1])
        finally:
            for writer in (values, offsets, targets):
                if writer is not None:
                    writer.close()
        if values.dtype is None:
            raise ValueError("chunks is empty: a SequenceStore needs at least one sequence.")
        return cls(path)

    def read(self, start, stop):
        """Sequences ``start`` to ``stop`` (and their targets) from disk.

        Parameters
        ----------
        start, stop : int
            The first sequence, and the one after the last.

        Returns
        -------
        X : Sequences
        y : ndarray or None
            None when the store has no targets.
        """
        if not 0 <= start <= stop <= self.n_sequences:
            raise ValueError(
                f"read({start}, {stop}) is out of the store's {self.n_sequences} sequences."
            )
        offsets = self._offsets.read(start, stop + 1)
        data = self._values.read(int(offsets[0]), int(offsets[-1]))
        X = Sequences(data, offsets - offsets[0])
        y = None if self._y is None else self._y.read(start, stop)
        return X, y

    def chunks(self, chunk_size, *, shuffle=False, random_state=None):
        """Iterate over the store in chunks of ``chunk_size`` sequences.

        Parameters
        ----------
        chunk_size : int
        shuffle : bool, default=False
            Read the chunks in a random order (each chunk's sequences stay
            in store order).
        random_state : int, RandomState instance or None, default=None
            The chunk order's seed, with ``shuffle``.

        Yields
        ------
        start : int
            The chunk's first sequence in the store.
        X : Sequences
        y : ndarray or None
        """
        chunk_size = _check_chunk_size(chunk_size)
        starts = np.arange(0, self.n_sequences, chunk_size)
        if shuffle:
            starts = check_random_state(random_state).permutation(starts)
        for start in starts:
            stop = min(int(start) + chunk_size, self.n_sequences)
            yield (int(start), *self.read(int(start), stop))

    def targets(self, chunk_size=1_000_000):
        """The distinct targets, read a chunk at a time (``np.unique`` of y).

        Parameters
        ----------
        chunk_size : int, default=1_000_000
            Targets read at a time.

        Returns
        -------
        targets : ndarray
        """
        if self._y is None:
            raise ValueError("This SequenceStore has no targets (it was created without y).")
        seen = None
        for start in range(0, self.n_sequences, chunk_size):
            values = np.unique(self._y.read(start, min(start + chunk_size, self.n_sequences)))
            seen = values if seen is None else np.union1d(seen, values)
        return seen


def _check_chunk_size(chunk_size):
    if (
        isinstance(chunk_size, (bool, np.bool_))
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer; got {chunk_size!r}.")
    return int(chunk_size)


def _check_store(store):
    if not isinstance(store, SequenceStore):
        raise ValueError(
            f"store must be a SequenceStore (sklearn_rnn.streaming.SequenceStore(path)); got "
            f"{type(store).__name__}."
        )


def fit_stream(estimator, store, *, epochs=1, chunk_size=100_000, random_state=None):
    """Train ``estimator`` on a :class:`SequenceStore`, one chunk in memory at a time.

    Each epoch reads the store's chunks in a new random order and calls
    ``estimator.partial_fit`` on each: one pass over the chunk, its
    sequences shuffled and length-bucketed into batches of the estimator's
    ``batch_size``. Every sequence is trained on exactly once per epoch.
    Memory holds one chunk (its steps, padded batch by batch) beside the
    network, whatever the store's size.

    What ``partial_fit`` does not do, ``fit_stream`` does not either: no
    early stopping or validation split, no one-cycle schedule (the learning
    rate is ``lr`` throughout), and the "auto" choices that depend on the
    data's size are made on the first chunk (a regressor standardises its
    targets with the first chunk's mean and scale). A classifier learns the
    classes of the whole store (read first, a chunk at a time).

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor, CTCTranscriber or RNNTagger
        Fitted already (training continues) or not (the first chunk
        initialises it).
    store : SequenceStore
        With targets.
    epochs : int, default=1
    chunk_size : int, default=100_000
        Sequences per chunk: the memory bound, and the pool that each
        ``partial_fit`` shuffles and buckets.
    random_state : int, RandomState instance or None, default=None
        The chunk order of every epoch. With the estimator's own
        ``random_state`` fixed, the same value gives the same model. With
        ``device=DataParallel()``, give every process the same value, so
        that all read the same chunk at the same time.

    Returns
    -------
    estimator : the estimator, trained.
    """
    _check_store(store)
    chunk_size = _check_chunk_size(chunk_size)
    if (
        isinstance(epochs, (bool, np.bool_))
        or not isinstance(epochs, (int, np.integer))
        or epochs < 1
    ):
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}.")
    if not store.has_targets:
        raise ValueError("fit_stream needs targets: create the SequenceStore from (X, y) chunks.")
    if not hasattr(estimator, "partial_fit"):
        raise ValueError(f"{type(estimator).__name__} has no partial_fit to stream data into.")
    rng = check_random_state(random_state)
    extra = {}
    if not hasattr(estimator, "net_") and _takes_classes(estimator):
        extra["classes"] = store.targets()
    for _ in range(epochs):
        for _start, X, y in store.chunks(chunk_size, shuffle=True, random_state=rng):
            estimator.partial_fit(X, y, **extra)
            extra = {}
    return estimator


def _takes_classes(estimator):
    return "classes" in inspect.signature(estimator.partial_fit).parameters


def predict_stream(estimator, store, path, *, method="predict", chunk_size=100_000):
    """Predict on a :class:`SequenceStore` chunk by chunk, writing to ``path``.

    The output rows go to a ``.npy`` file in the store's order, a chunk at a
    time: memory holds one chunk and its outputs, whatever the store's size.

    Parameters
    ----------
    estimator : fitted estimator
        One whose ``method`` returns one row per sequence (classifiers and
        regressors); per-step outputs (``RNNTagger``, ``CTCTranscriber``)
        are refused.
    store : SequenceStore
    path : str or os.PathLike
        The ``.npy`` file to write.
    method : str, default="predict"
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"``,
        ``"decision_function"``...
    chunk_size : int, default=100_000

    Returns
    -------
    predictions : ndarray
        The written file, opened read-only as a memory map
        (``numpy.load(path, mmap_mode="r")``).
    """
    _check_store(store)
    chunk_size = _check_chunk_size(chunk_size)
    check_is_fitted(estimator, "net_")
    if not callable(getattr(estimator, method, None)):
        raise ValueError(f"{type(estimator).__name__} has no method {method!r}.")
    writer = _ArrayWriter(path)
    try:
        for start, X, _ in store.chunks(chunk_size):
            output = getattr(estimator, method)(X)
            if (
                not isinstance(output, np.ndarray)
                or output.dtype == object
                or len(output) != len(X)
            ):
                raise ValueError(
                    f"{type(estimator).__name__}.{method} does not return one numeric row "
                    f"per sequence (chunk at {start}: {type(output).__name__} of "
                    f"{getattr(output, 'dtype', 'arrays')}, {len(output)} rows for {len(X)} "
                    "sequences); predict_stream writes such rows only. Use "
                    "numeric class labels, or another method."
                )
            writer.append(output, method)
    finally:
        writer.close()
    return np.load(path, mmap_mode="r")
