"""Knowledge skill: answer about a dispositif, one aspect of it, or list the fiches of a theme."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import (
    DISPOSITIF_SLOT,
    fiche_for_intent,
    fiche_in_context,
    knowledge_base,
    latest_intent,
    source_payload,
    wants_short_answer,
)
from bot.actions.eligibility_input import asks_if_it_fits
from bot.actions.local_offer import ask_where_button
from bot.actions.precheck import FACTS_SLOT, conversation_facts, utter_precheck
from bot.actions.precheck_questions import PRECHECK_FORM, start_questions
from bot.actions.review import record_answer
from bot.knowledge import Fiche, intent_for_fiche
from bot.knowledge.eligibility import NO, questions_for_fiche
from bot.knowledge.models import Fact

ASPECT_INTENTS = {
    "ask_amount": "amount",
    "ask_eligibility": "eligibility",
    "ask_how_to_apply": "how_to_apply",
    "ask_contact": "contact",
}


def utter_fiche_answer(dispatcher: CollectingDispatcher, tracker: Tracker, fiche: Fiche) -> None:
    """The fiche's answer (short on SMS) with its sources, counted for the dashboard."""
    text = fiche.sms if wants_short_answer(tracker) else fiche.aspect("overview")
    dispatcher.utter_message(text=text, json_message=source_payload(fiche, "overview"))
    record_answer(tracker, fiche.id, text)


def utter_fiche_followup(dispatcher: CollectingDispatcher, fiche: Fiche) -> None:
    """The follow-up buttons; "Où aller près de chez moi ?" too when local services go with the
    fiche (its thematiques)."""
    buttons = [ask_where_button(fiche)] if fiche.thematiques else []
    dispatcher.utter_message(response="utter_fiche_followup", buttons=buttons)


class ActionAnswerFiche(Action):
    """Answers an `info_<fiche>` intent with the fiche's answer and its sources."""

    def name(self) -> Text:
        return "action_answer_fiche"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        fiche = fiche_for_intent(latest_intent(tracker))
        if fiche is None:
            dispatcher.utter_message(response="utter_ask_which_dispositif")
            return []
        facts, said_now = conversation_facts(tracker)
        asked_if_it_fits = asks_if_it_fits(tracker.latest_message.get("text") or "")
        if fiche.rules is None or not (said_now or asked_if_it_fits):
            utter_fiche_answer(dispatcher, tracker, fiche)
            utter_fiche_followup(dispatcher, fiche)
            return [SlotSet(DISPOSITIF_SLOT, fiche.id)]
        # Something said about the person: "j'ai 27 ans, le CEJ ça marche ?" is answered for
        # them; "c koi le cej, g 19 ans" gets the fiche's answer, then the verdict; "le cej
        # c'est pour moi ?" with nothing said yet, the fiche's answer, then the questions.
        after_the_answer = not (said_now and asked_if_it_fits)
        if after_the_answer:
            utter_fiche_answer(dispatcher, tracker, fiche)
        events = [SlotSet(DISPOSITIF_SLOT, fiche.id), SlotSet(FACTS_SLOT, facts)]
        return events + verdict_or_questions(dispatcher, tracker, fiche, facts, after_the_answer)


def verdict_or_questions(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    fiche: Fiche,
    facts: Dict[str, Fact],
    after_the_answer: bool = False,
) -> List[EventType]:
    """The verdict for what is known (nothing when nothing is), then, where facts that matter
    are missing, the questions (precheck_form); else the usual follow-up buttons."""
    outcome = utter_precheck(dispatcher, tracker, fiche, facts, after_the_answer) if facts else None
    if questions_for_fiche(fiche, facts, []):
        dispatcher.utter_message(response="utter_precheck_questions_intro")
        return start_questions(fiche.id) + [FollowupAction(PRECHECK_FORM)]
    if outcome != NO:
        utter_fiche_followup(dispatcher, fiche)
    return []


class ActionAnswerAspect(Action):
    """Answers a follow-up ("c'est combien ?") about the dispositif named or in context."""

    def name(self) -> Text:
        return "action_answer_aspect"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # Predicted without an ask_* intent (unlikely, by the dialogue policy): answer the overview.
        aspect = ASPECT_INTENTS.get(latest_intent(tracker), "overview")
        fiche = fiche_in_context(tracker)
        if fiche is None:
            dispatcher.utter_message(response="utter_ask_which_dispositif")
            return [SlotSet(DISPOSITIF_SLOT, None)]
        facts, said_now = conversation_facts(tracker)
        # "j'ai 25 ans et 8 mois, j'y ai droit ?", or "j'y ai droit ?" once they said something:
        # for the person. "c'est pour qui ?" stays the fiche's general answer.
        asked = asks_if_it_fits(tracker.latest_message.get("text") or "")
        if fiche.rules is not None and (said_now or (asked and facts)):
            events = [SlotSet(DISPOSITIF_SLOT, fiche.id), SlotSet(FACTS_SLOT, facts)]
            return events + verdict_or_questions(dispatcher, tracker, fiche, facts)
        dispatcher.utter_message(
            text=fiche.aspect(aspect), json_message=source_payload(fiche, aspect)
        )
        record_answer(tracker, fiche.id, fiche.aspect(aspect))
        # "j'y ai droit ?", nothing said yet: the questions.
        if fiche.rules is not None and asked and questions_for_fiche(fiche, facts, []):
            dispatcher.utter_message(response="utter_precheck_questions_intro")
            events = [SlotSet(DISPOSITIF_SLOT, fiche.id)] + start_questions(fiche.id)
            return events + [FollowupAction(PRECHECK_FORM)]
        return [SlotSet(DISPOSITIF_SLOT, fiche.id)]


class ActionListTheme(Action):
    """Lists the fiches of a theme chosen in the help menu, as buttons."""

    def name(self) -> Text:
        return "action_list_theme"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        theme = next(tracker.get_latest_entity_values("theme"), None)
        fiches = knowledge_base().by_theme(theme) if theme else []
        if not fiches:
            dispatcher.utter_message(response="utter_theme_unknown")
            return []
        buttons = [{"title": f.title, "payload": f"/{intent_for_fiche(f.id)}"} for f in fiches]
        dispatcher.utter_message(response="utter_theme_fiches", buttons=buttons)
        return []
