"""The pre-check's questions: when what the person said leaves a dispositif at "sans doute"
because facts that matter are unknown, ask them, one at a time (buttons, and always "Je ne sais
pas"), at most three, then give the verdict with the answers (`precheck_form`). "À quoi j'ai
droit ?" asks at most four, the facts that settle the most open dispositifs, then lists those
the person probably qualifies for, each with its next step (`entitlements_form`).

One slot per fact (`fact_<name>`, bot.knowledge.models.FactTest's names), filled by the forms'
validation from a button or a typed answer. "Je ne sais pas" stores UNKNOWN_ANSWER: the fact is
not asked again and stays unknown (never taken for a no). Answers also go into `person_facts`
(this conversation only). A new question asked instead of an answer ends the questions: the
form is rejected, the question answered by its rule, and the form, coming back, stops.
Starting and ending the forms, "stop" and danger are rules (bot/data/rules/precheck.yml).
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.alert_input import read_quartier
from bot.actions.booking_input import read_yes_no
from bot.actions.context import (
    DISPOSITIF_SLOT,
    conversation_territory,
    knowledge_base,
    latest_intent,
    wants_short_answer,
)
from bot.actions.eligibility_input import (
    names_an_age_range,
    read_age_answer,
    read_facts,
    says_dont_know,
)
from bot.actions.form_answers import (
    REQUESTED_SLOT,
    STOP_INTENT,
    FormValidation,
    answers_to,
    typed_text,
)
from bot.actions.human_contact import utter_reception_contact
from bot.actions.precheck import FACTS_SLOT, utter_precheck
from bot.actions.review import record_answer
from bot.gsm7 import choices_menu, split_sms, to_sms_text
from bot.knowledge import intent_for_fiche
from bot.knowledge.eligibility import (
    NO,
    YES,
    best_question,
    entitlements,
    questions_for_fiche,
    with_implications,
)
from bot.knowledge.models import Fact, FactTest
from bot.texts import section

PRECHECK_FORM = "precheck_form"
ENTITLEMENTS_FORM = "entitlements_form"
FICHE_SLOT = "precheck_fiche"  # the fiche being checked, while its questions are asked
ENTITLEMENTS_SLOT = "precheck_entitlements"  # true while "à quoi j'ai droit ?" asks
UNKNOWN_ANSWER = "unknown"
# An answer neither the form nor the fact can take, between extraction and validation.
UNCLEAR = "unclear"
MAX_FICHE_QUESTIONS = 3
MAX_ENTITLEMENT_QUESTIONS = 4
MAX_LISTED = 4
SMS_MAX_MESSAGES = 2
# A message classified this surely as something else than an answer is a new question.
NEW_QUESTION_CONFIDENCE = 0.6
# Intents an answer is often read as: never a new question.
ANSWER_INTENTS = {"affirm", "deny", "nlu_fallback", "greet", "thanks", "unreadable"}
AGE_LIMITS = (10, 99)
# What is said when an answer cannot be read: by fact, else the yes/no one.
UNCLEAR_RESPONSES = {"age": "utter_precheck_age_unclear", "qpv": "utter_precheck_quartier_unclear"}
YES_NO_UNCLEAR = "utter_precheck_yes_no_unclear"

FACTS = ("age",) + tuple(n for n in FactTest.__fields__ if n not in ("age_min", "age_max"))
AGE, QPV = "age", "qpv"


def fact_slot(fact: str) -> str:
    return f"fact_{fact}"


FACT_SLOTS = {fact_slot(fact): fact for fact in FACTS}


def reset_questions() -> List[EventType]:
    """Forget the answers of this round of questions (not `person_facts`)."""
    return [SlotSet(slot, None) for slot in FACT_SLOTS] + [
        SlotSet(FICHE_SLOT, None),
        SlotSet(ENTITLEMENTS_SLOT, None),
    ]


def start_questions(fiche_id: Optional[str]) -> List[EventType]:
    """A new round of questions, about `fiche_id` or, without one, "à quoi j'ai droit ?"."""
    events = reset_questions() + [SlotSet(REQUESTED_SLOT, None)]
    if fiche_id:
        return events + [SlotSet(FICHE_SLOT, fiche_id)]
    return events + [SlotSet(ENTITLEMENTS_SLOT, True)]


def known_facts(tracker: Tracker) -> Dict[str, Fact]:
    known = tracker.get_slot(FACTS_SLOT)
    return dict(known) if isinstance(known, dict) else {}


def unknown_facts(tracker: Tracker) -> List[str]:
    return [fact for slot, fact in FACT_SLOTS.items() if tracker.get_slot(slot) == UNKNOWN_ANSWER]


def asked_slots(tracker: Tracker) -> List[str]:
    """The fact slots answered in this round ("je ne sais pas" included)."""
    return [slot for slot in FACT_SLOTS if tracker.get_slot(slot) is not None]


def next_facts(tracker: Tracker, form: str) -> List[str]:
    """The facts still worth asking now, the most useful first."""
    facts, unknown = known_facts(tracker), unknown_facts(tracker)
    if form == ENTITLEMENTS_FORM:
        best = best_question(knowledge_base().fiches.values(), facts, unknown)
        return [best] if best else []
    fiche = knowledge_base().fiche(tracker.get_slot(FICHE_SLOT) or "")
    if fiche is None or fiche.rules is None:
        return []
    return questions_for_fiche(fiche, facts, unknown)


def _is_new_question(tracker: Tracker) -> bool:
    """A message that is not an answer: classified surely as something else, or naming a
    dispositif ("et l'e2c c pour moi ?")."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") in ANSWER_INTENTS:
        return False
    names_a_dispositif = any(
        entity.get("entity") == DISPOSITIF_SLOT
        for entity in tracker.latest_message.get("entities") or []
    )
    return names_a_dispositif or float(intent.get("confidence") or 0) >= NEW_QUESTION_CONFIDENCE


def read_answer(tracker: Tracker, fact: str) -> Optional[Any]:
    """The answer to the question about `fact`: a value, UNKNOWN_ANSWER, UNCLEAR, or None when
    the message is not an answer but a new question."""
    text = typed_text(tracker)
    intent = latest_intent(tracker)
    if says_dont_know(text):
        return UNKNOWN_ANSWER
    if fact == AGE:
        if names_an_age_range(text):  # an exact age is needed: none is made up from a range
            return UNCLEAR
        age = read_age_answer(text)
        if age is not None and AGE_LIMITS[0] <= age <= AGE_LIMITS[1]:
            return age
        return None if _is_new_question(tracker) else UNCLEAR
    if fact == QPV:
        territory = conversation_territory(tracker)
        quartier = read_quartier(text, territory.quartiers)
        if quartier is not None:  # "Autre quartier": where it is, the bot cannot tell
            return territory.is_qpv(quartier) if quartier in territory.quartiers else UNKNOWN_ANSWER
    if intent in ("affirm", "deny"):
        return intent == "affirm"
    answer = read_yes_no(text)
    if answer is None:
        answer = read_facts(text).get(fact)
    if isinstance(answer, bool):
        return answer
    return None if _is_new_question(tracker) else UNCLEAR


def _previous_action(tracker: Tracker) -> Optional[str]:
    """The action before this run of the form (Rasa adds one `form` action to the tracker it
    sends the validation: the one before it counts)."""
    actions = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    return actions[-2] if len(actions) >= 2 else None


def _started_this_turn(tracker: Tracker) -> bool:
    """Whether an action of this turn started a round of questions (start_questions)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        starts = event.get("name") in (FICHE_SLOT, ENTITLEMENTS_SLOT)
        if event.get("event") == "slot" and starts and event.get("value") is not None:
            return True
    return False


def _resumed_after_another_action(tracker: Tracker, form: str) -> bool:
    """Whether the form comes back after answering something else (a new question): it was
    active, the action before this run was neither listening nor the form itself, and that
    action did not start a new round."""
    if (tracker.active_loop or {}).get("name") != form or _started_this_turn(tracker):
        return False
    return _previous_action(tracker) not in (None, "action_listen", form)


class _QuestionsValidation(FormValidation):
    """What both forms share: reading answers, the cap on questions, leaving."""

    FORM = PRECHECK_FORM
    MAX_QUESTIONS = MAX_FICHE_QUESTIONS

    def name(self) -> Text:
        return f"validate_{self.FORM}"

    def forget(self) -> List[EventType]:
        return reset_questions()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if _resumed_after_another_action(tracker, self.FORM):
            # A new question was answered instead: the questions stop, with no verdict.
            return self.forget() + [SlotSet(REQUESTED_SLOT, None)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """The questions answered in this round, then the next worth asking, within the cap."""
        asked = asked_slots(tracker)
        room = max(0, self.MAX_QUESTIONS - len(asked))
        upcoming = [fact_slot(f) for f in next_facts(tracker, self.FORM)]
        return asked + [slot for slot in upcoming if slot not in asked][:room]

    async def get_extraction_events(self, dispatcher, tracker, domain) -> List[EventType]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        if (
            slot not in FACT_SLOTS
            or _previous_action(tracker) != "action_listen"  # no new answer: nothing to read
            or latest_intent(tracker) == STOP_INTENT
            or tracker.latest_message.get("text") is None
        ):
            return []
        answer = read_answer(tracker, FACT_SLOTS[slot])
        return [] if answer is None else [SlotSet(slot, answer)]

    async def get_validation_events(self, dispatcher, tracker, domain) -> List[EventType]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        value = tracker.get_slot(slot) if slot in FACT_SLOTS else None
        if value is None or tracker.latest_message.get("text") is None:
            return []
        if value == UNCLEAR:
            if answers_to(tracker, slot) >= 2:  # no dead end: left unknown, the next question
                return [SlotSet(slot, UNKNOWN_ANSWER)]
            dispatcher.utter_message(
                response=UNCLEAR_RESPONSES.get(FACT_SLOTS[slot], YES_NO_UNCLEAR)
            )
            return [SlotSet(slot, None)]
        events: List[EventType] = [SlotSet(slot, value)]
        if value != UNKNOWN_ANSWER:
            facts = with_implications({**known_facts(tracker), FACT_SLOTS[slot]: value})
            events.append(SlotSet(FACTS_SLOT, facts))
        return events

    def after_two_misses(self, dispatcher, tracker, slot) -> List[EventType]:
        """Never a dead end: an unclear answer given twice is left unknown by the validation;
        a second new question is answered like the first."""
        return []


class ValidatePrecheckForm(_QuestionsValidation):
    FORM = PRECHECK_FORM
    MAX_QUESTIONS = MAX_FICHE_QUESTIONS


class ValidateEntitlementsForm(_QuestionsValidation):
    FORM = ENTITLEMENTS_FORM
    MAX_QUESTIONS = MAX_ENTITLEMENT_QUESTIONS


class ActionAskFactQpv(Action):
    """The conversation territory's quartiers as buttons, "Autre quartier", "Je ne sais pas"."""

    def name(self) -> Text:
        return "action_ask_fact_qpv"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        labels = section("labels.precheck_answers")
        names = conversation_territory(tracker).quartiers
        buttons = [{"title": name, "payload": name} for name in names]
        buttons += [
            {"title": labels["other_quartier"], "payload": labels["other_quartier"]},
            {"title": labels["dont_know"], "payload": labels["dont_know"]},
        ]
        dispatcher.utter_message(response="utter_ask_fact_qpv", buttons=buttons)
        return []


class ActionPrecheckVerdict(Action):
    """The verdict once the questions are answered, with the answers; the round forgotten."""

    def name(self) -> Text:
        return "action_precheck_verdict"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        fiche = knowledge_base().fiche(tracker.get_slot(FICHE_SLOT) or "")
        if fiche is None or fiche.rules is None:  # the questions were left: nothing to say
            return reset_questions()
        outcome = utter_precheck(dispatcher, tracker, fiche, known_facts(tracker))
        if outcome != NO:
            dispatcher.utter_message(response="utter_fiche_followup")
        return reset_questions() + [SlotSet(DISPOSITIF_SLOT, fiche.id)]


class ActionResetPrecheck(Action):
    """Forget this round of questions (left with "stop", or cut short by a danger)."""

    def name(self) -> Text:
        return "action_reset_precheck"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return reset_questions()


class ActionStartEntitlements(Action):
    """ "À quoi j'ai droit ?": what the message says of the person, then the questions."""

    def name(self) -> Text:
        return "action_start_entitlements"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        said_now = read_facts(typed_text(tracker))
        facts = with_implications({**known_facts(tracker), **said_now})
        events = start_questions(None) + [SlotSet(FACTS_SLOT, facts)]
        if best_question(knowledge_base().fiches.values(), facts, []):
            dispatcher.utter_message(
                response="utter_entitlements_intro", count=MAX_ENTITLEMENT_QUESTIONS
            )
        return events


class ActionListEntitlements(Action):
    """The dispositifs the person probably qualifies for, surest first, each with its next
    step and a button to open it. By SMS, as many as fit two messages of two SMS."""

    def name(self) -> Text:
        return "action_list_entitlements"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if tracker.get_slot(ENTITLEMENTS_SLOT) is not True:  # left before the end
            return reset_questions()
        found = entitlements(knowledge_base().fiches.values(), known_facts(tracker))[:MAX_LISTED]
        if not found:
            dispatcher.utter_message(response="utter_entitlements_none")
            utter_reception_contact(dispatcher)
            return reset_questions()
        outcomes = section("labels.precheck_outcomes")
        items = [(e.fiche, outcomes[YES if e.verdict.outcome == YES else "maybe"]) for e in found]
        if wants_short_answer(tracker):
            items = _fitting_sms(items, domain)
        dispatcher.utter_message(response="utter_entitlements_found")
        for fiche, outcome in items:
            dispatcher.utter_message(
                response="utter_entitlement",
                title=fiche.title,
                outcome=outcome,
                next_step=fiche.next_step,
            )
        buttons = [
            {"title": fiche.title, "payload": f"/{intent_for_fiche(fiche.id)}"}
            for fiche, _ in items
        ]
        dispatcher.utter_message(response="utter_entitlements_end", buttons=buttons)
        record_answer(tracker, None, " ".join(fiche.id for fiche, _ in items))
        return reset_questions()


def _fitting_sms(items: List, domain: DomainDict) -> List:
    """The first items whose list, with its numbered choices, fits the SMS budget."""
    fitting = items[:1]
    for count in range(2, len(items) + 1):
        if len(_sms_bodies(items[:count], domain)) <= SMS_MAX_MESSAGES:
            fitting = items[:count]
    return fitting


def _sms_bodies(items: List, domain: DomainDict) -> List[str]:
    """The SMS the list would take, as the SMS channel cuts a turn (channels/sms/replies.py)."""
    texts = [_response_text(domain, "utter_entitlements_found")]
    texts += [
        _response_text(domain, "utter_entitlement").format(
            title=fiche.title, outcome=outcome, next_step=fiche.next_step
        )
        for fiche, outcome in items
    ]
    texts.append(_response_text(domain, "utter_entitlements_end"))
    texts.append(choices_menu([fiche.title for fiche, _ in items]))
    return split_sms([t for t in (to_sms_text(text) for text in texts) if t])


def _response_text(domain: DomainDict, response: str) -> str:
    variants = domain.get("responses", {}).get(response) or [{}]
    return str(variants[0].get("text", ""))
