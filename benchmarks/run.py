"""Side-by-side benchmarks of sklearn_rnn against hand-written PyTorch and skorch.

Usage (from the repository root)::

    python benchmarks/run.py                      # full run, 3 interleaved repeats
    python benchmarks/run.py --quick              # tiny sizes, smoke test of the harness
    python benchmarks/run.py --workloads W1,W2 --repeats 5 --device cuda
    python benchmarks/run.py --self-check         # check the table, build every row; no timing

The rows are declared in ``implementations.py`` (one entry each), the data in
``workloads.py``, the hand-written references in ``references.py``; the
harness (``harness.py``) runs every row in its own subprocess with
interleaved repeats, and ``report.py`` writes the Markdown tables into
``benchmarks/README.md`` between the result markers (full runs only, unless
``--no-readme``) and the raw results into ``benchmarks/results/`` as JSON.
See ``benchmarks/README.md``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import harness
import report
from implementations import BY_NAME, PACKAGE_MARKER, REQUIREMENTS, TABLE
from workloads import GROUPS

RESULTS_DIR = harness.BENCHMARKS_DIR / "results"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one process, for smoke tests"
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument(
        "--workloads", default=",".join(GROUPS), help="comma-separated subset of W1,W2,W3,W4"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated row names (see implementations.TABLE)"
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
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="check the table and targets, build every selected row (unfitted) and check its "
        "options against get_params(); run nothing",
    )
    args = parser.parse_args(argv)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = set(args.workloads) - set(GROUPS)
    if unknown:
        parser.error(
            f"unknown workloads {sorted(unknown)}; expected a subset of {','.join(GROUPS)}"
        )
    if args.only:
        unknown = set(args.only.split(",")) - set(BY_NAME)
        if unknown:
            parser.error(f"unknown rows {sorted(unknown)}; see implementations.TABLE")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.import_repeats is None:
        args.import_repeats = 1 if args.quick else 5
    return args


def select(args):
    rows = [row for row in TABLE if row.workload.group in args.workloads]
    if args.only:
        wanted = set(args.only.split(","))
        rows = [row for row in rows if row.name in wanted]
    return rows


def self_check(rows, device):
    problems = report.check_targets(TABLE)
    problems += [
        f"{name}: {problem}" for name, problem in harness.check_built(rows, device).items()
    ]
    for problem in problems:
        print(f"self-check: {problem}", file=sys.stderr)
    print(f"self-check: {len(rows)} rows, {len(problems)} problems")
    return 1 if problems else 0


def main(argv=None):
    args = parse_args(argv)
    rows = select(args)
    if args.self_check:
        return self_check(rows, args.device)
    problems = report.check_targets(TABLE)
    if problems:
        raise SystemExit("\n".join(problems))

    scale = "quick" if args.quick else "full"
    timeout = args.timeout or (300 if args.quick else 3600)
    machine = harness.machine_info(args.threads, args.device)
    started = time.perf_counter()

    print(f"import time ({args.import_repeats} runs) ...", flush=True)
    import_result = harness.measure_import(args.import_repeats, REQUIREMENTS, PACKAGE_MARKER)
    available = import_result["available"]
    records, runnable = [], []
    for row in rows:
        missing = [r for r in row.requires if not available.get(r, False)]
        if missing:
            reason = ", ".join(r.replace(":", ".") for r in missing) + " not available"
            records.append(
                {
                    "impl": row.name,
                    "workload": row.workload.group,
                    "status": "not available",
                    "reason": reason,
                }
            )
            print(f"  {row.name}: not available ({reason})", flush=True)
        else:
            runnable.append(row)
    records += harness.run_rows(runnable, args, scale, timeout)
    # Test-free check of the run itself: every row ran, and ran its options.
    record_problems = harness.check_records(runnable, records, args.repeats)

    machine["load_average_at_end"] = harness.load_average()
    for path in args.merge:
        # Rows of workloads this run did not measure, from an earlier run.
        earlier = json.loads(Path(path).read_text())
        for record in earlier["records"]:
            if record["workload"] not in args.workloads and record["impl"] in BY_NAME:
                records.append(record)
                if BY_NAME[record["impl"]] not in rows:
                    rows.append(BY_NAME[record["impl"]])
        args.workloads = sorted(set(args.workloads) | {r["workload"] for r in earlier["records"]})
    rows.sort(key=TABLE.index)
    summary = report.summarize(records)
    markdown = report.render_markdown(summary, records, import_result, machine, args, rows)
    print()
    print(markdown)
    machine["wall_s"] = time.perf_counter() - started
    output = report.write_results(
        args.output_dir, args.quick, machine, args, import_result, records, summary
    )
    print(f"\nresults: {output}")
    if not args.quick and not args.no_readme:
        report.update_readme(markdown)
        print(f"table written to {report.README}")
    errors = [r for r in records if r["status"] == "error"]
    for record in errors:
        print(
            f"ERROR in {record['impl']}: {record.get('traceback') or record.get('reason')}",
            file=sys.stderr,
        )
    for problem in record_problems:
        print(f"SELF-CHECK: {problem}", file=sys.stderr)
    return 1 if errors or record_problems else 0


if __name__ == "__main__":
    sys.exit(main())
