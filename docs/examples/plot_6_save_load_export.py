"""
=====================================
Saving, loading and exporting a model
=====================================

A model is only useful once it leaves the notebook it was trained in. This
example fits an :class:`~sklearn_rnn.RNNClassifier` on real, ragged time
series, then ships it three ways:

1. :meth:`~sklearn_rnn.RNNClassifier.save` and :func:`sklearn_rnn.load`:
   one safetensors file (the weights) with JSON metadata (the parameters,
   the fitted attributes, the package version). Loading runs no code from
   the file, and the loaded model predicts bit for bit what the saved one did.
2. pickle (and joblib), which keep working, but only for files you trust.
3. :func:`sklearn_rnn.to_onnx`: the network as an ONNX graph with dynamic
   batch and time axes and the sequence lengths as an input, run here by
   ONNX Runtime on a ragged batch and compared with ``predict_proba``.

The data is the Japanese Vowels set shipped with sktime: 12 LPC cepstrum
coefficients per frame, 7 to 29 frames per utterance, nine speakers to tell
apart (270 training and 370 test utterances).
"""

# %%
# Fit a model
# -----------
# :func:`~sklearn_rnn.datasets.load_ucr` reads the set from the sktime wheel
# (no download) as one ``(n_frames, 12)`` array per utterance. The classifier
# keeps its default parameters: nothing was shortened for the documentation
# build, the fit takes about 15 s on two CPU cores. The estimator is used
# alone, not in a pipeline, so that one file holds everything it needs
# (a pipeline's transformers would be saved separately).
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import load_ucr

X_train, y_train = load_ucr("JapaneseVowels", "train")
X_test, y_test = load_ucr("JapaneseVowels", "test")
lengths = np.array([len(x) for x in X_test])
print(f"{len(X_train)} training and {len(X_test)} test utterances, 12 channels")
print(f"test lengths from {lengths.min()} to {lengths.max()} frames")

start = time.perf_counter()
clf = RNNClassifier(device="cpu", random_state=0).fit(X_train, y_train)
print(f"fitted in {time.perf_counter() - start:.1f} s")
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Save and load, without pickle
# -----------------------------
# ``save`` writes one ``.safetensors`` file. Its header holds a JSON
# document, readable by any safetensors tool; :mod:`sklearn_rnn.persistence`
# describes the format.
import json
import tempfile
from pathlib import Path

from safetensors import safe_open

import sklearn_rnn

folder = Path(tempfile.mkdtemp())
path = folder / "japanese_vowels.safetensors"
clf.save(path)
with safe_open(path, framework="pt") as file:
    document = json.loads(file.metadata()["sklearn_rnn"])
    n_tensors = len(list(file.keys()))
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB, {n_tensors} tensors")
print(f"metadata: {sorted(document)}")
print(f"saved by sklearn_rnn {document['package_version']}, estimator {document['estimator']}")

# %%
# :func:`sklearn_rnn.load` rebuilds the estimator (on the CPU by default,
# wherever it was trained) from the package's own classes. Its predictions
# are identical to the last bit:
loaded = sklearn_rnn.load(path)
proba = clf.predict_proba(X_test)
proba_loaded = loaded.predict_proba(X_test)
print(f"loaded: {loaded!r}")
print(f"bit-identical probabilities: {np.array_equal(proba, proba_loaded)}")
print(f"max abs difference: {np.abs(proba - proba_loaded).max()}")
print(f"same classes: {np.array_equal(loaded.classes_, clf.classes_)}")

# %%
# A file that is not a valid model, or that was tampered with, or written by
# an incompatible version, fails with a clear ``ValueError`` instead of
# running anything. Here, a pickle renamed to look like a model file:
import pickle

impostor = folder / "impostor.safetensors"
impostor.write_bytes(pickle.dumps(clf))
try:
    sklearn_rnn.load(impostor)
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# Pickle: for trusted files only
# ------------------------------
# The estimators pickle (and ``joblib.dump``) like any scikit-learn
# estimator, and a pickled model predicts identically too. But unpickling
# *executes* whatever the file says: a pickle can name any function to call
# with any arguments. This harmless one calls ``print``; a malicious one could
# call anything. Unpickle only files you made or trust, and use
# ``save``/``load`` to exchange models.
unpickled = pickle.loads(pickle.dumps(clf))
print(f"pickle round trip, bit-identical: {np.array_equal(unpickled.predict_proba(X_test), proba)}")


class Payload:
    def __reduce__(self):
        return (print, ("this line was printed by pickle.loads: unpickling runs code",))


pickle.loads(pickle.dumps(Payload()))

# %%
# Export to ONNX
# --------------
# :func:`sklearn_rnn.to_onnx` exports the network only: the graph takes a
# zero-padded float32 batch ``x`` of shape ``(batch, time, 12)`` and the true
# ``lengths``, and returns the class probabilities (columns in ``classes_``
# order) and the logits. Padding, scaling and mapping a column back to its
# label stay with the caller. The model's metadata records the labels.
import onnxruntime

onnx_path = folder / "japanese_vowels.onnx"
model = sklearn_rnn.to_onnx(clf, onnx_path)
metadata = {entry.key: entry.value for entry in model.metadata_props}
print(f"{onnx_path.name}: {onnx_path.stat().st_size / 1024:.0f} KiB")
print(
    f"inputs {[i.name for i in model.graph.input]}, outputs {[o.name for o in model.graph.output]}"
)
print(f"classes in the metadata: {metadata['sklearn_rnn.classes']}")


def pad(X):
    """The ragged sequences as one zero-padded float32 batch, and their lengths."""
    lengths = np.array([len(x) for x in X], dtype=np.int64)
    batch = np.zeros((len(X), lengths.max(), X[0].shape[1]), dtype=np.float32)
    for i, x in enumerate(X):
        batch[i, : len(x)] = x
    return batch, lengths


# %%
# ONNX Runtime runs the graph on the whole ragged test set at once, padded to
# its longest utterance (29 frames): the padding never reaches a prediction,
# so its probabilities match ``predict_proba`` up to float32 rounding.
session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
batch, batch_lengths = pad(X_test)
proba_onnx, logits_onnx = session.run(None, {"x": batch, "lengths": batch_lengths})
classes = np.array(json.loads(metadata["sklearn_rnn.classes"]))
predicted_onnx = classes[proba_onnx.argmax(axis=1)]
print(f"batch {batch.shape}, lengths {batch_lengths.min()}-{batch_lengths.max()}")
print(f"ONNX Runtime vs predict_proba, max abs difference: {np.abs(proba_onnx - proba).max():.2e}")
print(f"same predicted labels: {np.array_equal(predicted_onnx, clf.predict(X_test))}")
print(f"ONNX Runtime test accuracy: {np.mean(predicted_onnx == y_test):.3f}")

# %%
# The batch and time axes are dynamic: the shortest utterances alone, padded
# only to their own length, give the same probabilities as in the full batch.
shortest = np.argsort(lengths)[:5]
small_batch, small_lengths = pad([X_test[i] for i in shortest])
proba_small = session.run(["probabilities"], {"x": small_batch, "lengths": small_lengths})[0]
print(
    f"batch {small_batch.shape}: max abs difference from the full batch "
    f"{np.abs(proba_small - proba_onnx[shortest]).max():.2e}"
)

# %%
# What was shipped
# ----------------
# Left, the training curve of the saved model (the loaded one carries the
# same history). Right, every test probability from PyTorch against the same
# one from ONNX Runtime: they lie on the diagonal.
from sklearn_rnn.plotting import TrainingCurveDisplay

fig, (ax_curve, ax_onnx) = plt.subplots(1, 2, figsize=(10, 4))
TrainingCurveDisplay.from_estimator(loaded, ax=ax_curve)
ax_curve.set_title("training curve (loaded model)")
ax_onnx.plot([0, 1], [0, 1], color="C7", linewidth=1)
ax_onnx.scatter(proba.ravel(), proba_onnx.ravel(), s=6, alpha=0.5)
ax_onnx.set_xlabel("predict_proba (PyTorch)")
ax_onnx.set_ylabel("probabilities (ONNX Runtime)")
ax_onnx.set_title(f"{proba.size} probabilities, max |diff| {np.abs(proba_onnx - proba).max():.1e}")
fig.tight_layout()
plt.show()
