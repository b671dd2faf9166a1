"""
=================================================
Labelling every step: segmenting activity streams
=================================================

:func:`~sklearn_rnn.datasets.make_segment_labelling` joins stretches of real
accelerometer and gyroscope recordings of the UEA *BasicMotions* set (people
standing, walking, running, playing badminton; 6 channels at 10 Hz) into
streams of 2 to 5 activities, and labels every step with its activity.
:class:`~sklearn_rnn.RNNTagger` learns to label each step: a
bidirectional LSTM reads the whole stream, and a linear head at every step
gives its label. The test streams are cut only from the archive's test
recordings.
"""

# %%
# Data
# ----
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn.datasets import make_segment_labelling

X_train, y_train = make_segment_labelling(n_samples=60, max_segments=4, random_state=0)
X_test, y_test, boundaries = make_segment_labelling(
    subset="test", n_samples=40, max_segments=4, random_state=1, return_boundaries=True
)
print(f"{len(X_train)} training streams, {len(X_test)} test streams")
print(f"first stream: {len(X_train[0])} steps, activities {list(dict.fromkeys(y_train[0]))}")

# %%
# Training
# --------
# Shortened for the documentation build: 60 training streams, 32 hidden
# units and 15 epochs (the defaults train for 1,000 optimizer steps;
# ``benchmarks/tagging.py`` measures them on 200 streams). The per-step
# scores come from :mod:`sklearn_rnn.metrics`: ``flatten_tags`` lines up the
# labels of every step so that any scikit-learn metric applies.
from sklearn.metrics import classification_report
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNTagger
from sklearn_rnn.metrics import flatten_tags, tag_accuracy
from sklearn_rnn.preprocessing import SequenceScaler

start = time.perf_counter()
tagger = make_pipeline(
    SequenceScaler(), RNNTagger(hidden_size=32, max_epochs=15, random_state=0)
).fit(X_train, y_train)
print(f"fitted in {time.perf_counter() - start:.1f} s")

y_pred = tagger.predict(X_test)
print(f"per-step accuracy: {tag_accuracy(y_test, y_pred):.3f}")
print(classification_report(*flatten_tags(y_test, y_pred), digits=3))

# %%
# One test stream
# ---------------
# Above: the six channels of a test stream, with dotted lines where its
# activities really change. Below: the probability of each activity at every
# step, and the true activity as a coloured band.
index = int(np.argmax([len(b) for b in boundaries]))
stream, truth = X_test[index], y_test[index]
proba = tagger.predict_proba([stream])[0]
classes = tagger[-1].classes_

fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
top.plot(stream, linewidth=0.8)
top.set_ylabel("sensor value")
top.set_title(f"test stream {index}")
for step, label in enumerate(classes):
    bottom.plot(proba[:, step], label=label, color=f"C{step}")
    where = truth == label
    bottom.fill_between(np.arange(len(truth)), 1.02, 1.1, where=where, color=f"C{step}", step="mid")
for axis in (top, bottom):
    for start_step in boundaries[index]:
        axis.axvline(start_step - 0.5, color="k", linestyle=":", linewidth=1)
bottom.set_ylim(0, 1.12)
bottom.set_xlabel("step (10 per second)")
bottom.set_ylabel("probability")
bottom.legend(loc="lower left", ncol=4, fontsize="small")
fig.tight_layout()
plt.show()

predicted = tagger.predict([stream])[0]
changes = np.flatnonzero(predicted[1:] != predicted[:-1]) + 1
print(f"true changes at steps {boundaries[index].tolist()}, predicted at {changes.tolist()}")
