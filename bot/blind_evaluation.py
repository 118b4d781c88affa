"""The whole running assistant on the blind NLU set, judged by what it does, not by its intent.

Each message of `tests/nlu/blind/` is sent, in a conversation of its own, to the running Rasa
server's REST channel; the actions it took are read back from the conversation's tracker and
turned into a label: the fiche it answered, `booking` (a booking form started), `alert` (a call-
back offer, the reception contact, the emergency reply or a request's status), `out_of_scope`,
`greet`, `thanks`, `goodbye`, or `fallback`. The set was written by writers who never saw the
training data (tests/nlu/blind/README.md). Accuracy is reported overall, per label and per style.

    python -m bot.blind_evaluation [--url http://127.0.0.1:5005] [--json results/nlu-blind.json]

Only the figures are printed: whoever writes training data must not read the blind messages the
model gets wrong (that is tuning on the test set). `--show-misses` lists them, for a review that
changes no training data; the JSON report holds them too.

Without `--url` it starts the trained model's servers itself, on free loopback ports and a
throw-away database (`make evaluate` does so).
"""

import argparse
import json
import tempfile
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import yaml

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "tests" / "nlu" / "blind"
STYLES = ("greeting", "long", "sms", "staff", "non_native", "formal", "short")
FLOW_LABELS = ("booking", "alert", "out_of_scope", "greet", "thanks", "goodbye")
# What an action says the bot did, strongest first: a message that starts a booking and also
# gets a fiche is a booking.
ACTION_LABELS = (
    ({"booking_form", "manage_booking_form"}, "booking"),
    (
        {
            "referent_alert_form",
            "action_reception_contact",
            "action_danger_reply",
            "action_alert_status",
        },
        "alert",
    ),
    ({"action_out_of_scope", "utter_other_language"}, "out_of_scope"),
    ({"utter_greet"}, "greet"),
    ({"utter_you_are_welcome"}, "thanks"),
    ({"utter_goodbye"}, "goodbye"),
)
# "c'est où pour le permis ?" answers where to go for the fiche (and sets it, as the others do).
FICHE_ACTIONS = {"action_answer_fiche", "action_answer_aspect", "action_local_services"}
CAFE_SESSIONS_ACTION = "action_show_cafe_sessions"
FALLBACK = "fallback"


@dataclass
class Example:
    text: str
    label: str
    styles: List[str]
    source: str


@dataclass
class BlindReport:
    correct: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    style_correct: Counter = field(default_factory=Counter)
    style_total: Counter = field(default_factory=Counter)
    errors: List[dict] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(self.correct.values()) / max(sum(self.total.values()), 1)

    def label_accuracy(self, label: str) -> float:
        return self.correct[label] / self.total[label]

    def group_accuracy(self, labels: Sequence[str]) -> float:
        total = sum(self.total[label] for label in labels)
        return sum(self.correct[label] for label in labels) / max(total, 1)

    @property
    def schemes(self) -> List[str]:
        return sorted(label for label in self.total if label not in FLOW_LABELS)

    @property
    def worst_label(self) -> str:
        return min(self.total, key=self.label_accuracy)

    def table(self) -> str:
        lines = [f"{'label':<22} {'accuracy':>8} {'n':>4}"]
        for label in self.schemes + [label for label in FLOW_LABELS if self.total[label]]:
            lines.append(f"{label:<22} {self.label_accuracy(label):>8.2f} {self.total[label]:>4}")
        lines.append(f"{'schemes':<22} {self.group_accuracy(self.schemes):>8.3f}")
        lines.append(f"{'flows':<22} {self.group_accuracy(FLOW_LABELS):>8.3f}")
        for style in STYLES:
            if self.style_total[style]:
                lines.append(
                    f"{'style: ' + style:<22} "
                    f"{self.style_correct[style] / self.style_total[style]:>8.3f} "
                    f"{self.style_total[style]:>4}"
                )
        lines.append(f"{'ALL':<22} {self.accuracy:>8.3f} {sum(self.total.values()):>4}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "examples": sum(self.total.values()),
            "accuracy": round(self.accuracy, 4),
            "schemes": round(self.group_accuracy(self.schemes), 4),
            "flows": round(self.group_accuracy(FLOW_LABELS), 4),
            "per_label": {
                label: {
                    "accuracy": round(self.label_accuracy(label), 4),
                    "examples": self.total[label],
                }
                for label in sorted(self.total)
            },
            "per_style": {
                style: {"accuracy": round(self.style_correct[style] / n, 4), "examples": n}
                for style, n in self.style_total.items()
            },
            "errors": self.errors,
        }


def load_blind(directory: Path = BLIND) -> List[Example]:
    """Every message of the directory's YAML files; an error names the file and the field."""
    examples = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for number, message in enumerate(document.get("messages") or []):
            where = f"{path}: messages[{number}]"
            if not isinstance(message, dict) or not isinstance(message.get("text"), str):
                raise ValueError(f"{where}.text: missing")
            if not isinstance(message.get("label"), str):
                raise ValueError(f"{where}.label: missing")
            styles = message.get("styles") or []
            unknown = set(styles) - set(STYLES)
            if unknown:
                raise ValueError(f"{where}.styles: unknown {sorted(unknown)}")
            examples.append(Example(message["text"], message["label"], list(styles), path.name))
    return examples


def label_of_turn(events: List[dict]) -> str:
    """What the bot did after the last user message, as a label."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    turn = events[last_user + 1 :]
    actions = {e.get("name") for e in turn if e.get("event") == "action"}
    actions |= {e.get("name") for e in turn if e.get("event") == "active_loop" and e.get("name")}
    for names, label in ACTION_LABELS:
        if actions & names:
            return label
    if actions & FICHE_ACTIONS:
        fiches = [
            e.get("value")
            for e in turn
            if e.get("event") == "slot" and e.get("name") == "dispositif" and e.get("value")
        ]
        return fiches[-1] if fiches else FALLBACK
    if CAFE_SESSIONS_ACTION in actions:
        return "cafe-emploi"
    return FALLBACK


def evaluate(examples: List[Example], ask: Callable[[str], List[dict]]) -> BlindReport:
    """`ask(text)` sends the text in a new conversation and returns its tracker's events."""
    report = BlindReport()
    for example in examples:
        predicted = label_of_turn(ask(example.text))
        right = predicted == example.label
        report.total[example.label] += 1
        report.correct[example.label] += right
        for style in example.styles:
            report.style_total[style] += 1
            report.style_correct[style] += right
        if not right:
            report.errors.append(
                {
                    "text": example.text,
                    "expected": example.label,
                    "got": predicted,
                    "source": example.source,
                }
            )
    return report


def _post(url: str, payload: dict) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read().decode("utf-8"))


def asker(rasa_url: str, token: Optional[str] = None) -> Callable[[str], List[dict]]:
    """Sends over the REST channel, reads the tracker over the HTTP API."""
    query = f"?token={token}" if token else ""

    def ask(text: str) -> List[dict]:
        sender = f"blind-{uuid.uuid4().hex[:16]}"
        _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        with urllib.request.urlopen(
            f"{rasa_url}/conversations/{sender}/tracker{query}", timeout=60
        ) as response:
            return json.loads(response.read().decode("utf-8"))["events"]

    return ask


def main(argv: Optional[List[str]] = None) -> Dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a running Rasa server (else one is started)")
    parser.add_argument("--token", help="RASA_AUTH_TOKEN, if the server requires one")
    parser.add_argument("--data", type=Path, default=BLIND)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--show-misses", action="store_true", help="also print the misclassified blind messages"
    )
    args = parser.parse_args(argv)
    if args.url:
        report = evaluate(load_blind(args.data), asker(args.url.rstrip("/"), args.token))
    else:
        from bot.launcher import Assistant, free_port

        with tempfile.TemporaryDirectory() as work:
            assistant = Assistant(
                rasa_port=free_port(),
                action_port=free_port(),
                log_dir=ROOT / "results" / "logs",
                database_url=f"sqlite:///{work}/evaluation.db",
            )
            assistant.start(timeout=600)
            try:
                report = evaluate(load_blind(args.data), asker(assistant.rasa_url))
            finally:
                assistant.stop()
    print(report.table())
    for error in report.errors if args.show_misses else []:
        print(f"  {error['expected']} -> {error['got']}: {error['text']!r}")
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return report.as_dict()


if __name__ == "__main__":
    main()
