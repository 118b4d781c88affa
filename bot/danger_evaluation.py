"""The danger detector on its blind set: recall (danger messages that get the emergency reply),
false alarms (ordinary messages that get it), and the category that decides the first number.

The blind set (`tests/safety/blind/`) was written by writers who never saw the detector's
training data (`bot/data/safety/`), after the detector's design was fixed; it is never used to
train, to choose a threshold or to compare designs. The development set (`tests/safety/dev/`),
written the same way, was consulted while the detector was built: its figure is reported too,
and is optimistic. Run against the trained model with `python -m bot.danger_evaluation` (or
`make evaluate`).
"""

import argparse
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.knowledge.models import DANGER_CATEGORIES
from bot.nlu.danger import DANGER_ENTITY, DANGER_INTENT, NO_DANGER, read_examples

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "tests" / "safety" / "blind"
DEV = ROOT / "tests" / "safety" / "dev"
# The gate `make test` applies (tests/test_danger_detection.py).
MIN_RECALL = 0.99
MAX_FALSE_ALARMS = 0.03


@dataclass
class Example:
    text: str
    category: str  # a DANGER_CATEGORIES key, or NO_DANGER
    source: str  # the file it comes from (its writer)


@dataclass
class SafetyReport:
    found: Counter = field(default_factory=Counter)  # per category: danger messages caught
    right_category: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: List[dict] = field(default_factory=list)
    false_alarms: List[dict] = field(default_factory=list)

    @property
    def danger_total(self) -> int:
        return sum(self.total[c] for c in DANGER_CATEGORIES)

    @property
    def recall(self) -> float:
        return sum(self.found[c] for c in DANGER_CATEGORIES) / max(self.danger_total, 1)

    @property
    def category_accuracy(self) -> float:
        return sum(self.right_category.values()) / max(self.danger_total, 1)

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / max(self.total[NO_DANGER], 1)

    @property
    def passes(self) -> bool:
        return self.recall >= MIN_RECALL and self.false_alarm_rate <= MAX_FALSE_ALARMS

    def table(self) -> str:
        lines = [f"{'category':<20} {'recall':>7} {'right no.':>9} {'n':>4}"]
        for category in DANGER_CATEGORIES:
            n = self.total[category]
            if n:
                lines.append(
                    f"{category:<20} {self.found[category] / n:>7.3f} "
                    f"{self.right_category[category] / n:>9.3f} {n:>4}"
                )
        lines.append(
            f"{'all danger':<20} {self.recall:>7.3f} {self.category_accuracy:>9.3f} "
            f"{self.danger_total:>4}"
        )
        lines.append(
            f"{'false alarms':<20} {self.false_alarm_rate:>7.3f} {'':>9} {self.total[NO_DANGER]:>4}"
        )
        lines.append(
            f"gate: recall >= {MIN_RECALL}, false alarms <= {MAX_FALSE_ALARMS}: "
            f"{'met' if self.passes else 'NOT MET'}"
        )
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "danger_examples": self.danger_total,
            "ordinary_examples": self.total[NO_DANGER],
            "recall": round(self.recall, 4),
            "category_accuracy": round(self.category_accuracy, 4),
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "per_category": {
                c: {
                    "recall": round(self.found[c] / self.total[c], 4),
                    "category_accuracy": round(self.right_category[c] / self.total[c], 4),
                    "examples": self.total[c],
                }
                for c in DANGER_CATEGORIES
                if self.total[c]
            },
            "misses": self.misses,
            "false_alarms": self.false_alarms,
        }


def load_blind(directory: Path = BLIND) -> List[Example]:
    return [
        Example(text, category, path.name)
        for path in sorted(directory.glob("*.yml"))
        for text, category in read_examples(path)
    ]


def detected(result: dict) -> Optional[str]:
    """The category a parse result's emergency reply would name, or None if there is none."""
    if (result.get("intent") or {}).get("name") != DANGER_INTENT:
        return None
    values = [
        e.get("value") for e in result.get("entities") or [] if e.get("entity") == DANGER_ENTITY
    ]
    return values[0] if values else "unknown"


def evaluate(examples: List[Example], parse: Callable[[str], dict]) -> SafetyReport:
    """`parse` turns a text into Rasa's parse result (from /model/parse or Agent.parse_message)."""
    report = SafetyReport()
    for example in examples:
        category = detected(parse(example.text))
        report.total[example.category] += 1
        if example.category == NO_DANGER:
            if category is not None:
                report.false_alarms.append(
                    {"text": example.text, "read_as": category, "source": example.source}
                )
        elif category is None:
            report.misses.append(
                {"text": example.text, "expected": example.category, "source": example.source}
            )
        else:
            report.found[example.category] += 1
            report.right_category[example.category] += category == example.category
    return report


def main(argv: Optional[List[str]] = None) -> Dict:
    import asyncio

    from rasa.core.agent import Agent

    from bot import rasa_fixes
    from bot.evaluation import quiet_rasa

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "cites-emploi.tar.gz"))
    parser.add_argument("--json", type=Path, help="also write the reports as JSON here")
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="also print the blind set's misses and false alarms (never read them to write "
        "training data; the development set's are always printed)",
    )
    args = parser.parse_args(argv)

    logging.getLogger().setLevel(logging.WARNING)
    quiet_rasa()
    rasa_fixes.apply()
    agent = Agent.load(args.model)
    reports = {}
    for name, directory in (("blind", BLIND), ("development (consulted while building)", DEV)):
        report = evaluate(
            load_blind(directory), lambda text: asyncio.run(agent.parse_message(text))
        )
        print(f"\n{name} set: {directory.relative_to(ROOT)}\n{report.table()}")
        if directory == BLIND and not args.show_misses:
            reports[name.split()[0]] = report.as_dict()
            continue
        for miss in report.misses:
            print(f"  missed ({miss['expected']}): {miss['text']!r}")
        for alarm in report.false_alarms:
            print(f"  false alarm ({alarm['read_as']}): {alarm['text']!r}")
        reports[name.split()[0]] = report.as_dict()
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2, ensure_ascii=False))
    return reports


if __name__ == "__main__":
    main()
