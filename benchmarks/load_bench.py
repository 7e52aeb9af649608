"""Several browser sessions at once against one server while a model trains: answers, errors, memory.

    python benchmarks/load_bench.py                 # 5 sessions: table + benchmarks/results/load.json
    python benchmarks/load_bench.py --sessions 5 8  # one fresh server per count, each recorded

The scenario is tests/load_support.py's, the one tests/test_load.py asserts: a store with the demo
model (vectors repeated 8 times along the dimension: the same answers, a matrix big enough to see in
the server's memory), one warm-up session, then a Word2Vec training job (another user's) and N
sessions, each in its own browser context: the Train page (the job listed), the Explore map,
the neighbours of "king", two analogies. Each answer is timed from the user's action to the answer
seen. The server's resident memory is read from /proc: after the warm-up (baseline) and its peak
while the sessions run. The machine's load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from load_support import JOB_EPOCHS, JOB_ROWS, STEPS, WIDEN, run_scenario  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "load.json"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def table(runs: list[dict]) -> str:
    lines = [f"{'sessions':>8} {'answers':>9} {'errors':>6} {'job':>10} {'answers while training':>22} "
             f"{'baseline':>9} {'peak':>7} {'per session':>11} {'vectors':>8} {'median':>7} {'max':>6} {'total':>6}"]
    for r in runs:
        job = f"{r['job']['state']} {r['job'].get('seconds') or 0:.0f}s"
        lines.append(f"{r['sessions']:>8} {r['answers']:>4}/{r['expected_answers']:<4} {len(r['errors']):>6} "
                     f"{job:>10} {r['job'].get('answers_while_training', 0):>22} "
                     f"{r['baseline_mb']:>6.0f} MB {r['peak_mb']:>4.0f} MB {r['growth_per_session_mb']:>8.1f} MB "
                     f"{r['vectors_mb']:>5.0f} MB {_seconds(r['median_answer_s']):>7} "
                     f"{_seconds(r['max_answer_s']):>6} {r['total_seconds']:>5.0f}s")
    lines.append("")
    lines.append("time per answer by step (median / max, seconds):")
    for step in STEPS:
        cells = []
        for r in runs:
            s = r["by_step"].get(step)
            cells.append(f"{r['sessions']} sessions: {s['median_s']:.1f} / {s['max_s']:.1f}" if s else
                         f"{r['sessions']} sessions: no answer")
        lines.append(f"  {step:<12} " + "; ".join(cells))
    lines.append("")
    for r in runs:
        lines.append(f"{r['sessions']} sessions: Train page showed the job running to {r['job_seen_running_by']}, "
                     f"its saved model to {r['job_seen_saved_by']}; server CPU {r['server_cpu_s']:.0f} s of "
                     f"{r['machine_busy_cpu_s']:.0f} s the machine was busy; load average "
                     f"{r['load_average_before'][0]} -> {r['load_average_after'][0]}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[5], help="session counts (default 5)")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds each run may take (default 300)")
    parser.add_argument("--widen", type=int, default=WIDEN, help=f"demo vectors repeated (default {WIDEN})")
    parser.add_argument("--epochs", type=int, default=JOB_EPOCHS, help=f"training epochs (default {JOB_EPOCHS})")
    parser.add_argument("--rows", type=int, default=JOB_ROWS, help=f"training corpus verses (default {JOB_ROWS})")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON written (default %(default)s)")
    args = parser.parse_args(argv)

    runs = []
    for sessions in args.sessions:
        with tempfile.TemporaryDirectory(prefix="embedviz-load-") as workdir:
            before = load()
            figures = run_scenario(workdir, sessions, budget=args.budget, widen=args.widen,
                                   job_rows=args.rows, job_epochs=args.epochs)
            figures["load_average_before"], figures["load_average_after"] = before, load()
            runs.append(figures)
            for error in figures["errors"]:
                print("  error:", error)
    print()
    print(table(runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": [{k: v for k, v in r.items() if k not in ("sessions_detail", "memory_samples")} | {
            "memory_samples_every_0_25s": [mb for _, mb in r["memory_samples"]]} for r in runs],
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if all(not r["errors"] and r["answers"] == r["expected_answers"] and r["job"]["state"] == "done"
                    for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
