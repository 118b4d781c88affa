"""Marks messages with no letters at all (empty, emoji only, symbols, binary junk) as `unreadable`.

DIET always picks some intent, even for "😭😭" or an empty string; a confident wrong guess would
send the resident a random fiche. A message without a single letter cannot be understood, so it
gets the `unreadable` intent with full confidence and the bot asks for words instead.
"""

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

UNREADABLE_INTENT = "unreadable"


def has_letters(text: str) -> bool:
    return any(character.isalpha() for character in text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnreadableInputClassifier(GraphComponent):
    """Overrides the predicted intent of letterless messages; place it after the classifier."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnreadableInputClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_letters(message.get(TEXT) or ""):
                continue
            intent = {"name": UNREADABLE_INTENT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            message.set(ENTITIES, [], add_to_output=True)
        return messages
