"""What the booking and alert forms share when reading an answer: the text typed, "stop",
yes/no questions (buttons and NLU first, then the words, since a bare "non" is often misread),
a danger told in the middle of a form, and a question answered twice with nothing the form
accepts (no dead end: the form moves on, or gives the contact of a person and stops).
"""

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.booking_input import read_yes_no
from bot.actions.context import EMERGENCY_INTENT, latest_intent
from bot.actions.human_contact import utter_reception_contact

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


def answers_to(tracker: Tracker, slot: str) -> int:
    """How many messages the person has sent since the form started asking for `slot` (this
    one included): 2 means the question was already answered once without success."""
    events = tracker.events
    first_asked = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            if event.get("value") != slot:
                break
            first_asked = index
    if first_asked is None:
        return 0
    return sum(1 for event in events[first_asked:] if event.get("event") == "user")


def _fills(events: List[EventType], slot: str) -> bool:
    return any(
        e.get("event") == "slot" and e.get("name") == slot and e.get("value") is not None
        for e in events
    )


class FormValidation(FormValidationAction, ABC):
    """What every form's validation does besides checking answers.

    - A message telling a danger fills nothing: with no slot filled, Rasa rejects the form for
      that turn and the danger rule (bot/data/rules/danger.yml) gives the numbers first; the
      form then asks its question again.
    - A question answered a second time with nothing the form accepts is a dead end:
      `after_two_misses` moves on or stops the form (requested_slot None ends it).
    """

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>"""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if latest_intent(tracker) == EMERGENCY_INTENT:
            return []
        events = await super().run(dispatcher, tracker, domain)
        slot = tracker.get_slot(REQUESTED_SLOT)
        if (
            slot is None
            or latest_intent(tracker) == STOP_INTENT
            or _fills(events, slot)
            or answers_to(tracker, slot) < 2
        ):
            return events
        return events + self.after_two_misses(dispatcher, tracker, slot)

    def after_two_misses(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
    ) -> List[EventType]:
        """By default: say so, give the reception's contact and leave the form."""
        dispatcher.utter_message(response="utter_form_dead_end")
        utter_reception_contact(dispatcher, tracker)
        return self.forget() + [SlotSet(REQUESTED_SLOT, None)]

    @abstractmethod
    def forget(self) -> List[EventType]:
        """The events that forget what the form collected."""
