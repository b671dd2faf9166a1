"""The report: summaries, Markdown tables, the targets, README and JSON output.

Tables are generated from the rows of :mod:`implementations`: one section per
workload group, one table per workload, one line per row, the ratio columns
dividing by each row's declared reference. :data:`TARGETS` are the issue's
targets, named by row.
"""

import datetime
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from workloads import WORKLOADS

BENCHMARKS_DIR = Path(__file__).resolve().parent
README = BENCHMARKS_DIR / "README.md"
MARK_START = "<!-- benchmark-results:start -->"
MARK_END = "<!-- benchmark-results:end -->"


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


# ---- cells -----------------------------------------------------------------


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


def _ratio_header(workload, rows):
    """The ratio column's title, and whether each cell must name its reference."""
    references = {row.compared_to for row in rows}
    if workload.ratio_header:
        return workload.ratio_header, False
    if len(references) == 1:
        return f"× {references.pop()}", False
    return "× reference", True


def _ratio_cell(summary, row, metric, name_reference):
    cell = _fmt_ratio(_median(summary, row.name, metric), _median(summary, row.compared_to, metric))
    return f"{cell} (`{row.compared_to}`)" if name_reference else cell


def _row_cell(row):
    return f"{row.label} (`{row.name}`)"


# ---- tables, one kind per measure -----------------------------------------


def _fit_predict_table(summary, workload, rows):
    header, named = _ratio_header(workload, rows)
    lines = [
        f"| implementation | train seq/s | {header} | predict seq/s | {header} "
        f"| fit peak RSS MB | {header} | held-out score | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        name = row.name
        lines.append(
            f"| {_row_cell(row)} | {_fmt_range(summary, name, 'train_seq_per_s')} "
            f"| {_ratio_cell(summary, row, 'train_seq_per_s', named)} "
            f"| {_fmt_range(summary, name, 'predict_seq_per_s')} "
            f"| {_ratio_cell(summary, row, 'predict_seq_per_s', named)} "
            f"| {_fmt_number(_median(summary, name, 'peak_rss_fit_mb'))} "
            f"| {_ratio_cell(summary, row, 'peak_rss_fit_mb', named)} "
            f"| {_fmt_number(_median(summary, name, 'score'), 3)} | {_status_cell(summary, name)} |"
        )
    return lines


def _search_table(summary, workload, rows):
    header, named = _ratio_header(workload, rows)
    lines = [
        f"| implementation | n_jobs | search s | {header} | best CV score | status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        n_jobs = row.options.get("n_jobs", _median(summary, row.name, "n_jobs"))
        lines.append(
            f"| {_row_cell(row)} | {_fmt_number(n_jobs)} "
            f"| {_fmt_range(summary, row.name, 'search_s', 1)} "
            f"| {_ratio_cell(summary, row, 'search_s', named)} "
            f"| {_fmt_number(_median(summary, row.name, 'score'), 3)} "
            f"| {_status_cell(summary, row.name)} |"
        )
    return lines


def _tokenize_table(summary, workload, rows):
    header, named = _ratio_header(workload, rows)
    lines = [
        f"| tokenizer | fit docs/s | transform docs/s | {header} | status |",
        "|---|---:|---:|---:|---|",
    ]
    for row in rows:
        name = row.name
        lines.append(
            f"| {_row_cell(row)} | {_fmt_range(summary, name, 'fit_docs_per_s')} "
            f"| {_fmt_range(summary, name, 'transform_docs_per_s')} "
            f"| {_ratio_cell(summary, row, 'transform_docs_per_s', named)} "
            f"| {_status_cell(summary, name)} |"
        )
    return lines


TABLES = {"fit_predict": _fit_predict_table, "search": _search_table, "tokenize": _tokenize_table}


# ---- targets ---------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A metric's median over ``rows``, combined by ``pick`` (the best of several)."""

    rows: tuple
    metric: str
    pick: object = max

    def value(self, summary):
        values = [_median(summary, name, self.metric) for name in self.rows]
        return self.pick(filter(None, values), default=None)


@dataclass(frozen=True)
class Target:
    """``numerator / denominator`` (or the import time) against ``limit``."""

    label: str
    numerator: Quantity | None
    denominator: Quantity | None
    limit: float
    at_least: bool

    def measured(self, summary, import_result):
        if self.numerator is None:  # the import time
            extra = _summary(import_result.get("extra_s", [])) if import_result else None
            return extra and extra["median"]
        numerator = self.numerator.value(summary)
        denominator = self.denominator.value(summary)
        return None if numerator is None or not denominator else numerator / denominator


BEST_HAND_WRITTEN = ("w1_padded", "w1_packed")
TARGETS = (
    Target(
        "W1 train ≥ 0.9× best hand-written",
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(BEST_HAND_WRITTEN, "train_seq_per_s"),
        0.9,
        True,
    ),
    Target(
        "W1 defaults: train ≥ 0.9× the same recipe hand-written",
        Quantity(("w1_defaults",), "train_seq_per_s"),
        Quantity(("w1_defaults_loop",), "train_seq_per_s"),
        0.9,
        True,
    ),
    Target(
        "W1 defaults: predict ≥ 0.9× the same recipe hand-written",
        Quantity(("w1_defaults",), "predict_seq_per_s"),
        Quantity(("w1_defaults_loop",), "predict_seq_per_s"),
        0.9,
        True,
    ),
    Target(
        "W1 train ≥ 5× plain skorch",
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(("w1_skorch",), "train_seq_per_s"),
        5.0,
        True,
    ),
    Target(
        "W1 train ≥ 5× packed loop",
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(("w1_packed",), "train_seq_per_s"),
        5.0,
        True,
    ),
    Target(
        "W1 predict ≥ 0.9× best hand-written",
        Quantity(("w1_lstm",), "predict_seq_per_s"),
        Quantity(BEST_HAND_WRITTEN, "predict_seq_per_s"),
        0.9,
        True,
    ),
    # time ratios: the base row's throughput over the variant's throughput
    Target(
        "W1 bidirectional time ≤ 2.2× unidirectional",
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(("w1_lstm_bi",), "train_seq_per_s"),
        2.2,
        False,
    ),
    Target(
        'W1 pooling="mean" time ≤ 1.1× "last"',
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(("w1_lstm_mean",), "train_seq_per_s"),
        1.1,
        False,
    ),
    Target(
        "W1 per-step outputs (RNNTagger) time ≤ 1.2× one label per sequence",
        Quantity(("w1_lstm",), "train_seq_per_s"),
        Quantity(("w1_tagger",), "train_seq_per_s"),
        1.2,
        False,
    ),
    Target(
        "W1 per-step outputs time ≤ 1.2× one label per sequence, bidirectional",
        Quantity(("w1_lstm_bi",), "train_seq_per_s"),
        Quantity(("w1_tagger_bi",), "train_seq_per_s"),
        1.2,
        False,
    ),
    Target(
        "W1 fit peak RSS ≤ 1.15× best hand-written",
        Quantity(("w1_lstm",), "peak_rss_fit_mb"),
        Quantity(BEST_HAND_WRITTEN, "peak_rss_fit_mb", min),
        1.15,
        False,
    ),
    Target(
        "W2 train time ≤ 1.1× hand-written",
        Quantity(("w2_gru",), "train_seq_per_s"),
        Quantity(("w2_rnn",), "train_seq_per_s"),
        1.1,
        False,
    ),
    Target(
        "W2 predict time ≤ 1.2× hand-written",
        Quantity(("w2_gru",), "predict_seq_per_s"),
        Quantity(("w2_rnn",), "predict_seq_per_s"),
        1.2,
        False,
    ),
    Target(
        "W3 search time n_jobs=2 ≤ 1.05× n_jobs=1",
        Quantity(("w3_rnn_2",), "search_s"),
        Quantity(("w3_rnn_1",), "search_s"),
        1.05,
        False,
    ),
    Target("import sklearn_rnn adds ≤ 0.3 s over torch + skorch", None, None, 0.3, False),
)


def check_targets(table):
    """Problems with :data:`TARGETS` against the table (rows they name must exist)."""
    names = {row.name for row in table}
    problems = []
    for target in TARGETS:
        for quantity in (target.numerator, target.denominator):
            for name in quantity.rows if quantity else ():
                if name not in names:
                    problems.append(f"target {target.label!r} names unknown row {name!r}")
    return problems


def _check(measured, limit, *, at_least):
    if measured is None:
        return "—", "n/a"
    passed = measured >= limit if at_least else measured <= limit
    return f"{measured:.2f}", "pass" if passed else "**FAIL**"


def targets_table(summary, import_result):
    """The issue's targets, each with the measured value and a verdict."""
    lines = ["| target | measured | verdict |", "|---|---:|---|"]
    for target in TARGETS:
        value, verdict = _check(
            target.measured(summary, import_result), target.limit, at_least=target.at_least
        )
        lines.append(f"| {target.label} | {value} | {verdict} |")
    return lines


# ---- the whole section -----------------------------------------------------


def _command_line(args):
    return (
        f"python benchmarks/run.py{' --quick' if args.quick else ''} --device {args.device} "
        f"--workloads {','.join(args.workloads)}{' --only ' + args.only if args.only else ''} "
        f"--repeats {args.repeats}"
    )


def render_markdown(summary, records, import_result, machine, args, rows):
    """The results section: run, machine, one table per workload, import time, targets."""
    lines = [
        f"Run: `{_command_line(args)}` on {machine['date']}.",
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
    for group in args.workloads:
        tables = []
        for workload in WORKLOADS:
            mine = [row for row in rows if row.workload is workload]
            if workload.group == group and mine:
                tables.append((workload, mine))
        if not tables:
            continue
        lines += ["", f"### {tables[0][0].title}"]
        for workload, mine in tables:
            lines += [""] + TABLES[workload.measure](summary, workload, mine)
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


def update_readme(markdown, readme=README):
    """Replace the section between the result markers (append one if missing)."""
    from harness import replace_section

    replace_section(readme, MARK_START, MARK_END, markdown, "## Results\n")


def write_results(output_dir, quick, machine, args, import_result, records, summary):
    """The run's JSON (machine, arguments, import time, every record, summary); its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    output = output_dir / f"{'quick' if quick else 'full'}-{stamp}.json"
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
    return output
