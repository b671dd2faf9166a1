"""What the tokenizer's fast path is worth inside a text pipeline.

``make_pipeline(SequenceTokenizer(), RNNClassifier(...))`` is fitted and then
predicts, and the time the tokenizer takes inside the pipeline's ``fit``
(``fit_transform``) and ``predict`` (``transform``) is measured, with two
tokenizers that give identical token sequences:

- ``default``: ``SequenceTokenizer()``, which, with the default word
  settings, tokenizes the ASCII documents together on their bytes (the fast
  path) and the others with the analyzer;
- ``per-document``: ``SequenceTokenizer(analyzer=SequenceTokenizer().build_analyzer())``,
  the same CountVectorizer analyzer called document by document (the general
  path every other setting takes).

On these corpora:

- ``w4``: W4's 20,000 generated documents (all ASCII), as in ``run.py``;
- ``w4_nonascii``: the same documents where one in 100 has a typographic
  apostrophe (``’``) in place of its first space: the same tokens, in a
  corpus that is not all ASCII, as real text seldom is;
- ``drug_reviews``: ``sklearn_rnn.datasets.load_drug_reviews("train")`` (600
  real reviews, 6 of them not ASCII), when the loader and its data are
  installed.

The classifier is W4's (``implementations.CLASSIFIER_BASE``, LSTM 64, 2
epochs); ``predict`` runs on the training documents, as in ``run.py``. Runs
are interleaved (repeat 1: every corpus and tokenizer, then repeat 2, ...) in
this one process, with ``torch.set_num_threads(2)``; cells are medians. The
"saved" columns are what the default tokenizer saves over the per-document
one, as a share of the default pipeline's time.

Usage (from the repository root)::

    python benchmarks/tokenizer_pipeline.py                 # 3 repeats, ~4 min on 2 cores
    python benchmarks/tokenizer_pipeline.py --repeats 5 --corpora w4,w4_nonascii
    python benchmarks/tokenizer_pipeline.py --quick         # tiny sizes: a smoke test
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCHMARKS_DIR), str(BENCHMARKS_DIR.parent)]

CORPORA = ("w4", "w4_nonascii", "drug_reviews")
TOKENIZERS = ("default", "per-document")


def load_corpus(name, quick):
    """``(documents, labels)``, or None when the corpus is not installed."""
    from workloads import SIZES, make_documents

    if name == "drug_reviews":
        try:
            from sklearn_rnn.datasets import load_drug_reviews

            X, y = load_drug_reviews("train")
        except (ImportError, AttributeError):
            return None
        X, y = list(X), list(y)
        return (X[:100], y[:100]) if quick else (X, y)
    documents, y = make_documents(SIZES["quick" if quick else "full"]["w4"], seed=0)
    if name == "w4_nonascii":
        documents = [
            doc.replace(" ", "\u2019", 1) if i % 100 == 0 else doc
            for i, doc in enumerate(documents)
        ]
    return documents, y


def make_tokenizer(kind):
    from sklearn_rnn.preprocessing import SequenceTokenizer

    class TimedTokenizer(SequenceTokenizer, auto_wrap_output_keys=None):
        """SequenceTokenizer that adds the seconds of its fit_transform/transform to ``seconds``."""

        seconds = 0.0

        def fit_transform(self, X, y=None):
            start = time.perf_counter()
            try:
                return super().fit_transform(X, y)
            finally:
                TimedTokenizer.seconds += time.perf_counter() - start

        def transform(self, X):
            start = time.perf_counter()
            try:
                return super().transform(X)
            finally:
                TimedTokenizer.seconds += time.perf_counter() - start

    if kind == "default":
        return TimedTokenizer()
    return TimedTokenizer(analyzer=SequenceTokenizer().build_analyzer())


def run_once(corpus, kind):
    """Fit and predict the pipeline once; seconds of each, and the tokenizer's share."""
    from implementations import rnn_classifier
    from sklearn.pipeline import make_pipeline
    from workloads import W4

    documents, y = corpus
    tokenizer = make_tokenizer(kind)
    pipeline = make_pipeline(tokenizer, rnn_classifier("cpu", W4.epochs))
    type(tokenizer).seconds = 0.0
    start = time.perf_counter()
    pipeline.fit(documents, y)
    fit_s = time.perf_counter() - start
    fit_tokenizer_s = type(tokenizer).seconds
    type(tokenizer).seconds = 0.0
    start = time.perf_counter()
    predictions = pipeline.predict(documents)
    predict_s = time.perf_counter() - start
    return {
        "fit_s": fit_s,
        "fit_tokenizer_s": fit_tokenizer_s,
        "predict_s": predict_s,
        "predict_tokenizer_s": type(tokenizer).seconds,
        "train_accuracy": float((predictions == y).mean()),
        "vocab_size": int(pipeline[0].vocab_size_),
    }


def _median(runs, key):
    return statistics.median(run[key] for run in runs)


def _ms_range(runs, key):
    values = [run[key] * 1000 for run in runs]
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def render(results, corpora, args):
    lines = [
        f"`python benchmarks/tokenizer_pipeline.py --repeats {args.repeats}"
        f"{' --quick' if args.quick else ''}`; load average {args.load_start} at start, "
        f"{args.load_end} at end. Times in ms: median (min–max) of {args.repeats} "
        "interleaved runs.",
        "",
        "| corpus | docs | tokenizer | pipeline fit | tokenizer in fit | share | "
        "pipeline predict | tokenizer in predict | share | saved: fit | saved: predict |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in corpora:
        default = results.get((name, "default"))
        for kind in TOKENIZERS:
            runs = results.get((name, kind))
            if not runs:
                continue
            saved = {"fit": "", "predict": ""}
            if kind == "per-document" and default:
                for phase in saved:
                    gain = _median(runs, f"{phase}_tokenizer_s") - _median(
                        default, f"{phase}_tokenizer_s"
                    )
                    saved[phase] = f"{gain / _median(default, f'{phase}_s'):.1%}"
            lines.append(
                f"| {name} | {len(results['sizes'][name]):,} | {kind} "
                f"| {_ms_range(runs, 'fit_s')} | {_ms_range(runs, 'fit_tokenizer_s')} "
                f"| {_median(runs, 'fit_tokenizer_s') / _median(runs, 'fit_s'):.1%} "
                f"| {_ms_range(runs, 'predict_s')} | {_ms_range(runs, 'predict_tokenizer_s')} "
                f"| {_median(runs, 'predict_tokenizer_s') / _median(runs, 'predict_s'):.1%} "
                f"| {saved['fit']} | {saved['predict']} |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    parser.add_argument(
        "--corpora", default=",".join(CORPORA), help=f"comma-separated subset of {CORPORA}"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke test")
    args = parser.parse_args(argv)
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = set(corpora) - set(CORPORA)
    if unknown:
        parser.error(f"unknown corpora {sorted(unknown)}; expected a subset of {CORPORA}")

    import torch

    torch.set_num_threads(args.threads)
    loaded = {name: load_corpus(name, args.quick) for name in corpora}
    for name in [n for n in corpora if loaded[n] is None]:
        print(f"{name}: not installed, skipped", file=sys.stderr)
        corpora.remove(name)
    results = {"sizes": {name: loaded[name][0] for name in corpora}}
    # Warm-up: the first fit of a process pays one-off costs (imports, allocator).
    run_once(load_corpus("w4", quick=True), "default")
    args.load_start = f"{os.getloadavg()[0]:.1f}"
    for repeat in range(args.repeats):
        for name in corpora:
            for kind in TOKENIZERS:
                record = run_once(loaded[name], kind)
                results.setdefault((name, kind), []).append(record)
                print(
                    f"repeat {repeat + 1}/{args.repeats} {name} {kind}: "
                    f"fit {record['fit_s']:.2f} s (tokenizer {record['fit_tokenizer_s']:.3f}), "
                    f"predict {record['predict_s']:.2f} s "
                    f"(tokenizer {record['predict_tokenizer_s']:.3f}), "
                    f"vocab {record['vocab_size']}, train accuracy {record['train_accuracy']:.3f}",
                    flush=True,
                )
    args.load_end = f"{os.getloadavg()[0]:.1f}"
    for name in corpora:
        vocabularies = {run["vocab_size"] for kind in TOKENIZERS for run in results[(name, kind)]}
        if len(vocabularies) != 1:
            raise SystemExit(f"{name}: the tokenizers disagree (vocabulary sizes {vocabularies})")
    print()
    print(render(results, corpora, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
