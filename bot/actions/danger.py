"""Danger skill: the emergency numbers first, then what was asked, then a call-back.

The NLU pipeline's danger detector (bot/nlu/danger.py) turns a message that reads as danger into
the `emergency` intent with a `danger` entity naming the category, whatever the classifier
thought and whether or not a form is running (bot/data/rules/danger.yml). The reply puts the
number that fits first, in one SMS (`utter_danger_<category>`), then the other numbers on one
line, then, outside a form, the answer to the question the message also asked, if the classifier
found one: a false alarm then costs a few lines, not the answer. The call-back offer comes next
(the référent alert form, urgent); inside a form, a sentence says how to ask for it.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.context import EMERGENCY_INTENT, fiche_for_intent
from bot.actions.knowledge import utter_fiche_answer
from bot.actions.review import record_danger_reply
from bot.knowledge.models import DANGER_CATEGORIES

DANGER_ENTITY = "danger"
# The category of the danger told in this conversation, until the alert it makes urgent is sent.
DANGER_SLOT = "alert_danger"
# Said when the message reads as danger without a category (a button, a typed "/emergency").
UNKNOWN_CATEGORY = "unknown"
# Not what the resident asked: the detector's verdict and the fallback's.
NOT_A_QUESTION = {EMERGENCY_INTENT, "nlu_fallback"}
# Below this the classifier's guess at a question is not worth answering after the numbers.
QUESTION_MIN_CONFIDENCE = 0.5


def danger_category(tracker: Tracker) -> Optional[str]:
    """The category the detector gave the latest message, if it read as danger."""
    value = next(tracker.get_latest_entity_values(DANGER_ENTITY), None)
    return value if value in DANGER_CATEGORIES else None


def _question_asked(tracker: Tracker):
    """The fiche the classifier would have answered, had the message not read as danger."""
    ranking = [
        r
        for r in tracker.latest_message.get("intent_ranking") or []
        if r.get("name") not in NOT_A_QUESTION
    ]
    if not ranking or float(ranking[0].get("confidence") or 0) < QUESTION_MIN_CONFIDENCE:
        return None
    return fiche_for_intent(ranking[0]["name"])


class ActionDangerReply(Action):
    def name(self) -> Text:
        return "action_danger_reply"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        category = danger_category(tracker)
        shown = category or UNKNOWN_CATEGORY
        dispatcher.utter_message(
            response=f"utter_danger_{shown}", json_message={"danger": {"category": shown}}
        )
        dispatcher.utter_message(response="utter_danger_other_numbers")
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_danger_callback_hint")
        else:
            fiche = _question_asked(tracker)
            if fiche is not None:
                dispatcher.utter_message(
                    response="utter_danger_and_your_question", title=fiche.title
                )
                utter_fiche_answer(dispatcher, tracker, fiche)
        record_danger_reply(tracker, shown)
        return [SlotSet(DANGER_SLOT, shown)]
