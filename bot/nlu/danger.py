"""Danger detector: the Rasa pipeline's last word on every typed message.

Residents rarely write "je suis en danger": they write "il a encore levé la main sur moi" or
"je voudrais m'endormir et ne plus me réveiller", often at the end of a job question. The intent
classifier is trained for answering questions; this component is trained for one thing, not
missing danger, on its own data (`bot/data/safety/`: danger examples per category and ordinary
messages that share their words; the classifier's examples count as ordinary messages too). It
runs after the classifier and the fallback, so that nothing they decided can hide a danger.

When a message's danger score reaches the threshold, its intent becomes `emergency`, the
classifier's ranking kept behind it (so the question asked, if any, can still be answered), and a
`danger` entity carries the category. The threshold is chosen at training time, on out-of-fold
predictions of the training data: the lowest at which ordinary messages raise no more false
alarms than the configuration allows. Never on a test set.
"""

import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml
from joblib import Parallel, delayed
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from bot.knowledge.models import DANGER_CATEGORIES
from bot.nlu.linear_text import linear_text_classifier
from bot.nlu.pickled_component import PickledModelComponent

logger = logging.getLogger(__name__)

CATEGORIES = DANGER_CATEGORIES
NO_DANGER = "none"
DANGER_INTENT = "emergency"
DANGER_ENTITY = "danger"


class SafetyDataError(ValueError):
    """The safety training data is malformed; the message names the file and the field."""


def read_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, category) pairs of one file: `categories: {<category>: {examples: "- ..."}}`."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SafetyDataError(f"{path}: not valid YAML ({error})") from error
    categories = (document or {}).get("categories")
    if not isinstance(categories, dict):
        raise SafetyDataError(f"{path}: field 'categories' must map categories to examples")
    pairs = []
    for category, block in categories.items():
        if category not in CATEGORIES and category != NO_DANGER:
            known = ", ".join(CATEGORIES + (NO_DANGER,))
            raise SafetyDataError(f"{path}: categories.{category}: unknown category ({known})")
        examples = (block or {}).get("examples") if isinstance(block, dict) else None
        if not isinstance(examples, str):
            raise SafetyDataError(f"{path}: categories.{category}.examples must be a '- ' list")
        for number, line in enumerate(examples.splitlines(), start=1):
            if not line.strip():
                continue
            if not line.startswith("- "):
                raise SafetyDataError(
                    f"{path}: categories.{category}.examples line {number}: must start with '- '"
                )
            pairs.append((line[2:].strip(), category))
    return pairs


def read_directory(directory: Path) -> List[Tuple[str, str]]:
    """Every example of the directory's YAML files, each text once (its first category)."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise SafetyDataError(f"{directory}: no safety training data (*.yml)")
    seen: Dict[str, str] = {}
    for path in files:
        for text, category in read_examples(path):
            seen.setdefault(text, category)
    return list(seen.items())


class DangerModel:
    """One logistic regression per category and one for "no danger" (one-vs-rest), and a
    threshold; knows nothing of Rasa. Danger as a whole weighs as much as the ordinary messages,
    whatever their numbers, and each category is learnt apart (one line cannot separate seven
    kinds of danger from everything else). A message's danger score is 1 - P(no danger), the
    probabilities normalised over the classes."""

    def __init__(self, pipeline: Pipeline, threshold: float) -> None:
        self.pipeline = pipeline
        self.threshold = threshold
        classes = list(pipeline.classes_)
        self._ordinary = classes.index(NO_DANGER)
        self._categories = [(i, c) for i, c in enumerate(classes) if c != NO_DANGER]

    @classmethod
    def fit(cls, texts: List[str], labels: List[str], c: float, threshold: float) -> "DangerModel":
        ordinary = sum(1 for label in labels if label == NO_DANGER)
        dangers = len(labels) - ordinary
        weights = {
            label: len(labels) / (2 * (ordinary if label == NO_DANGER else dangers))
            for label in set(labels)
        }
        pipeline = linear_text_classifier(
            c, class_weight=weights, cross_word=True, one_vs_rest=True
        )
        return cls(pipeline.fit(texts, labels), threshold)

    @classmethod
    def train(
        cls,
        examples: Sequence[Tuple[str, str]],
        c: float,
        max_false_alarms: float,
        folds: int,
        seed: int,
    ) -> "DangerModel":
        texts = [text for text, _ in examples]
        labels = [label for _, label in examples]
        threshold = cls._threshold(texts, labels, c, max_false_alarms, folds, seed)
        return cls.fit(texts, labels, c, threshold)

    @classmethod
    def _threshold(
        cls,
        texts: List[str],
        labels: List[str],
        c: float,
        max_false_alarms: float,
        folds: int,
        seed: int,
    ) -> float:
        """The lowest threshold (the most danger found) at which no more than `max_false_alarms`
        of the ordinary messages raise an alarm, when each fold is scored by a model trained on
        the others."""
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)

        def held_out_scores(train_index: np.ndarray, test_index: np.ndarray) -> np.ndarray:
            fold = cls.fit(
                [texts[i] for i in train_index], [labels[i] for i in train_index], c, 0.5
            )
            return fold.scores([texts[i] for i in test_index])

        # The folds are independent: one per core.
        splits = list(splitter.split(texts, labels))
        results = Parallel(n_jobs=-1)(delayed(held_out_scores)(tr, te) for tr, te in splits)
        scores = np.zeros(len(texts))
        for (_, test_index), fold_scores in zip(splits, results):
            scores[test_index] = fold_scores
        danger = np.array([label != NO_DANGER for label in labels])
        ordinary = np.sort(scores[~danger])[::-1]
        threshold = float(ordinary[int(np.floor(len(ordinary) * max_false_alarms))]) + 1e-6
        logger.info(
            "danger threshold %.3f: out-of-fold recall %.3f, false alarms %.3f",
            threshold,
            float(np.mean(scores[danger] >= threshold)),
            float(np.mean(scores[~danger] >= threshold)),
        )
        return threshold

    def scores(self, texts: List[str]) -> np.ndarray:
        return 1 - self.pipeline.predict_proba(texts)[:, self._ordinary]

    def score(self, text: str) -> Tuple[float, str]:
        """(probability of danger, most likely category)."""
        row = self.pipeline.predict_proba([text])[0]
        category = max(self._categories, key=lambda pair: row[pair[0]])[1]
        return float(1 - row[self._ordinary]), category

    def detect(self, text: str) -> Optional[Tuple[str, float]]:
        """(category, score) when `text` reads as danger, else None. A booking or alert
        reference typed in a form ("ce w6hm 8a46") is left out first: its random letters once
        read as danger, and a message with no word left tells none."""
        words = without_references(text)
        if not _A_WORD.search(words):
            return None
        score, category = self.score(words)
        return (category, score) if score >= self.threshold else None


# A reference as typed: "CE-7K3P-9QX2", "ce jaqw 7fv4", "7K3P9QX2": two groups of four letters
# and digits, with at least one of each (bot/storage/references.py), after an optional prefix.
_REFERENCE = re.compile(
    r"\b(?:(?:ce|al)[\s\-–]*)?([a-z0-9]{4})[\s\-–]*([a-z0-9]{4})\b", re.IGNORECASE
)
_A_WORD = re.compile(r"[^\W\d_]{3,}")


def without_references(text: str) -> str:
    def drop(match: re.Match) -> str:
        body = match.group(1) + match.group(2)
        mixed = any(c.isdigit() for c in body) and any(c.isalpha() for c in body)
        return " " if mixed else match.group(0)

    return _REFERENCE.sub(drop, text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class DangerDetector(PickledModelComponent):
    """Turns a message that reads as danger into the `emergency` intent with a `danger` entity;
    place it last in the pipeline."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "data": "bot/data/safety",
            "C": 10.0,
            "max_false_alarms": 0.03,
            "folds": 5,
            "random_seed": 2024,
        }

    @classmethod
    def data_files(cls, config: Dict[str, Any]) -> List[Path]:
        return sorted(Path(config.get("data") or cls.get_default_config()["data"]).glob("*.yml"))

    def train(self, training_data: TrainingData) -> Resource:
        """Trained on the safety data, with the classifier's training examples as more ordinary
        messages: none of them tells a danger (danger is not an intent)."""
        examples = read_directory(Path(self._config["data"]))
        known = {text for text, _ in examples}
        examples += [
            (text, NO_DANGER)
            for text in dict.fromkeys(
                message.get(TEXT) for message in training_data.intent_examples
            )
            if text and text not in known
        ]
        self._model = DangerModel.train(
            examples,
            c=self._config["C"],
            max_false_alarms=self._config["max_false_alarms"],
            folds=self._config["folds"],
            seed=self._config["random_seed"],
        )
        return self.save()

    def process(self, messages: List[Message]) -> List[Message]:
        """Marks the messages that read as danger."""
        for message in messages:
            text = message.get(TEXT) or ""
            found = self._model.detect(text) if self._model and text.strip() else None
            if found is None:
                continue
            category, score = found
            intent = {"name": DANGER_INTENT, "confidence": 1.0}
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != DANGER_INTENT
            ]
            entity = {
                "entity": DANGER_ENTITY,
                "value": category,
                "start": 0,
                "end": len(text),
                "confidence_entity": round(score, 3),
                "extractor": type(self).__name__,
            }
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
            message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages
