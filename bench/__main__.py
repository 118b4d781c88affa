"""python -m bench [--quick] [--skip-training] [--only understanding|latency|cost ...]

Writes bench/report.md, bench/report.json and the PNG plots, and prints the figures."""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench.common import BENCH, PROJECT_MODEL, WORK, load_average, log, machine
from bot.evaluation import quiet_rasa

MEASURES = ("understanding", "latency", "cost")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a quarter of the held-out set, a few dozen requests per level",
    )
    parser.add_argument(
        "--skip-training",
        action="store_true",
        help="reuse the last project training time instead of training again",
    )
    parser.add_argument(
        "--only", action="append", choices=MEASURES, help="run only this measure (repeatable)"
    )
    args = parser.parse_args()
    if not PROJECT_MODEL.exists():
        sys.exit(f"no trained model at {PROJECT_MODEL}: run `make train` first")
    WORK.mkdir(parents=True, exist_ok=True)
    quiet_rasa()
    only = args.only or list(MEASURES)

    results = {"machine": machine(), "quick": args.quick, "model": str(PROJECT_MODEL.name)}
    serving = None
    if "latency" in only:
        from bench import latency

        results["latency"] = latency.run(quick=args.quick)
        serving = results["latency"].pop("serving")
        from bench import cost

        # Cold start and memory now; the training time (cost) comes last, it takes longest.
        results["cost"] = cost.run(serving, skip_training=True, quiet=True)
        write(results)  # each measure's figures are kept even if a later one fails
    # Then understanding (its default-pipeline model may need training), the training time last.
    if "understanding" in only:
        from bench import understanding

        results["understanding"] = understanding.run(quick=args.quick)
        write(results)
    if "cost" in only:
        from bench import cost

        results["cost"] = cost.run(serving, skip_training=args.skip_training)
    write(results)

    from bench.report import summary_lines

    print("\n".join(summary_lines(results)))
    log("wrote bench/report.md, bench/report.json and the plots")


def write(results: dict) -> None:
    from bench.report import render, targets

    results["machine"]["load_average_at_end"] = load_average()
    results["targets"] = targets(results)
    (BENCH / "report.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (BENCH / "report.md").write_text(render(results), encoding="utf-8")


if __name__ == "__main__":
    main()
