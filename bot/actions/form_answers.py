"""What the booking and alert forms share when reading an answer: the text typed, "stop",
yes/no questions (buttons and NLU first, then the words, since a bare "non" is often misread),
and a danger told in the middle of a form.
"""

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.booking_input import read_yes_no
from bot.actions.context import EMERGENCY_INTENT, latest_intent

REQUESTED_SLOT = "requested_slot"
STOP_INTENT = "stop"
# An answer that is neither yes nor no, between extraction and validation (never stored).
UNCLEAR = "unclear"


def typed_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def extract_yes_no(tracker: Tracker, slot: str) -> Dict[Text, Any]:
    """Yes or no, when `slot` is asked. Anything else is claimed too (UNCLEAR), so that the form
    asks again instead of wandering off."""
    if tracker.get_slot(REQUESTED_SLOT) != slot or latest_intent(tracker) == STOP_INTENT:
        return {}
    intent = latest_intent(tracker)
    if intent in ("affirm", "deny"):
        return {slot: intent == "affirm"}
    answer = read_yes_no(typed_text(tracker))
    return {slot: UNCLEAR if answer is None else answer}


def validate_yes_no(value: Any, slot: str, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    if value == UNCLEAR:
        dispatcher.utter_message(response="utter_yes_or_no")
        return {slot: None}
    return {slot: value if isinstance(value, bool) else None}


class FormValidation(FormValidationAction, ABC):
    """A form's validation that reads nothing into a message telling a danger: with no slot
    filled, Rasa rejects the form for that turn and the danger rule (bot/data/rules/danger.yml)
    gives the numbers first; the form then asks its question again."""

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if latest_intent(tracker) == EMERGENCY_INTENT:
            return []
        return await super().run(dispatcher, tracker, domain)
