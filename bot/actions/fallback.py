"""When the bot cannot answer: the first stage of the two-stage fallback, in plain French, and
the answer to an out-of-scope question. Both keep the message for the coordinators' review.

Rasa's default asks "Did you mean 'info_cej'?". This one offers the titles of the fiches the
model hesitated between, as buttons, then the fixed choices of `utter_ask_affirmation`.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import (
    INSULT_INTENT,
    fiche_for_intent,
    knowledge_base,
    latest_intent,
    orientation_payload,
)
from bot.actions.review import record_misunderstood
from bot.knowledge import intent_for_fiche
from bot.storage.models import FALLBACK, OUT_OF_SCOPE
from bot.texts import text

MAX_SUGGESTIONS = 3


class ActionDefaultAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        fiches = [fiche_for_intent(candidate.get("name")) for candidate in ranking]
        suggestions = [
            {"title": fiche.title, "payload": f"/{intent_for_fiche(fiche.id)}"}
            for fiche in fiches
            if fiche is not None
        ][:MAX_SUGGESTIONS]
        if not suggestions:
            dispatcher.utter_message(response="utter_ask_rephrase")
            rephrase = domain["responses"]["utter_ask_rephrase"][0]["text"]
            record_misunderstood(tracker, FALLBACK, rephrase)
            return []
        # The fixed choices ("Autre chose", "Parler à quelqu'un") come after the suggestions.
        affirmation = domain["responses"]["utter_ask_affirmation"][0]
        buttons = suggestions + affirmation.get("buttons", [])
        dispatcher.utter_message(text=affirmation["text"], buttons=buttons)
        choices = ", ".join(b["title"] for b in buttons)
        shown = text("console.offered_choices", said=affirmation["text"], choices=choices)
        record_misunderstood(tracker, FALLBACK, shown)
        return []


class ActionOutOfScope(Action):
    """A question the bot cannot answer. An insult gets a calm answer and the menu; a public-service
    request no fiche covers, where to go instead (knowledge/orientations.yml); anything else, what
    the bot knows about. The question is kept: a need no dispositif covers shows up here first."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if latest_intent(tracker) == INSULT_INTENT:
            dispatcher.utter_message(response="utter_insult")
            dispatcher.utter_message(response="utter_help_menu")
            return []
        orientation = knowledge_base().orientation_for(tracker.latest_message.get("text") or "")
        if orientation is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            shown = domain["responses"]["utter_out_of_scope"][0]["text"]
        else:
            dispatcher.utter_message(response="utter_orientation_intro")
            dispatcher.utter_message(
                text=orientation.answer, json_message=orientation_payload(orientation)
            )
            dispatcher.utter_message(response="utter_orientation_offer")
            shown = orientation.answer
        record_misunderstood(tracker, OUT_OF_SCOPE, shown)
        return []
