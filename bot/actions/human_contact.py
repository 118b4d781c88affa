"""Human-contact skill: when the bot is not enough, give the territory's reception contact.

Asking for a person also offers a call-back by a référent (bot/actions/referent_alert.py).
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import conversation_territory
from bot.actions.review import record_misunderstood
from bot.storage.models import FALLBACK


def utter_reception_contact(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The reception of the conversation's territory."""
    reception = conversation_territory(tracker).reception
    dispatcher.utter_message(
        response="utter_reception_contact",
        reception_name=reception.name,
        reception_phone=reception.phone,
        reception_email=reception.email,
        reception_address=reception.address,
        reception_hours=reception.hours,
    )


class ActionReceptionContact(Action):
    def name(self) -> Text:
        return "action_reception_contact"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        utter_reception_contact(dispatcher, tracker)
        return []


class ActionDefaultFallback(Action):
    """Last stage of the two-stage fallback: say so plainly, hand over to a person, and offer a
    call-back by a référent."""

    def name(self) -> Text:
        return "action_default_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_default")
        utter_reception_contact(dispatcher, tracker)
        dispatcher.utter_message(response="utter_offer_alert")
        record_misunderstood(tracker, FALLBACK, domain["responses"]["utter_default"][0]["text"])
        # Forget the message that was not understood so it does not steer the next prediction.
        return [UserUtteranceReverted()]
