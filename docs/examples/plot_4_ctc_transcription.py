"""
=========================================
Reading lines of handwritten digits (CTC)
=========================================

:func:`~sklearn_rnn.datasets.make_digit_lines` puts 1 to 3 real handwritten
digits (scikit-learn's ``load_digits``) side by side with random gaps; a line
is read left to right, one 8-pixel column per time step, and its label is
the digit string. Nothing says which columns belong to which digit:
:class:`~sklearn_rnn.CTCTranscriber` learns that alignment itself, with the
CTC loss. The test lines use only digit images that no training line uses,
mostly by other writers.
"""

# %%
# Data
# ----
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn.datasets import make_digit_lines

X_train, y_train = make_digit_lines(n_samples=600, max_digits=3, subset="train", random_state=0)
X_test, y_test, sources = make_digit_lines(
    n_samples=200, max_digits=3, subset="test", random_state=1, return_sources=True
)
print(f"{len(X_train)} training lines, {len(X_test)} test lines; first: {y_train[0]!r}")

fig, axes = plt.subplots(1, 4, figsize=(10, 1.8))
for ax, x, text in zip(axes, X_train, y_train):
    ax.imshow(x.T, cmap="gray_r", aspect="auto")
    ax.set_title(repr(text))
    ax.axis("off")
plt.show()

# %%
# Training
# --------
# The defaults (50 epochs, one frame per column) read held-out lines of up to
# 4 digits at a character error rate of about 6 % (see the user guide).
# Shortened for the documentation build: lines of up to 3 digits, 30 epochs,
# and frame stacking, ``ConvFrontend(stack=2)``, which stacks pairs of columns
# into one frame before the convolutional front end (the one ``"auto"`` picks
# for 8 pixels per column): half the steps, and CTC leaves its initial
# plateau sooner.
from sklearn_rnn import CTCTranscriber
from sklearn_rnn.components import ConvFrontend
from sklearn_rnn.metrics import character_error_rate, sequence_accuracy

start = time.perf_counter()
ocr = CTCTranscriber(frontend=ConvFrontend(stack=2), max_epochs=30, random_state=0)
ocr.fit(X_train, y_train)
print(f"fitted in {time.perf_counter() - start:.1f} s")

y_pred = ocr.predict(X_test)
print(f"character error rate: {character_error_rate(y_test, y_pred):.3f}")
print(f"lines read exactly:   {sequence_accuracy(y_test, y_pred):.3f}")
for truth, pred in zip(y_test[:8], y_pred[:8]):
    print(f"{truth:>5} -> {pred:<5} {'ok' if truth == pred else 'wrong'}")

# %%
# The training curve shows CTC's plateau: at first the network outputs only
# blanks, then the loss falls.
from sklearn_rnn.plotting import CTCAlignmentDisplay, TrainingCurveDisplay

TrainingCurveDisplay.from_estimator(ocr)
plt.show()

# %%
# Where does it read each digit?
# ------------------------------
# :class:`~sklearn_rnn.plotting.CTCAlignmentDisplay` draws the per-frame
# probability of each label and of the blank for one line, and marks the
# frames where the best path emits a label. Above it: the line itself, on the
# same time axis (two columns per frame), with dotted lines where the digit
# images really start (``return_sources=True``).
index = int(np.argmax([len(text) for text in y_test]))  # a line with 3 digits
line = X_test[index]
factor = ocr.frontend_.stack * int(np.prod(ocr.frontend_strides_))  # columns per frame
fig, (top, bottom) = plt.subplots(
    2, 1, figsize=(9, 5), sharex=True, gridspec_kw={"height_ratios": [1, 2.5]}
)
# Column c is drawn over frame c / factor.
top.imshow(line.T, cmap="gray_r", aspect="auto", extent=(-0.5, len(line) / factor - 0.5, 7.5, -0.5))
top.set_title(f"test line {index}: {y_test[index]!r}")
top.set_yticks([])
display = CTCAlignmentDisplay.from_estimator(ocr, X_test, index=index, ax=bottom)
for axis in (top, bottom):
    for _, first_column in sources[index]:
        axis.axvline(first_column / factor - 0.5, color="C3", linestyle=":", linewidth=1)
fig.tight_layout()
plt.show()
print(f"read {''.join(display.decoded_)!r}, labels fire at frames {display.fired_frames_.tolist()}")
print(f"the digit images start at frames {(sources[index][:, 1] / factor).tolist()}")
