"""The harness: run rows in subprocesses, time them, measure memory, check configs.

Nothing here knows a particular row. The parent side (``run_rows``) runs each
row of :mod:`implementations` in a fresh interpreter (this file, with
``--child``), with interleaved repeats, and records the machine's state; the
child side (``child_main``) builds a row's estimator, times it the way its
workload says (``MEASURES``) and checks that the fitted estimator runs the
options the row declares (``verify_config``), failing the row otherwise.
"""

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS_DIR.parent


class ConfigMismatch(RuntimeError):
    """A row's estimator does not run the options its label names."""

    def __init__(self, row, problems, config=None):
        super().__init__(
            f"row {row.name!r} ({row.label}) does not run its options: " + "; ".join(problems)
        )
        self.config = config or {}


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


def _synchronize(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def time_fit_predict(estimator, data, epochs, device):
    """Fit and predict once; throughput, fit's peak RSS and a held-out score."""
    X, y, X_test, y_test = data
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


def time_search(search, data, epochs, device):
    """Fit a hyperparameter search once; its time and best CV score."""
    X, y = data
    start = time.perf_counter()
    search.fit(X, y)
    return {
        "search_s": time.perf_counter() - start,
        "n_jobs": search.n_jobs,
        "score": float(search.best_score_),
    }


def time_tokenize(tokenizer, documents, epochs, device):
    """Fit a tokenizer, then transform the same documents; documents per second."""
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


MEASURES = {"fit_predict": time_fit_predict, "search": time_search, "tokenize": time_tokenize}

# Options that change the network's structure and that a torch module records
# under the same name: checked on the fitted module as well as in get_params.
STRUCTURAL_OPTIONS = ("cell", "bidirectional", "pooling", "packed")
_PLAIN = (str, bool, int, float, type(None))


def _same(value, wanted):
    return value == wanted and isinstance(value, bool) == isinstance(wanted, bool)


def effective_params(estimator):
    """``get_params(deep=True)``, plain values only (JSON-able); {} without get_params."""
    get_params = getattr(estimator, "get_params", None)
    if get_params is None:
        return {}
    return {k: v for k, v in get_params(deep=True).items() if isinstance(v, _PLAIN)}


def param_problems(row, params):
    """Options of ``row`` that ``params`` (``get_params(deep=True)``) does not hold.

    An option may also be a nested parameter (``<step>__<option>``: a pipeline's
    classifier); then every nested parameter of that name must have the value.
    """
    problems = []
    for key, wanted in row.options.items():
        if key in params:
            found = [params[key]]
        else:
            found = [v for k, v in params.items() if k.endswith("__" + key)]
        if not found:
            problems.append(f"{key} is not among the estimator's parameters")
        elif not all(_same(value, wanted) for value in found):
            problems.append(f"{key}={wanted!r} declared, get_params() has {found!r}")
    return problems


def check_params(row, estimator):
    """Before fit: every option of ``row`` is a parameter of ``estimator`` with that value."""
    params = effective_params(estimator)
    problems = param_problems(row, params)
    if problems:
        raise ConfigMismatch(row, problems, {"params": params})
    return params


def _fitted_module(estimator):
    """The fitted torch module of an estimator or of a pipeline's last step, or None."""
    steps = getattr(estimator, "steps", None)
    if steps:
        estimator = steps[-1][1]
    net = getattr(estimator, "net_", None)
    module = getattr(net, "module_", None) if net is not None else None
    return module if module is not None else getattr(estimator, "module_", None)


def module_config(row, estimator):
    """The row's structural options as the fitted torch module records them.

    For each option in ``STRUCTURAL_OPTIONS``, the distinct values of the
    attributes of that name in the fitted module's tree (none: not recorded
    there, nothing to check): ``{option: [values]}``.
    """
    module = _fitted_module(estimator)
    if module is None or not hasattr(module, "modules"):
        return {}
    found = {}
    for key in row.options:
        name = key.rsplit("__", 1)[-1]
        if name not in STRUCTURAL_OPTIONS:
            continue
        values = []
        for submodule in module.modules():
            value = getattr(submodule, name, None)
            if isinstance(value, _PLAIN[:-1]) and value not in values:
                values.append(value)
        if values:
            found[key] = values
    return found


def module_problems(row, found):
    """Options that the module records but with none of its values equal to the row's.

    The estimator accepted the option (``get_params`` has it) and ignored it.
    """
    return [
        f"{key}={row.options[key]!r} declared, but the fitted module runs {values!r}"
        for key, values in found.items()
        if not any(_same(value, row.options[key]) for value in values)
    ]


def verify_config(row, estimator):
    """After fit: the fitted parameters and module configuration; raises on any drift."""
    config = {"params": effective_params(estimator), "module_config": module_config(row, estimator)}
    problems = param_problems(row, config["params"]) + module_problems(row, config["module_config"])
    if problems:
        raise ConfigMismatch(row, problems, config)
    return config


def missing_requirement(row):
    """The reason ``row`` cannot run here, or None when everything it needs imports."""
    from implementations import resolve

    for requirement in row.requires:
        try:
            resolve(requirement)
        except (ImportError, AttributeError) as exc:
            return f"{requirement.replace(':', '.')} not importable ({type(exc).__name__}: {exc})"
    return None


def run_row(row, device, sizes):
    """Build, check, time and verify one row; its record's measurements."""
    estimator = row.make(device)
    check_params(row, estimator)  # fail before spending the time
    metrics = MEASURES[row.workload.measure](
        estimator, row.workload.data(sizes), row.workload.epochs, device
    )
    try:
        metrics.update(verify_config(row, estimator))
    except ConfigMismatch as exc:
        exc.config["unverified"] = metrics  # kept in the record, out of the tables
        raise
    return metrics


def child_main(names, scale, device, threads, result_file):
    """Run rows ``names`` one after the other in this process; write one JSON list."""
    sys.path[:0] = [str(BENCHMARKS_DIR), str(REPO_ROOT)]
    import torch

    torch.set_num_threads(threads)
    # Import what every implementation imports anyway, so that the RSS baseline
    # is the same for references and estimators.
    import sklearn.model_selection  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import skorch  # noqa: F401
    from implementations import BY_NAME
    from workloads import SIZES

    results = []
    for name in names:
        row = BY_NAME[name]
        record = {
            "impl": name,
            "workload": row.workload.group,
            "label": row.label,
            "options": dict(row.options),
            "torch_threads": torch.get_num_threads(),
        }
        reason = missing_requirement(row)
        if reason is not None:
            record.update(status="not available", reason=reason)
        else:
            try:
                record.update(run_row(row, device, SIZES[scale]), status="ok")
            except Exception as exc:
                record.update(getattr(exc, "config", {}))
                record.update(
                    status="error",
                    reason=f"{type(exc).__name__}: {exc}",
                    traceback=traceback.format_exc(),
                )
        record["peak_rss_mb"] = _peak_rss_mb()
        results.append(record)
        # After every row (atomically): a timeout then loses only the rows not finished.
        partial = Path(f"{result_file}.partial")
        partial.write_text(json.dumps(results))
        os.replace(partial, result_file)


# --------------------------------------------------------------------------
# Parent side: import time, machine state, children, schedule.
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


def measure_import(repeats, requirements, marker):
    """Import time of torch + skorch, and what ``import sklearn_rnn`` adds (fresh interpreters).

    Also whether each of ``requirements`` is importable; the package counts as
    importable only when ``marker`` is.
    """
    snippet = IMPORT_SNIPPET.format(root=str(REPO_ROOT), requirements=list(requirements))
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
    usable = runs[-1]["error"] is None and available.get(marker, False)
    return {
        "base_s": [run["base_s"] for run in runs],
        "extra_s": [run["extra_s"] for run in runs] if usable else [],
        "status": "ok" if usable else "not available",
        "reason": runs[-1]["error"] or ("" if usable else f"{marker.replace(':', '.')} missing"),
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


def load_average():
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def wait_for_quiet_machine(max_load, max_wait_s=600):
    """Wait until the 1-minute load average is below ``max_load`` (or give up)."""
    deadline = time.monotonic() + max_wait_s
    while _load_1min() >= max_load and time.monotonic() < deadline:
        time.sleep(5)


def machine_info(threads, device=None, *, packages=("torch", "skorch", "scikit-learn")):
    """The machine and software a result was measured on: CPU, cores, Python,
    the versions of ``packages``, the torch threads, the device (left out
    when None), the load average at the start and the date."""
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

    info = {
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **{package: version(package) for package in packages},
        "torch_threads": threads,
        "device": device,
        "load_average_at_start": load_average(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if device is None:
        del info["device"]
    return info


def _error_records(rows, reason):
    return [
        {"impl": row.name, "workload": row.workload.group, "status": "error", "reason": reason}
        for row in rows
    ]


def run_children(rows, args, scale, timeout):
    """Run ``rows`` in one child process; return their records."""
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
            ",".join(row.name for row in rows),
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
            reason = None
            if completed.returncode != 0:
                reason = (
                    f"child exited with {completed.returncode}: {completed.stderr.strip()[-2000:]}"
                )
        except subprocess.TimeoutExpired:
            reason = f"timeout ({timeout:.0f} s for the process; --timeout)"
        records = json.loads(result_file.read_text()) if result_file.exists() else []
    done = {record["impl"] for record in records}
    if reason is not None:
        records += _error_records([row for row in rows if row.name not in done], reason)
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


def run_rows(rows, args, scale, timeout):
    """Every row, ``args.repeats`` times; records in order of execution.

    Quick mode runs all rows in one process per repeat (a smoke test, not a
    measurement); otherwise each row and repeat gets its own process, repeats
    interleaved within each workload group (repeat 1: A, B, C; repeat 2: A, B, C).
    """
    records = []
    if args.quick:
        for repeat in range(args.repeats):
            print(
                f"repeat {repeat + 1}: {len(rows)} implementations in one process ...", flush=True
            )
            for record in run_children(rows, args, scale, timeout):
                record["repeat"] = repeat
                records.append(record)
                print(f"  {record['impl']}: {progress(record)}", flush=True)
        return records
    for group in args.workloads:
        group_rows = [row for row in rows if row.workload.group == group]
        for repeat in range(args.repeats):
            for row in group_rows:
                print(
                    f"{group} repeat {repeat + 1}/{args.repeats}: {row.name} ...",
                    end=" ",
                    flush=True,
                )
                (record,) = run_children([row], args, scale, timeout)
                record["repeat"] = repeat
                records.append(record)
                print(progress(record), flush=True)
    return records


def progress(record):
    """One line about a record, for the console."""
    if record["status"] != "ok":
        return f"{record['status']}: {record.get('reason', '')[:300]}"
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


# --------------------------------------------------------------------------
# Self-checks: the table before a run, the records after one.
# --------------------------------------------------------------------------


def check_built(rows, device):
    """Build every row's estimator (unfitted) and check its options; in this process.

    Returns ``{name: problem}`` for the rows that fail (not available rows are
    skipped). Imports torch: meant for ``--self-check``, not for timed runs.
    """
    sys.path[:0] = [str(BENCHMARKS_DIR), str(REPO_ROOT)]
    problems = {}
    for row in rows:
        if missing_requirement(row) is not None:
            continue
        try:
            check_params(row, row.make(device))
        except Exception as exc:
            problems[row.name] = f"{type(exc).__name__}: {exc}"
    return problems


def check_records(rows, records, repeats):
    """Problems with a run's records (empty when consistent).

    Every row has one record per repeat; every successful record carries the
    row's options among its fitted parameters and finite, positive timings.
    """
    problems = []
    for row in rows:
        mine = [r for r in records if r["impl"] == row.name]
        if len(mine) != repeats:
            problems.append(f"{row.name}: {len(mine)} records for {repeats} repeats")
        for record in mine:
            if record["status"] != "ok":
                continue
            if "params" not in record:
                problems.append(f"{row.name}: no fitted parameters recorded")
            for problem in param_problems(row, record.get("params", {})):
                problems.append(f"{row.name}: recorded {problem}")
            for key in ("fit_s", "predict_s", "search_s", "transform_s"):
                value = record.get(key)
                if value is not None and not (math.isfinite(value) and value > 0):
                    problems.append(f"{row.name}: {key}={value!r}")
    try:
        json.dumps(records)
    except (TypeError, ValueError) as exc:
        problems.append(f"records are not JSON-serialisable: {exc}")
    return problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="child process of benchmarks/run.py")
    parser.add_argument("--child", required=True, help="comma-separated row names")
    parser.add_argument("--scale", default="full")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--result-file", required=True)
    child_args = parser.parse_args()
    child_main(
        child_args.child.split(","),
        child_args.scale,
        child_args.device,
        child_args.threads,
        child_args.result_file,
    )


def replace_section(readme, start, end, markdown, intro):
    """Write ``markdown`` between the markers ``start`` and ``end`` of
    ``readme``; where they are missing, append ``intro`` and the marked block.
    Every benchmark script writes its table into ``benchmarks/README.md`` so."""
    readme = Path(readme)
    text = readme.read_text() if readme.exists() else ""
    block = f"{start}\n{markdown}\n{end}"
    if start in text and end in text:
        text = text.split(start, 1)[0] + block + text.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + intro + "\n" + block + "\n"
    readme.write_text(text)
