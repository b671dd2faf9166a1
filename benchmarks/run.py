"""Side-by-side benchmarks of sklearn_rnn against hand-written PyTorch and skorch.

Usage (from the repository root)::

    python benchmarks/run.py                      # full run, 3 interleaved repeats
    python benchmarks/run.py --quick              # tiny sizes, smoke test of the harness
    python benchmarks/run.py --workloads W1,W2 --repeats 5 --device cuda

Every implementation runs in its own subprocess, so that its peak RSS is its
own and no state (threads, allocator, caches) leaks from one to the next; the
repeats are interleaved (repeat 1: A, B, C; repeat 2: A, B, C; ...) so that a
slow spell of the machine hits every implementation alike. The Markdown table
of medians goes into ``benchmarks/README.md`` between the result markers
(full runs only, unless ``--no-readme``) and the raw results into
``benchmarks/results/`` as JSON. See ``benchmarks/README.md``.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS_DIR.parent
README = BENCHMARKS_DIR / "README.md"
RESULTS_DIR = BENCHMARKS_DIR / "results"
MARK_START = "<!-- benchmark-results:start -->"
MARK_END = "<!-- benchmark-results:end -->"

# Workload sizes: full as the issue specifies them, quick for smoke tests.
SIZES = {
    "full": {
        "w1": 8000,
        "w1_test": 2000,
        "w2": 20000,
        "w2_test": 4000,
        "w3": 8000,
        "w4": 20000,
        "w4_test": 4000,
    },
    "quick": {
        "w1": 256,
        "w1_test": 64,
        "w2": 512,
        "w2_test": 128,
        "w3": 120,
        "w4": 400,
        "w4_test": 100,
    },
}
EPOCHS = {"W1": 2, "W2": 3, "W3": 2, "W4": 2}
W3_GRID = {"hidden_size": [32, 64], "lr": [1e-3, 3e-3]}
W3_FOLDS = 3


class Implementation:
    """One row of a results table: what to build, and what it needs to exist.

    ``requires`` lists ``"module:attribute"`` names; when one of them cannot be
    imported the row is reported as not available instead of run.
    """

    def __init__(self, name, workload, label, *, requires=(), reference=False, **options):
        self.name = name
        self.workload = workload
        self.label = label
        self.requires = tuple(requires)
        self.reference = reference
        self.options = options


RNN_CLASSIFIER = "sklearn_rnn:RNNClassifier"
RNN_REGRESSOR = "sklearn_rnn:RNNRegressor"
TOKENIZER = "sklearn_rnn.preprocessing:SequenceTokenizer"

IMPLEMENTATIONS = [
    # W1: variable-length classification.
    Implementation(
        "w1_padded", "W1", "hand-written: padded batch + bucketing (fused LSTM)", reference=True
    ),
    Implementation(
        "w1_packed", "W1", "hand-written: pack_padded_sequence + bucketing", reference=True
    ),
    Implementation("w1_skorch", "W1", "plain skorch: global padding, module packs", reference=True),
    Implementation("w1_lstm", "W1", "sklearn_rnn LSTM", requires=[RNN_CLASSIFIER]),
    Implementation(
        "w1_lstm_bi",
        "W1",
        "sklearn_rnn LSTM bidirectional",
        requires=[RNN_CLASSIFIER],
        bidirectional=True,
    ),
    Implementation("w1_gru", "W1", "sklearn_rnn GRU", requires=[RNN_CLASSIFIER], cell="gru"),
    Implementation(
        "w1_lstm_mean",
        "W1",
        'sklearn_rnn LSTM pooling="mean"',
        requires=[RNN_CLASSIFIER],
        pooling="mean",
    ),
    # W2: fixed-length regression.
    Implementation("w2_gru", "W2", "hand-written: GRU loop on the 3-D array", reference=True),
    Implementation("w2_rnn", "W2", "sklearn_rnn RNNRegressor GRU", requires=[RNN_REGRESSOR]),
    # W3: grid search, 1 and 2 jobs.
    Implementation("w3_padded_1", "W3", "hand-written padded loop", reference=True, n_jobs=1),
    Implementation("w3_padded_2", "W3", "hand-written padded loop", reference=True, n_jobs=2),
    Implementation("w3_rnn_1", "W3", "sklearn_rnn LSTM", requires=[RNN_CLASSIFIER], n_jobs=1),
    Implementation("w3_rnn_2", "W3", "sklearn_rnn LSTM", requires=[RNN_CLASSIFIER], n_jobs=2),
    # W4: text; tokenizers alone, then tokenizer + classifier.
    Implementation(
        "w4_python_tokenizer",
        "W4",
        "pure-Python tokenization loop",
        reference=True,
        tokenizer_only=True,
    ),
    Implementation(
        "w4_tokenizer", "W4", "SequenceTokenizer", requires=[TOKENIZER], tokenizer_only=True
    ),
    Implementation(
        "w4_padded", "W4", "pure-Python tokenizer + hand-written padded LSTM", reference=True
    ),
    Implementation(
        "w4_rnn", "W4", "SequenceTokenizer + RNNClassifier", requires=[TOKENIZER, RNN_CLASSIFIER]
    ),
]
BY_NAME = {impl.name: impl for impl in IMPLEMENTATIONS}


# --------------------------------------------------------------------------
# Child side: build, fit, predict, measure. Runs in a fresh interpreter.
# --------------------------------------------------------------------------


def _current_rss_mb():
    """Resident set size now (Linux), or the peak so far elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def _peak_rss_mb():
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cpu_s():
    """User + system CPU seconds of this process so far (all its threads)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _resolve(requirement):
    import importlib

    module_name, attribute = requirement.split(":")
    return getattr(importlib.import_module(module_name), attribute)


def _missing_requirement(impl):
    """The reason ``impl`` cannot run, or None when everything it needs imports."""
    for requirement in impl.requires:
        try:
            _resolve(requirement)
        except (ImportError, AttributeError) as exc:
            return f"{requirement.replace(':', '.')} not importable ({type(exc).__name__}: {exc})"
    return None


def _rnn_classifier(device, **overrides):
    params = dict(
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        pooling="last",
        batch_size=64,
        lr=1e-3,
        optimizer="adam",
        max_epochs=2,
        early_stopping=False,
        random_state=0,
        device=device,
    )
    params.update(overrides)
    return _resolve(RNN_CLASSIFIER)(**params)


def _build(impl, device):
    """The estimator for ``impl`` (imports happen here, inside the child)."""
    import references

    options = {k: v for k, v in impl.options.items() if k not in ("n_jobs", "tokenizer_only")}
    epochs = EPOCHS[impl.workload]
    if impl.name in ("w1_padded", "w3_padded_1", "w3_padded_2", "w4_padded"):
        return references.PaddedLSTMClassifier(max_epochs=epochs, device=device)
    if impl.name == "w1_packed":
        return references.PaddedLSTMClassifier(max_epochs=epochs, packed=True, device=device)
    if impl.name == "w1_skorch":
        return references.PlainSkorchClassifier(max_epochs=epochs, device=device)
    if impl.name == "w2_gru":
        return references.GRURegressor(hidden_size=32, max_epochs=epochs, device=device)
    if impl.name == "w2_rnn":
        return _resolve(RNN_REGRESSOR)(
            cell="gru",
            hidden_size=32,
            loss="mse",
            batch_size=64,
            lr=1e-3,
            optimizer="adam",
            max_epochs=epochs,
            early_stopping=False,
            random_state=0,
            device=device,
        )
    if impl.name == "w4_rnn":
        from sklearn.pipeline import make_pipeline

        return make_pipeline(_resolve(TOKENIZER)(), _rnn_classifier(device, max_epochs=epochs))
    return _rnn_classifier(device, max_epochs=epochs, **options)


def _synchronize(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _time_fit_predict(estimator, X, y, X_test, y_test, epochs, device):
    """Fit and predict once; throughput, fit's peak RSS and a held-out score."""
    rss_before = _current_rss_mb()
    cpu_start = _cpu_s()
    start = time.perf_counter()
    estimator.fit(X, y)
    _synchronize(device)
    fit_s = time.perf_counter() - start
    fit_cpu_s = _cpu_s() - cpu_start
    peak_rss_fit = _peak_rss_mb()
    start = time.perf_counter()
    estimator.predict(X)
    _synchronize(device)
    predict_s = time.perf_counter() - start
    return {
        "fit_s": fit_s,
        "fit_cpu_s": fit_cpu_s,
        "predict_s": predict_s,
        "train_seq_per_s": len(X) * epochs / fit_s,
        "predict_seq_per_s": len(X) / predict_s,
        "rss_before_fit_mb": rss_before,
        "peak_rss_fit_mb": peak_rss_fit,
        "score": float(estimator.score(X_test, y_test)),
    }


def _run_w3(impl, device, sizes):
    import workloads
    from sklearn.model_selection import GridSearchCV

    X, y = workloads.make_variable_length_classification(sizes["w3"], seed=0)
    search = GridSearchCV(
        _build(impl, device),
        W3_GRID,
        cv=W3_FOLDS,
        n_jobs=impl.options["n_jobs"],
        refit=False,
        error_score="raise",
    )
    start = time.perf_counter()
    search.fit(X, y)
    return {
        "search_s": time.perf_counter() - start,
        "n_jobs": impl.options["n_jobs"],
        "score": float(search.best_score_),
    }


def _run_w4_tokenizer(impl, sizes):
    import workloads

    documents, _ = workloads.make_documents(sizes["w4"], seed=0)
    tokenizer = workloads.PythonTokenizer() if impl.reference else _resolve(TOKENIZER)()
    start = time.perf_counter()
    tokenizer.fit(documents)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    tokenizer.transform(documents)
    transform_s = time.perf_counter() - start
    return {
        "fit_s": fit_s,
        "transform_s": transform_s,
        "fit_docs_per_s": len(documents) / fit_s,
        "transform_docs_per_s": len(documents) / transform_s,
    }


def _run_one(impl, device, sizes):
    import workloads

    if impl.workload == "W3":
        return _run_w3(impl, device, sizes)
    if impl.options.get("tokenizer_only"):
        return _run_w4_tokenizer(impl, sizes)
    if impl.workload == "W1":
        X, y = workloads.make_variable_length_classification(sizes["w1"], seed=0)
        X_test, y_test = workloads.make_variable_length_classification(sizes["w1_test"], seed=1)
    elif impl.workload == "W2":
        X, y = workloads.make_fixed_length_regression(sizes["w2"] + sizes["w2_test"], seed=0)
        n = sizes["w2"]
        X, y, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    else:  # W4 with a classifier
        X, y = workloads.make_documents(sizes["w4"], seed=0)
        X_test, y_test = workloads.make_documents(sizes["w4_test"], seed=1)
        if impl.reference:
            tokenizer = workloads.PythonTokenizer()
            estimator = _build(impl, device)
            # The reference is tokenizer + classifier, timed together like the pipeline.
            return _time_fit_predict(
                _TokenizedClassifier(tokenizer, estimator),
                X,
                y,
                X_test,
                y_test,
                EPOCHS["W4"],
                device,
            )
    return _time_fit_predict(
        _build(impl, device), X, y, X_test, y_test, EPOCHS[impl.workload], device
    )


class _TokenizedClassifier:
    """Minimal pipeline for the W4 reference: tokenize, then classify."""

    def __init__(self, tokenizer, classifier):
        self.tokenizer = tokenizer
        self.classifier = classifier

    def fit(self, documents, y):
        self.classifier.fit(self.tokenizer.fit_transform(documents), y)
        return self

    def predict(self, documents):
        return self.classifier.predict(self.tokenizer.transform(documents))

    def score(self, documents, y):
        return self.classifier.score(self.tokenizer.transform(documents), y)


def child_main(names, scale, device, threads, result_file):
    """Run ``names`` one after the other in this process; write one JSON list."""
    sys.path[:0] = [str(BENCHMARKS_DIR), str(REPO_ROOT)]
    import torch

    torch.set_num_threads(threads)
    # Import what every implementation imports anyway, so that the RSS baseline
    # is the same for references and estimators.
    import sklearn.model_selection  # noqa: F401
    import skorch  # noqa: F401

    results = []
    for name in names:
        impl = BY_NAME[name]
        record = {"impl": name, "workload": impl.workload, "torch_threads": torch.get_num_threads()}
        reason = _missing_requirement(impl)
        if reason is not None:
            record.update(status="not available", reason=reason)
        else:
            try:
                record.update(_run_one(impl, device, SIZES[scale]), status="ok")
            except Exception as exc:
                record.update(
                    status="error",
                    reason=f"{type(exc).__name__}: {exc}",
                    traceback=traceback.format_exc(),
                )
        record["peak_rss_mb"] = _peak_rss_mb()
        results.append(record)
    Path(result_file).write_text(json.dumps(results))


# --------------------------------------------------------------------------
# Parent side: schedule children, collect, report.
# --------------------------------------------------------------------------

IMPORT_SNIPPET = """
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
import torch, skorch
base = time.perf_counter() - start
start = time.perf_counter()
try:
    import sklearn_rnn
    extra = time.perf_counter() - start
    error = None
except Exception as exc:
    extra, error = None, f"{{type(exc).__name__}}: {{exc}}"
available = {{}}
for requirement in {requirements!r}:
    module_name, attribute = requirement.split(":")
    try:
        available[requirement] = hasattr(__import__(module_name, fromlist=[attribute]), attribute)
    except Exception:
        available[requirement] = False
print(json.dumps({{"base_s": base, "extra_s": extra, "error": error, "available": available}}))
"""


def measure_import(repeats):
    """Import time of torch + skorch, and what ``import sklearn_rnn`` adds (fresh interpreters)."""
    snippet = IMPORT_SNIPPET.format(
        root=str(REPO_ROOT), requirements=[RNN_CLASSIFIER, RNN_REGRESSOR, TOKENIZER]
    )
    runs = []
    for _ in range(repeats):
        completed = subprocess.run(
            [sys.executable, "-c", snippet],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
        )
        runs.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    available = runs[-1]["available"]
    # The package counts as importable only once its estimator exists: an empty
    # directory imports as a namespace package.
    usable = runs[-1]["error"] is None and available[RNN_CLASSIFIER]
    return {
        "base_s": [run["base_s"] for run in runs],
        "extra_s": [run["extra_s"] for run in runs] if usable else [],
        "status": "ok" if usable else "not available",
        "reason": runs[-1]["error"] or ("" if usable else "sklearn_rnn.RNNClassifier missing"),
        "available": available,
    }


def _machine_busy_s():
    """CPU seconds the whole machine has spent busy since boot (Linux), else None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load_1min():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def wait_for_quiet_machine(max_load, max_wait_s=600):
    """Wait until the 1-minute load average is below ``max_load`` (or give up)."""
    deadline = time.monotonic() + max_wait_s
    while _load_1min() >= max_load and time.monotonic() < deadline:
        time.sleep(5)


def run_children(names, args, scale, timeout):
    """Run ``names`` in one child process; return their records."""
    if args.max_load is not None:
        wait_for_quiet_machine(args.max_load)
    load_before = _load_1min()
    machine_busy_before, children_before, start = (
        _machine_busy_s(),
        _children_cpu_s(),
        time.monotonic(),
    )
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            ",".join(names),
            "--scale",
            scale,
            "--device",
            args.device,
            "--threads",
            str(args.threads),
            "--result-file",
            str(result_file),
        ]
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT
            )
        except subprocess.TimeoutExpired:
            return [
                {"impl": n, "workload": BY_NAME[n].workload, "status": "error", "reason": "timeout"}
                for n in names
            ]
        if completed.returncode != 0 or not result_file.exists():
            reason = f"child exited with {completed.returncode}: {completed.stderr.strip()[-2000:]}"
            return [
                {"impl": n, "workload": BY_NAME[n].workload, "status": "error", "reason": reason}
                for n in names
            ]
        records = json.loads(result_file.read_text())
    # CPU that processes other than ours used meanwhile: a busy machine skews every figure.
    wall_s = time.monotonic() - start
    foreign = None
    if machine_busy_before is not None:
        other_s = (_machine_busy_s() - machine_busy_before) - (_children_cpu_s() - children_before)
        foreign = max(0.0, other_s / (wall_s * (os.cpu_count() or 1)))
    for record in records:
        record["load_1min_before"] = load_before
        record["foreign_cpu_fraction"] = foreign
    return records


def machine_info(threads, device):
    cpu_model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def version(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": version("torch"),
        "skorch": version("skorch"),
        "scikit-learn": version("scikit-learn"),
        "torch_threads": threads,
        "device": device,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


# ---- summaries -------------------------------------------------------------


def _summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def summarize(records):
    """Per implementation: status and median/min/max of every numeric metric."""
    by_impl = {}
    for record in records:
        by_impl.setdefault(record["impl"], []).append(record)
    summary = {}
    for name, runs in by_impl.items():
        ok = [run for run in runs if run["status"] == "ok"]
        entry = {"status": "ok" if ok else runs[-1]["status"], "reason": runs[-1].get("reason", "")}
        if ok:
            keys = [
                k
                for k, v in ok[0].items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ]
            entry["metrics"] = {key: _summary([run.get(key) for run in ok]) for key in keys}
        summary[name] = entry
    return summary


def _median(summary, name, metric):
    entry = summary.get(name)
    if not entry or entry["status"] != "ok" or not entry["metrics"].get(metric):
        return None
    return entry["metrics"][metric]["median"]


def _fmt_number(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def _fmt_range(summary, name, metric, digits=0):
    entry = summary.get(name)
    if not entry or entry["status"] != "ok":
        return "—"
    stats = entry["metrics"].get(metric)
    if not stats:
        return "—"
    if stats["n"] == 1:
        return _fmt_number(stats["median"], digits)
    return (
        f"{_fmt_number(stats['median'], digits)} "
        f"({_fmt_number(stats['min'], digits)}–{_fmt_number(stats['max'], digits)})"
    )


def _fmt_ratio(value, reference):
    return "—" if value is None or not reference else f"{value / reference:.2f}×"


def _status_cell(summary, name):
    entry = summary.get(name)
    if entry is None:
        return "not run"
    if entry["status"] == "ok":
        return ""
    return (
        entry["status"] if entry["status"] == "not available" else f"error: {entry['reason'][:80]}"
    )


def _rows_for(workload, selected):
    return [impl for impl in IMPLEMENTATIONS if impl.workload == workload and impl.name in selected]


def _fit_predict_table(summary, impls, reference):
    lines = [
        f"| implementation | train seq/s | × {reference} | predict seq/s | × {reference} "
        f"| fit peak RSS MB | × {reference} | held-out score | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ref_train = _median(summary, reference, "train_seq_per_s")
    ref_predict = _median(summary, reference, "predict_seq_per_s")
    ref_rss = _median(summary, reference, "peak_rss_fit_mb")
    for impl in impls:
        name = impl.name
        lines.append(
            f"| {impl.label} (`{name}`) | {_fmt_range(summary, name, 'train_seq_per_s')} "
            f"| {_fmt_ratio(_median(summary, name, 'train_seq_per_s'), ref_train)} "
            f"| {_fmt_range(summary, name, 'predict_seq_per_s')} "
            f"| {_fmt_ratio(_median(summary, name, 'predict_seq_per_s'), ref_predict)} "
            f"| {_fmt_number(_median(summary, name, 'peak_rss_fit_mb'))} "
            f"| {_fmt_ratio(_median(summary, name, 'peak_rss_fit_mb'), ref_rss)} "
            f"| {_fmt_number(_median(summary, name, 'score'), 3)} | {_status_cell(summary, name)} |"
        )
    return lines


def _w3_table(summary, impls):
    lines = [
        "| implementation | n_jobs | search s | × n_jobs=1 | best CV score | status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for impl in impls:
        single = impl.name[:-1] + "1"
        ratio = _fmt_ratio(
            _median(summary, impl.name, "search_s"), _median(summary, single, "search_s")
        )
        lines.append(
            f"| {impl.label} (`{impl.name}`) | {impl.options['n_jobs']} "
            f"| {_fmt_range(summary, impl.name, 'search_s', 1)} | {ratio} "
            f"| {_fmt_number(_median(summary, impl.name, 'score'), 3)} | {_status_cell(summary, impl.name)} |"
        )
    return lines


def _w4_tokenizer_table(summary, impls):
    reference = "w4_python_tokenizer"
    lines = [
        "| tokenizer | fit docs/s | transform docs/s | × pure Python (transform) | status |",
        "|---|---:|---:|---:|---|",
    ]
    ref = _median(summary, reference, "transform_docs_per_s")
    for impl in impls:
        name = impl.name
        lines.append(
            f"| {impl.label} (`{name}`) | {_fmt_range(summary, name, 'fit_docs_per_s')} "
            f"| {_fmt_range(summary, name, 'transform_docs_per_s')} "
            f"| {_fmt_ratio(_median(summary, name, 'transform_docs_per_s'), ref)} | {_status_cell(summary, name)} |"
        )
    return lines


def _check(measured, limit, *, at_least):
    if measured is None:
        return "—", "n/a"
    passed = measured >= limit if at_least else measured <= limit
    return f"{measured:.2f}", "pass" if passed else "**FAIL**"


def _ratio(numerator, denominator):
    return None if numerator is None or not denominator else numerator / denominator


def targets_table(summary, import_result):
    """The issue's targets, each with the measured value and a verdict."""

    def m(name, metric):
        return _median(summary, name, metric)

    best_train = max(
        filter(None, [m("w1_padded", "train_seq_per_s"), m("w1_packed", "train_seq_per_s")]),
        default=None,
    )
    best_predict = max(
        filter(None, [m("w1_padded", "predict_seq_per_s"), m("w1_packed", "predict_seq_per_s")]),
        default=None,
    )
    best_rss = min(
        filter(None, [m("w1_padded", "peak_rss_fit_mb"), m("w1_packed", "peak_rss_fit_mb")]),
        default=None,
    )
    lstm_train = m("w1_lstm", "train_seq_per_s")
    extra_import = _summary(import_result.get("extra_s", [])) if import_result else None
    rows = [
        ("W1 train ≥ 0.9× best hand-written", _ratio(lstm_train, best_train), 0.9, True),
        (
            "W1 train ≥ 5× plain skorch",
            _ratio(lstm_train, m("w1_skorch", "train_seq_per_s")),
            5.0,
            True,
        ),
        (
            "W1 train ≥ 5× packed loop",
            _ratio(lstm_train, m("w1_packed", "train_seq_per_s")),
            5.0,
            True,
        ),
        (
            "W1 predict ≥ 0.9× best hand-written",
            _ratio(m("w1_lstm", "predict_seq_per_s"), best_predict),
            0.9,
            True,
        ),
        # time ratios: unidirectional throughput over the variant's throughput
        (
            "W1 bidirectional time ≤ 2.2× unidirectional",
            _ratio(lstm_train, m("w1_lstm_bi", "train_seq_per_s")),
            2.2,
            False,
        ),
        (
            'W1 pooling="mean" time ≤ 1.1× "last"',
            _ratio(lstm_train, m("w1_lstm_mean", "train_seq_per_s")),
            1.1,
            False,
        ),
        (
            "W1 fit peak RSS ≤ 1.15× best hand-written",
            _ratio(m("w1_lstm", "peak_rss_fit_mb"), best_rss),
            1.15,
            False,
        ),
        (
            "W2 train time ≤ 1.1× hand-written",
            _ratio(m("w2_gru", "train_seq_per_s"), m("w2_rnn", "train_seq_per_s")),
            1.1,
            False,
        ),
        (
            "W2 predict time ≤ 1.2× hand-written",
            _ratio(m("w2_gru", "predict_seq_per_s"), m("w2_rnn", "predict_seq_per_s")),
            1.2,
            False,
        ),
        (
            "W3 search time n_jobs=2 ≤ 1.05× n_jobs=1",
            _ratio(m("w3_rnn_2", "search_s"), m("w3_rnn_1", "search_s")),
            1.05,
            False,
        ),
        (
            "import sklearn_rnn adds ≤ 0.3 s over torch + skorch",
            extra_import and extra_import["median"],
            0.3,
            False,
        ),
    ]
    lines = ["| target | measured | verdict |", "|---|---:|---|"]
    for label, measured, limit, at_least in rows:
        value, verdict = _check(measured, limit, at_least=at_least)
        lines.append(f"| {label} | {value} | {verdict} |")
    return lines


def render_markdown(summary, records, import_result, machine, args, selected):
    workloads = args.workloads
    lines = [
        f"Run: `python benchmarks/run.py{' --quick' if args.quick else ''} --device {args.device} "
        f"--workloads {','.join(workloads)}{' --only ' + args.only if args.only else ''} "
        f"--repeats {args.repeats}` on {machine['date']}.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}, torch {machine['torch']}, "
        f"skorch {machine['skorch']}, scikit-learn {machine['scikit-learn']}; "
        f"**torch.set_num_threads({machine['torch_threads']})** in every process; device `{machine['device']}`; "
        f"load average at start {', '.join(f'{x:.1f}' for x in machine['load_average_at_start'] or [])}.",
        "",
        f"Cells: median of {args.repeats} interleaved runs, (min–max) when more than one; ratios are of medians. "
        "Throughput counts every sequence of every epoch; predict runs on the training set; "
        "the held-out score (accuracy or R²) is a sanity check only.",
    ]
    busy = max((r.get("foreign_cpu_fraction") or 0.0 for r in records), default=0.0)
    if busy > 0.1:
        lines += [
            "",
            f"**Warning: the machine was busy**: other processes took up to {busy:.0%} of its CPU "
            "while a row ran. On a few cores, contention slows torch's OpenMP threads far more than "
            "proportionally; compare rows only within this run, and prefer a quiet machine.",
        ]
    if "W1" in workloads:
        lines += ["", "### W1: variable-length classification (LSTM 64, 2 epochs)", ""]
        lines += _fit_predict_table(summary, _rows_for("W1", selected), "w1_padded")
    if "W2" in workloads:
        lines += ["", "### W2: fixed-length regression (GRU 32, 3 epochs)", ""]
        lines += _fit_predict_table(summary, _rows_for("W2", selected), "w2_gru")
    if "W3" in workloads:
        lines += ["", "### W3: GridSearchCV, 4 candidates × 3 folds (no refit)", ""]
        lines += _w3_table(summary, _rows_for("W3", selected))
    if "W4" in workloads:
        lines += ["", "### W4: text, 2 epochs", ""]
        tokenizers = [
            impl for impl in _rows_for("W4", selected) if impl.options.get("tokenizer_only")
        ]
        pipelines = [
            impl for impl in _rows_for("W4", selected) if not impl.options.get("tokenizer_only")
        ]
        lines += _w4_tokenizer_table(summary, tokenizers) + [""]
        lines += _fit_predict_table(summary, pipelines, "w4_padded")
    lines += ["", "### import time", ""]
    if import_result:
        base = _summary(import_result["base_s"])
        extra = _summary(import_result["extra_s"])
        lines += [
            "| import | seconds (median, min–max) |",
            "|---|---:|",
            f"| `import torch, skorch` | {base['median']:.2f} ({base['min']:.2f}–{base['max']:.2f}) |",
            "| `import sklearn_rnn` on top | "
            + (
                f"{extra['median']:.3f} ({extra['min']:.3f}–{extra['max']:.3f}) |"
                if extra
                else f"not available ({import_result['reason']}) |"
            ),
        ]
    lines += ["", "### targets", ""] + targets_table(summary, import_result)
    return "\n".join(lines)


def update_readme(markdown):
    text = README.read_text() if README.exists() else ""
    block = f"{MARK_START}\n{markdown}\n{MARK_END}"
    if MARK_START in text and MARK_END in text:
        before = text.split(MARK_START, 1)[0]
        after = text.split(MARK_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n## Results\n\n" + block + "\n"
    README.write_text(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one process, for smoke tests"
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument(
        "--workloads", default="W1,W2,W3,W4", help="comma-separated subset of W1,W2,W3,W4"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated implementation names (see IMPLEMENTATIONS)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="interleaved repeats (default 3, quick 1)"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="torch.set_num_threads in each process (default 2)"
    )
    parser.add_argument(
        "--import-repeats", type=int, default=None, help="import-time runs (default 5, quick 1)"
    )
    parser.add_argument(
        "--no-readme", action="store_true", help="do not update benchmarks/README.md"
    )
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR, help="where the JSON goes")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="*",
        default=[],
        help="JSON results of earlier runs whose other workloads join this run's table",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=None,
        help="before each process, wait (up to 10 min) for the 1-minute load average to drop below this",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds per child process")
    # internal: run implementations inside this process
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scale", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = set(args.workloads) - {"W1", "W2", "W3", "W4"}
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; expected a subset of W1,W2,W3,W4")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.import_repeats is None:
        args.import_repeats = 1 if args.quick else 5
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        child_main(args.child.split(","), args.scale, args.device, args.threads, args.result_file)
        return 0

    scale = "quick" if args.quick else "full"
    timeout = args.timeout or (300 if args.quick else 3600)
    selected = [impl for impl in IMPLEMENTATIONS if impl.workload in args.workloads]
    if args.only:
        wanted = set(args.only.split(","))
        selected = [impl for impl in selected if impl.name in wanted]
    machine = machine_info(args.threads, args.device)
    started = time.perf_counter()

    print(f"import time ({args.import_repeats} runs) ...", flush=True)
    import_result = measure_import(args.import_repeats)
    available = import_result["available"]
    records = []
    runnable = []
    for impl in selected:
        missing = [r for r in impl.requires if not available.get(r, False)]
        if missing:
            reason = ", ".join(r.replace(":", ".") for r in missing) + " not available"
            records.append(
                {
                    "impl": impl.name,
                    "workload": impl.workload,
                    "status": "not available",
                    "reason": reason,
                }
            )
            print(f"  {impl.name}: not available ({reason})", flush=True)
        else:
            runnable.append(impl)

    if args.quick:
        # One process for everything: a smoke test of the harness, not a measurement.
        for repeat in range(args.repeats):
            print(
                f"repeat {repeat + 1}: {len(runnable)} implementations in one process ...",
                flush=True,
            )
            records += run_children([impl.name for impl in runnable], args, scale, timeout)
    else:
        for workload in args.workloads:
            impls = [impl for impl in runnable if impl.workload == workload]
            for repeat in range(args.repeats):
                for impl in impls:
                    print(
                        f"{workload} repeat {repeat + 1}/{args.repeats}: {impl.name} ...",
                        end=" ",
                        flush=True,
                    )
                    (record,) = run_children([impl.name], args, scale, timeout)
                    record["repeat"] = repeat
                    records.append(record)
                    print(_progress(record), flush=True)

    machine["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    for path in args.merge:
        # Rows of workloads this run did not measure, from an earlier run.
        earlier = json.loads(Path(path).read_text())
        for record in earlier["records"]:
            if record["workload"] not in args.workloads:
                records.append(record)
                selected.append(BY_NAME[record["impl"]])
        args.workloads = sorted(set(args.workloads) | {r["workload"] for r in earlier["records"]})
    summary = summarize(records)
    markdown = render_markdown(
        summary, records, import_result, machine, args, {impl.name for impl in selected}
    )
    print()
    print(markdown)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    output = args.output_dir / f"{'quick' if args.quick else 'full'}-{stamp}.json"
    machine["wall_s"] = time.perf_counter() - started
    output.write_text(
        json.dumps(
            {
                "machine": machine,
                "args": {k: str(v) for k, v in vars(args).items()},
                "import": import_result,
                "records": records,
                "summary": summary,
            },
            indent=2,
        )
    )
    print(f"\nresults: {output}")
    if not args.quick and not args.no_readme:
        update_readme(markdown)
        print(f"table written to {README}")
    errors = [r for r in records if r["status"] == "error"]
    for record in errors:
        print(
            f"ERROR in {record['impl']}: {record.get('traceback') or record.get('reason')}",
            file=sys.stderr,
        )
    return 1 if errors else 0


def _progress(record):
    if record["status"] != "ok":
        return f"{record['status']}: {record.get('reason', '')[:200]}"
    busy = record.get("foreign_cpu_fraction")
    busy = f" [other processes: {busy:.0%} CPU]" if busy is not None else ""
    if "search_s" in record:
        return f"search {record['search_s']:.1f} s{busy}"
    if "transform_docs_per_s" in record:
        return (
            f"fit {record['fit_docs_per_s']:,.0f} docs/s, "
            f"transform {record['transform_docs_per_s']:,.0f} docs/s{busy}"
        )
    return (
        f"train {record['train_seq_per_s']:,.0f} seq/s, predict {record['predict_seq_per_s']:,.0f} seq/s, "
        f"fit peak RSS {record['peak_rss_fit_mb']:,.0f} MB, score {record['score']:.3f}{busy}"
    )


if __name__ == "__main__":
    sys.exit(main())
