"""Held-out NLU evaluation: intent accuracy and, above all, per-dispositif accuracy.

The dispositif a message is about is what decides the answer a resident gets. It is read from the
`dispositif` entity when the message names one (after synonyms), otherwise from the `info_<fiche>`
intent. Run against the trained model with `python -m bot.evaluation` (or `make evaluate`).
"""

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

from bot.knowledge.intents import fiche_id_for_intent

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "bot" / "nlu" / "heldout.yml"
# Intents answered from another skill that are still about one dispositif: asking for the next
# café emploi dates or booking a place is about the café emploi.
SKILL_INTENT_DISPOSITIF = {
    "ask_cafe_sessions": "cafe-emploi",
    "book_cafe": "cafe-emploi",
    "join_waiting_list": "cafe-emploi",
    "change_booking": "cafe-emploi",
    "cancel_booking": "cafe-emploi",
}


@dataclass
class Example:
    text: str
    intent: str
    dispositif: Optional[str]


@dataclass
class Report:
    intent_correct: int = 0
    total: int = 0
    per_dispositif: Dict[str, List[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    errors: List[dict] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.total if self.total else 0.0

    def dispositif_accuracy(self, dispositif: str) -> float:
        correct, total = self.per_dispositif[dispositif]
        return correct / total

    @property
    def overall_dispositif_accuracy(self) -> float:
        correct = sum(c for c, _ in self.per_dispositif.values())
        total = sum(t for _, t in self.per_dispositif.values())
        return correct / total if total else 0.0

    @property
    def macro_dispositif_accuracy(self) -> float:
        scores = [self.dispositif_accuracy(d) for d in self.per_dispositif]
        return sum(scores) / len(scores) if scores else 0.0

    def as_dict(self) -> dict:
        return {
            "examples": self.total,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "dispositif_accuracy": round(self.overall_dispositif_accuracy, 4),
            "dispositif_macro_accuracy": round(self.macro_dispositif_accuracy, 4),
            "per_dispositif": {
                d: {"accuracy": round(self.dispositif_accuracy(d), 4), "examples": t}
                for d, (_, t) in sorted(self.per_dispositif.items())
            },
            "errors": self.errors,
        }

    def table(self) -> str:
        lines = [f"{'dispositif':<22} {'accuracy':>8} {'n':>4}"]
        for dispositif, (correct, total) in sorted(self.per_dispositif.items()):
            lines.append(f"{dispositif:<22} {correct / total:>8.2f} {total:>4}")
        lines.append(
            f"{'all dispositifs':<22} {self.overall_dispositif_accuracy:>8.3f} "
            f"{sum(t for _, t in self.per_dispositif.values()):>4}"
        )
        lines.append(f"{'macro average':<22} {self.macro_dispositif_accuracy:>8.3f}")
        lines.append(f"{'intent accuracy':<22} {self.intent_accuracy:>8.3f} {self.total:>4}")
        return "\n".join(lines)


@lru_cache(maxsize=1)
def fiche_ids() -> Set[str]:
    from bot.knowledge import load_knowledge_base

    return set(load_knowledge_base().fiches)


def dispositif_of(intent: Optional[str], entities: List[dict]) -> Optional[str]:
    """The dispositif a parse result is about, as the actions read it: a named entity whose value
    is a fiche id first (a partial span such as "engagement" is ignored), else the intent."""
    known = fiche_ids()
    for entity in entities:
        value = str(entity.get("value") or "").strip().lower()
        if entity.get("entity") == "dispositif" and value in known:
            return value
    return fiche_id_for_intent(intent) or SKILL_INTENT_DISPOSITIF.get(intent)


def load_examples(path: Path = HELDOUT) -> List[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(path)).intent_examples:
        entities = message.get("entities") or []
        examples.append(
            Example(
                text=message.get("text"),
                intent=message.get("intent"),
                dispositif=dispositif_of(message.get("intent"), entities),
            )
        )
    return examples


def evaluate(examples: List[Example], parse: Callable[[str], dict]) -> Report:
    """`parse` turns a text into Rasa's parse result (from /model/parse or Agent.parse_message)."""
    report = Report()
    for example in examples:
        result = parse(example.text)
        intent = (result.get("intent") or {}).get("name")
        predicted = dispositif_of(intent, result.get("entities") or [])
        report.total += 1
        report.intent_correct += intent == example.intent
        if example.dispositif:
            counts = report.per_dispositif[example.dispositif]
            counts[1] += 1
            counts[0] += predicted == example.dispositif
        if intent != example.intent or (example.dispositif and predicted != example.dispositif):
            report.errors.append(
                {
                    "text": example.text,
                    "expected": example.intent,
                    "predicted": intent,
                    "expected_dispositif": example.dispositif,
                    "predicted_dispositif": predicted,
                }
            )
    return report


def quiet_rasa() -> None:
    """Rasa in this process (Agent.parse_message) logs every parse, text included, at debug level
    on standard output: warnings only, so that no test message is printed (the blind sets must
    not be read by whoever writes training data)."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    import asyncio

    from rasa.core.agent import Agent

    from bot import rasa_fixes

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "cites-emploi.tar.gz"))
    parser.add_argument("--data", type=Path, default=HELDOUT)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--show-misses", action="store_true", help="also print the held-out messages missed"
    )
    args = parser.parse_args()

    quiet_rasa()
    rasa_fixes.apply()
    agent = Agent.load(args.model)
    report = evaluate(load_examples(args.data), lambda text: asyncio.run(agent.parse_message(text)))
    print(report.table())
    for error in report.errors if args.show_misses else []:
        print(f"  miss: {error['text']!r}: expected {error['expected']}, got {error['predicted']}")
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
