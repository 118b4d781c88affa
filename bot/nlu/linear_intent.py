"""Intent classifier for messages as residents write them: a linear model over character and word
n-grams (bot/nlu/linear_text.py), with two decisions of its own:

- the question decides, not the greeting: when the whole message reads as a greeting, thanks or
  goodbye but it has other sentences, those sentences are classified without the small talk;
- a named scheme wins over a hesitant guess: when the lookup tables found a scheme's name (the
  `dispositif` entity, after synonyms) and the classifier is unsure, the message is about that
  scheme, unless it asks to book, to cancel, to speak to someone or about one aspect;
- intents that start the same conversation add up: "me recontacter" split between
  `ask_callback` and `talk_to_human` (both start the call-back form) outweighs a single scheme
  that is more likely than either alone.
"""

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from bot.nlu.linear_text import linear_text_classifier, segments
from bot.nlu.pickled_component import PickledModelComponent

SMALL_TALK = {"greet", "thanks", "goodbye"}
# Intents a named scheme never overrides: the message asks for something to be done.
REQUESTS = {
    "book_cafe",
    "change_booking",
    "cancel_booking",
    "choose_session",
    "join_waiting_list",
    "ask_cafe_sessions",
    "talk_to_human",
    "ask_callback",
    "alert_status",
    "stop",
    "affirm",
    "deny",
    "ask_amount",
    "ask_eligibility",
    "ask_how_to_apply",
    "ask_contact",
    "help",
    "choose_theme",
}
# Intents the dialogue answers the same way (bot/data/rules/): their probabilities add up.
SAME_FLOW = (
    {"ask_callback", "talk_to_human"},
    {"book_cafe", "choose_session", "join_waiting_list"},
    {"change_booking", "cancel_booking"},
)
SCHEME_ENTITY = "dispositif"
SCHEME_INTENT_PREFIX = "info_"
RANKING_LENGTH = 10


def scheme_intent(fiche_id: str) -> str:
    return SCHEME_INTENT_PREFIX + fiche_id.replace("-", "_")


class LinearIntentModel:
    """The trained pipeline and the two decisions; knows nothing of Rasa."""

    def __init__(self, pipeline: Pipeline, name_wins_below: float) -> None:
        self.pipeline = pipeline
        self.name_wins_below = name_wins_below
        self.intents: List[str] = list(pipeline.classes_)

    @classmethod
    def train(
        cls, texts: Sequence[str], intents: Sequence[str], c: float, name_wins_below: float
    ) -> "LinearIntentModel":
        return cls(linear_text_classifier(c).fit(list(texts), list(intents)), name_wins_below)

    def probabilities(self, text: str) -> Dict[str, float]:
        """Per intent, with the small talk set aside when the message has more to say."""
        parts = segments(text)
        rows = self.pipeline.predict_proba(parts)
        whole = dict(zip(self.intents, rows[0]))
        if max(whole, key=whole.get) not in SMALL_TALK or len(parts) == 1:
            return whole
        rest = [
            p
            for p, row in zip(parts[1:], rows[1:])
            if self.intents[int(np.argmax(row))] not in SMALL_TALK
        ]
        if not rest:
            return whole
        return dict(zip(self.intents, self.pipeline.predict_proba([" ".join(rest)])[0]))

    def decide(
        self, probabilities: Dict[str, float], named: Sequence[str]
    ) -> List[Tuple[str, float]]:
        """The ranking, a flow or a named scheme first where the classifier hesitates."""
        ranking = sorted(probabilities.items(), key=lambda pair: -pair[1])
        top, confidence = ranking[0]
        for flow in SAME_FLOW:
            total = sum(probabilities.get(intent, 0.0) for intent in flow)
            if top not in flow and total > confidence:
                chosen = max(flow, key=lambda intent: probabilities.get(intent, 0.0))
                ranking = [(chosen, total)] + [pair for pair in ranking if pair[0] != chosen]
                top, confidence = ranking[0]
        candidates = [scheme_intent(f) for f in named if scheme_intent(f) in probabilities]
        if (
            candidates
            and top not in REQUESTS
            and top not in candidates
            and confidence < self.name_wins_below
        ):
            chosen = max(candidates, key=probabilities.get)
            ranking = [(chosen, max(confidence, probabilities[chosen]))] + [
                pair for pair in ranking if pair[0] != chosen
            ]
        return ranking


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(PickledModelComponent):
    """Sets the intent and its ranking; place it after the entity extractors and synonyms."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"C": 10.0, "name_wins_below": 0.6}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (m.get(TEXT), m.get(INTENT))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]
        self._model = LinearIntentModel.train(
            [text for text, _ in examples],
            [intent for _, intent in examples],
            c=self._config["C"],
            name_wins_below=self._config["name_wins_below"],
        )
        return self.save()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self._model is None or not text.strip():
                continue
            probabilities = self._model.probabilities(text)
            named = [
                str(e.get("value"))
                for e in message.get(ENTITIES) or []
                if e.get("entity") == SCHEME_ENTITY
            ]
            ranking = self._model.decide(probabilities, named)[:RANKING_LENGTH]
            entries = [{"name": name, "confidence": float(p)} for name, p in ranking]
            message.set(INTENT, entries[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, entries, add_to_output=True)
        return messages
