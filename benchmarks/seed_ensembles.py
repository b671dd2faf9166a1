"""Seed ensembles on the smallest real data sets: one default fit against the
average of several.

With tens of training series per class, a default fit depends on its seed
(ArrowHead: 0.629-0.834 over 15 seeds), and the simple models that win there
either fit nothing
(1-NN) or average many fits (random forests). This script measures the
recipe the user guide gives for such data, a soft-voting ensemble of the
default pipeline fitted with different seeds::

    from sklearn.base import clone
    from sklearn.ensemble import VotingClassifier

    members = [(f"seed{i}", clone(pipe).set_params(rnnclassifier__random_state=i))
               for i in range(5)]
    ensemble = VotingClassifier(members, voting="soft")

For each set it fits the default pipeline (``quality.default_model``) with
seeds ``0 .. members * ensembles - 1`` once each, scores every fit alone,
and scores ``ensembles`` disjoint blocks of ``members`` fits by averaging
their ``predict_proba`` (classification) or ``predict`` (regression): what
``VotingClassifier(voting="soft")`` and ``VotingRegressor`` compute. The
quality script's baselines are fitted in the same run.

Usage (from the repository root)::

    python benchmarks/seed_ensembles.py                     # 4 sets, 5 members, 3 ensembles (~15 min on 1 core)
    python benchmarks/seed_ensembles.py --sets Coffee --members 3 --ensembles 2 --no-readme

The table goes between the markers of ``benchmarks/tasks.md`` unless
``--no-readme``.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
README = HERE / "tasks.md"
MARK_START = "<!-- seed-ensembles:start -->"
MARK_END = "<!-- seed-ensembles:end -->"
DEFAULT_SETS = "ArrowHead,Coffee,PickupGestureWiimoteZ,CardanoSentiment"
SECTION_INTRO = "## Seed ensembles on tiny sets (`benchmarks/seed_ensembles.py`)\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated quality.py sets")
    parser.add_argument("--members", type=int, default=5, help="fits per ensemble (default 5)")
    parser.add_argument("--ensembles", type=int, default=3, help="ensembles per set (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    return parser.parse_args(argv)


def run_set(entry, members, ensembles, log=print):
    """Scores of every single fit and of each ensemble, and the baselines."""
    import quality

    if entry.task not in ("classification", "regression"):
        raise SystemExit(f"{entry.name}: only classification and regression sets")
    data = entry.load()
    metric, _, _ = quality.METRICS[entry.metric]
    baselines = quality.run_baselines(entry, data, seeds=[0, 1, 2])
    best = quality.best_baseline(entry, baselines)
    outputs, singles, fit_s = [], [], []
    for seed in range(members * ensembles):
        model = quality.default_model(entry.task, seed)
        start = time.perf_counter()
        model.fit(data["X_train"], data["y_train"])
        fit_s.append(time.perf_counter() - start)
        if entry.task == "classification":
            output = model.predict_proba(data["X_test"])
            classes = model.classes_
            singles.append(metric(data["y_test"], classes[output.argmax(axis=1)]))
        else:
            output = model.predict(data["X_test"])
            singles.append(metric(data["y_test"], output))
        outputs.append(output)
        log(f"  {entry.name} seed {seed}: {singles[-1]:.4f} ({fit_s[-1]:.1f} s)")
    scores = []
    for block in range(ensembles):
        mean = np.mean(outputs[block * members : (block + 1) * members], axis=0)
        prediction = classes[mean.argmax(axis=1)] if entry.task == "classification" else mean
        scores.append(metric(data["y_test"], prediction))
    log(f"  {entry.name} ensembles of {members}: {[round(s, 4) for s in scores]}")
    return {
        "name": entry.name,
        "group": entry.group,
        "metric": entry.metric,
        "n_train": len(data["y_train"]),
        "best_baseline": best,
        "singles": singles,
        "ensembles": scores,
        "fit_s": float(np.mean(fit_s)),
    }


def _span(entry_metric, values):
    import quality

    spec = quality.METRICS[entry_metric][2]
    return (
        f"{format(np.mean(values), spec)} ({format(min(values), spec)}–"
        f"{format(max(values), spec)}; spread {format(max(values) - min(values), spec)})"
    )


def markdown(results, members, ensembles, command, machine):
    import quality

    lines = [
        f"Command: `{command}`. Machine: {machine['cpu']}, {machine['cores']} cores, torch "
        f"{machine['torch']} ({machine['torch_threads']} threads), {machine['date'][:10]}. "
        f"Single fits: seeds 0-{members * ensembles - 1}; ensembles: {ensembles} disjoint "
        f"blocks of {members} of those fits, soft-voted. Mean (min–max; spread).",
        "",
        f"| set | n train | metric | best baseline | one default fit | ensemble of {members} "
        "| fit s per member |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        name, score = r["best_baseline"]
        spec = quality.METRICS[r["metric"]][2]
        baseline = f"{format(score, spec)} ({quality.BASELINES[name][0]})" if name else "-"
        group = " (confirmation)" if r["group"] == "confirmation" else ""
        lines.append(
            f"| {r['name']}{group} | {r['n_train']} | {r['metric']} | {baseline} | "
            f"{_span(r['metric'], r['singles'])} | {_span(r['metric'], r['ensembles'])} | "
            f"{r['fit_s']:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, str(HERE))
    import quality
    import torch

    torch.set_num_threads(args.threads)
    entries = [quality.ENTRIES_BY_NAME[name.strip().lower()] for name in args.sets.split(",")]
    command = "python benchmarks/seed_ensembles.py" + "".join(
        f" {arg}" for arg in (sys.argv[1:] if argv is None else argv)
    )
    machine = quality.machine_info(args.threads)
    results = [run_set(entry, args.members, args.ensembles) for entry in entries]
    table = markdown(results, args.members, args.ensembles, command, machine)
    print(table)
    if not args.no_readme:
        from harness import replace_section

        replace_section(README, MARK_START, MARK_END, table, SECTION_INTRO)
        print(f"updated {README.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
