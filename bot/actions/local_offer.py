"""Local offer skill: "c'est où ?" — where to go near home for the dispositif in context.

The fiche is the one named in the message (or, named in words the lookup table does not know,
the fiche intent the classifier ranked well), else the last one discussed. Its data·inclusion
thematiques select up to three services of the conversation's territory (bot/offer/query.py),
each shown from the imported data only: never an address the data does not hold.

- web and REST: an intro, each service's text (one fact a line), then one `custom` payload
  listing the services (`local_offer`: fiche, territory, each service's id, name and the day its
  data was updated);
- SMS: an intro, then one text per service (one GSM-7 segment), each followed by a `custom`
  payload `local_service` that tells the SMS channel to send it alone (channels/sms/replies.py);
- a fiche without thematiques (one institution, say): its contact answer;
- no service for them in this territory, or the database down: the territory's reception;
- no fiche at all: which help they look for, with the theme menu.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.booking_db import DatabaseUnavailable, in_database
from bot.actions.context import (
    DISPOSITIF_SLOT,
    conversation_territory_id,
    fiche_for_intent,
    fiche_in_context,
    first_known_fiche,
    source_payload,
    wants_short_answer,
)
from bot.actions.human_contact import utter_reception_contact
from bot.actions.review import record_answer
from bot.french_dates import paris_today
from bot.knowledge import Fiche
from bot.offer.query import services_for
from bot.offer.view import LOCAL_SERVICE_PAYLOAD, LocalOffer
from bot.storage.models import utc_now
from bot.texts import text

MAX_SERVICES = 3
# "ou je peux aller pour des cours de francais" names no dispositif the lookup table knows, but
# the classifier still ranks info_francais first among the fiche intents, behind ask_where. That
# fiche is taken for the one asked about, before the one in context, when it is likely enough:
# GUESS_CONFIDENT, or GUESS_MIN_CONFIDENCE with GUESS_MIN_SHARE of the fiche intents' confidence
# in the ranking ("c'est où pour le permis ?": 0.026, 98 %; "c'est où ?": 0.001; "ok et c'est
# ou exactement": 0.012, 55 %; measured on the model trained with bot/data/nlu/local_offer.yml).
GUESS_CONFIDENT = 0.1
GUESS_MIN_CONFIDENCE = 0.015
GUESS_MIN_SHARE = 0.7
# The web payload listing the services shown.
LOCAL_OFFER = "local_offer"
ASK_WHERE_PAYLOAD = '/ask_where{{"dispositif": "{fiche}"}}'


def ask_where_button(fiche: Fiche) -> Dict[str, str]:
    """The "Où aller près de chez moi ?" button offered after an answer about `fiche`."""
    return {"title": text("offer.ask_where"), "payload": ASK_WHERE_PAYLOAD.format(fiche=fiche.id)}


def fiche_asked_about(tracker: Tracker) -> Optional[Fiche]:
    """The dispositif named in the message, else the fiche intent the classifier ranked best
    when it is likely enough (see GUESS_CONFIDENT), else the last one discussed."""
    named = first_known_fiche(tracker.get_latest_entity_values(DISPOSITIF_SLOT))
    if named:
        return named
    guessed = guessed_fiche(tracker.latest_message.get("intent_ranking") or [])
    return guessed or fiche_in_context(tracker)


def guessed_fiche(ranking: List[Dict[str, Any]]) -> Optional[Fiche]:
    ranked = [
        (fiche, float(entry.get("confidence") or 0))
        for entry in ranking
        for fiche in [fiche_for_intent(entry.get("name"))]
        if fiche is not None
    ]
    if not ranked:
        return None
    fiche, confidence = max(ranked, key=lambda pair: pair[1])
    share = confidence / (sum(c for _, c in ranked) or 1)
    if confidence >= GUESS_CONFIDENT or (
        confidence >= GUESS_MIN_CONFIDENCE and share >= GUESS_MIN_SHARE
    ):
        return fiche
    return None


def service_payload(offer: LocalOffer) -> Dict[str, str]:
    return {"id": offer.id, "name": offer.name, "updated": offer.date_maj.isoformat()}


class ActionLocalServices(Action):
    """Answers `ask_where` with the services of the territory for the dispositif in context."""

    def name(self) -> Text:
        return "action_local_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        fiche = fiche_asked_about(tracker)
        if fiche is None:
            dispatcher.utter_message(response="utter_ask_where_which_help")
            dispatcher.utter_message(response="utter_help_menu")
            return [SlotSet(DISPOSITIF_SLOT, None)]
        if not fiche.thematiques:
            # No local service goes with this fiche: whom to contact, from the fiche itself.
            answer = fiche.aspect("contact")
            dispatcher.utter_message(text=answer, json_message=source_payload(fiche, "contact"))
            record_answer(tracker, fiche.id, answer)
            return [SlotSet(DISPOSITIF_SLOT, fiche.id)]

        territory = conversation_territory_id(tracker)
        today = paris_today(utc_now())
        try:
            offers = await in_database(
                lambda db: services_for(db, territory, fiche.thematiques, today, MAX_SERVICES)
            )
        except DatabaseUnavailable:
            offers = []
        if not offers:
            dispatcher.utter_message(response="utter_no_local_service")
            utter_reception_contact(dispatcher, tracker)
            return [SlotSet(DISPOSITIF_SLOT, fiche.id)]

        dispatcher.utter_message(response="utter_local_services_intro", fiche_title=fiche.title)
        if wants_short_answer(tracker):
            for offer in offers:
                dispatcher.utter_message(
                    text=offer.sms_text(),
                    json_message={LOCAL_SERVICE_PAYLOAD: service_payload(offer)},
                )
        else:
            for offer in offers:
                dispatcher.utter_message(text=offer.web_text())
            dispatcher.utter_message(
                json_message={
                    LOCAL_OFFER: {
                        "fiche": fiche.id,
                        "territory": territory,
                        "services": [service_payload(offer) for offer in offers],
                    }
                }
            )
        return [SlotSet(DISPOSITIF_SLOT, fiche.id)]
