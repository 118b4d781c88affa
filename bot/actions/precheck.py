"""The eligibility pre-check in the conversation: when someone says something about themselves
("j'ai 27 ans", "je touche le rsa") while asking about a dispositif whose fiche has rules, the
answer is for them: yes, probably or no, why, what else is needed, whom to confirm with, and
when it is no, the dispositifs that may fit instead, checked by the same rules.

The facts said are kept in the `person_facts` slot for the rest of the conversation only (the
tracker store forgets idle conversations after a day), and the answer says so.
"""

from typing import Dict, List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import knowledge_base, source_payload
from bot.actions.eligibility_input import read_facts
from bot.actions.review import record_answer
from bot.knowledge import Fiche, intent_for_fiche
from bot.knowledge.eligibility import MAYBE, NO, YES, Verdict, check_fiche
from bot.knowledge.models import Fact
from bot.texts import section

FACTS_SLOT = "person_facts"
MAX_ALTERNATIVES = 3
RESPONSES = {YES: "utter_precheck_yes", MAYBE: "utter_precheck_maybe", NO: "utter_precheck_no"}


def conversation_facts(tracker: Tracker) -> Tuple[Dict[str, Fact], Dict[str, Fact]]:
    """Everything said about the person so far, and what the latest message said."""
    said_now = read_facts(tracker.latest_message.get("text") or "")
    known = tracker.get_slot(FACTS_SLOT)
    earlier = dict(known) if isinstance(known, dict) else {}
    return {**earlier, **said_now}, said_now


def utter_precheck(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    fiche: Fiche,
    facts: Dict[str, Fact],
    after_the_answer: bool = False,
) -> str:
    """The verdict for `fiche` (which has rules), with its sources unless it follows the fiche's
    answer in the same turn (which carries them); the alternatives after a no. The outcome."""
    assert fiche.rules is not None
    verdict = check_fiche(fiche, facts)
    response = RESPONSES[verdict.outcome]
    reasons = verdict.not_met
    if verdict.closed:  # nobody enters it any more: its eligibility text says since when
        response, reasons = "utter_precheck_closed", []
    elif verdict.outcome == MAYBE and verdict.doubtful:  # what the facts cannot settle
        response, reasons = "utter_precheck_doubtful", verdict.doubtful
    dispatcher.utter_message(
        response=response,
        json_message=None if after_the_answer else source_payload(fiche, "eligibility"),
        title=fiche.title,
        requirements="; ".join(c.requires for c in _said_conditions(verdict)),
        reasons=" ".join(c.not_met for c in reasons),
        closure=fiche.eligibility,
        caveats="".join(f" {caveat}" for caveat in verdict.caveats),
        confirm_with=fiche.rules.confirm_with,
    )
    if not after_the_answer:  # counted once per turn; the inbox shows the verdict's gist
        gist = section("console.precheck.verdicts")[verdict.outcome]
        record_answer(tracker, fiche.id, gist)
    if verdict.outcome == NO:
        others = alternatives(fiche, facts)
        if others:
            buttons = [{"title": f.title, "payload": f"/{intent_for_fiche(f.id)}"} for f in others]
            dispatcher.utter_message(response="utter_precheck_others", buttons=buttons)
    return verdict.outcome


def _said_conditions(verdict: Verdict) -> List:
    """YES lists what was met; MAYBE what is still needed."""
    return verdict.met if verdict.outcome == YES else verdict.unknown


def alternatives(fiche: Fiche, facts: Dict[str, Fact]) -> List[Fiche]:
    """The open dispositifs that may fit the same person, surest first."""
    ranked = []
    for other in knowledge_base().fiches.values():
        if other.id == fiche.id or other.rules is None or other.status != "open":
            continue
        verdict = check_fiche(other, facts)
        if verdict.outcome != NO:
            ranked.append((verdict.outcome != YES, len(verdict.unknown), other.title, other))
    return [other for *_, other in sorted(ranked, key=lambda r: r[:3])][:MAX_ALTERNATIVES]
