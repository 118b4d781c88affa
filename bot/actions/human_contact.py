"""Human-contact skill: when the bot is not enough, give the territory's reception contact.

The référent-alert issue will turn this into a consented call-back request.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import knowledge_base


def utter_reception_contact(dispatcher: CollectingDispatcher) -> None:
    reception = knowledge_base().territory.reception
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
        utter_reception_contact(dispatcher)
        return []


class ActionDefaultFallback(Action):
    """Last stage of the two-stage fallback: say so plainly and hand over to a person."""

    def name(self) -> Text:
        return "action_default_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_default")
        utter_reception_contact(dispatcher)
        # Forget the message that was not understood so it does not steer the next prediction.
        return [UserUtteranceReverted()]
