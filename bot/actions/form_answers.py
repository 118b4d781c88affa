"""What the booking and alert forms share when reading an answer: the text typed, "stop", and
yes/no questions (buttons and NLU first, then the words, since a bare "non" is often misread).
"""

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.booking_input import read_yes_no
from bot.actions.context import latest_intent

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
