"""When the bot cannot answer: the first stage of the two-stage fallback, in plain French, and
the answer to an out-of-scope question. Both keep the message for the coordinators' review.

Rasa's default asks "Did you mean 'info_cej'?". This one offers the titles of the fiches the
model hesitated between, as buttons, then the fixed choices of `utter_ask_affirmation`.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import fiche_for_intent, intent_for_fiche
from bot.actions.review import record_misunderstood
from bot.storage.models import FALLBACK, OUT_OF_SCOPE

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
        record_misunderstood(
            tracker, FALLBACK, f"{affirmation['text']} (choix : {', '.join(b['title'] for b in buttons)})"
        )
        return []


class ActionOutOfScope(Action):
    """Say what the bot knows about, and keep the question: a need no dispositif covers shows up
    here first."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_out_of_scope")
        record_misunderstood(tracker, OUT_OF_SCOPE, domain["responses"]["utter_out_of_scope"][0]["text"])
        return []
