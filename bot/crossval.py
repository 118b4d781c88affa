"""5-fold cross-validation of the intent classifier on its own training data (`bot/data/nlu/`),
by label (fiche or flow), without the dialogue: the third figure of `make evaluate`, beside the
blind sets. It says how consistent the training data is, not how residents are understood (the
same hands wrote both halves of each fold).

    python -m bot.crossval [--json results/nlu-crossval.json]
"""

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold

from bot.nlu.linear_intent import LinearIntentModel

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "bot" / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
# The intents of one flow share its label, as the blind set judges them (bot/blind_evaluation.py).
FLOW_OF_INTENT = {
    "book_cafe": "booking",
    "change_booking": "booking",
    "cancel_booking": "booking",
    "choose_session": "booking",
    "join_waiting_list": "booking",
    "talk_to_human": "alert",
    "ask_callback": "alert",
    "alert_status": "alert",
    "ask_cafe_sessions": "cafe-emploi",
    "other_language": "out_of_scope",
    "insult": "out_of_scope",
}


def label_of(intent: str) -> str:
    if intent.startswith("info_"):
        return intent[len("info_") :].replace("_", "-")
    return FLOW_OF_INTENT.get(intent, intent)


def training_examples(directory: Path = TRAINING) -> List[Tuple[str, str]]:
    examples = []
    for path in sorted(directory.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.append((ANNOTATION.sub(r"\1", line.strip()[2:]), block["intent"]))
    return examples


def cross_validate(
    examples: List[Tuple[str, str]], folds: int = 5, c: float = 10.0, seed: int = 0
) -> dict:
    texts = [text for text, _ in examples]
    intents = [intent for _, intent in examples]
    right, total = Counter(), Counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(texts, intents):
        model = LinearIntentModel.train(
            [texts[i] for i in train_index], [intents[i] for i in train_index], c, 0.6
        )
        probabilities = model.pipeline.predict_proba([texts[i] for i in test_index])
        for i, row in zip(test_index, probabilities):
            expected = label_of(intents[i])
            total[expected] += 1
            right[expected] += label_of(model.intents[int(np.argmax(row))]) == expected
    return {
        "examples": len(texts),
        "folds": folds,
        "accuracy": round(sum(right.values()) / len(texts), 4),
        "per_label": {label: round(right[label] / total[label], 4) for label in sorted(total)},
    }


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    report = cross_validate(training_examples())
    print(
        f"5-fold cross-validation of the training data ({report['examples']} examples): "
        f"{report['accuracy']:.3f}"
    )
    for label, accuracy in sorted(report["per_label"].items(), key=lambda pair: pair[1]):
        print(f"  {label:<22} {accuracy:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
