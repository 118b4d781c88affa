"""Alert a référent: with consent, collect how to call the person back, then store the alert
(it is delivered from the database by bot/alerts.py, so nothing is lost).

`referent_alert_form` asks consent first: "non" ends the form at once, stores nothing and gives
the reception's contact. Then first name, phone or email, theme, quartier, availability, and a
confirmation after a summary. Only `action_submit_alert`, after a "oui", writes anything; leaving
("stop") or failing halfway leaves nothing behind. Starting the form and leaving it are rules
(bot/data/rules/referent.yml). After a danger message (bot/actions/danger.py gives the
emergency numbers first) the alert is urgent: it carries the danger's category, goes to the
coordinator too, is delivered first, and the resident is told the shorter call-back delay.
"""

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.alert_input import (
    OTHER,
    NoContact,
    find_alert_reference,
    on_behalf,
    read_contact,
    read_quartier,
    read_theme,
    suggested_theme,
    summary,
)
from bot.actions.booking import idempotency_key
from bot.actions.booking_db import DatabaseUnavailable, in_database
from bot.actions.booking_input import NotAFirstName, read_first_name
from bot.actions.context import (
    EMERGENCY_INTENT,
    conversation_territory,
    conversation_territory_id,
    fiche_in_context,
    latest_intent,
)
from bot.actions.danger import DANGER_SLOT
from bot.actions.form_answers import (
    REQUESTED_SLOT,
    STOP_INTENT,
    FormValidation,
    extract_yes_no,
    typed_text,
    validate_yes_no,
)
from bot.actions.human_contact import utter_reception_contact
from bot.knowledge.models import ALERT_THEME_LABELS
from bot.storage import alerts as service

FORM = "referent_alert_form"
CONSENT_SLOT = "alert_consent"
FIRST_NAME_SLOT = "alert_first_name"
CONTACT_SLOT = "alert_contact"
THEME_SLOT = "alert_theme"
QUARTIER_SLOT = "alert_quartier"
AVAILABILITY_SLOT = "alert_availability"
CONFIRMED_SLOT = "alert_confirmed"
ON_BEHALF_SLOT = "alert_on_behalf"
REFERENCE_SLOT = "alert_reference"
# Everything the form collects: forgotten once the alert is sent, refused or left.
ALERT_SLOTS = (
    CONSENT_SLOT,
    FIRST_NAME_SLOT,
    CONTACT_SLOT,
    THEME_SLOT,
    QUARTIER_SLOT,
    AVAILABILITY_SLOT,
    CONFIRMED_SLOT,
    ON_BEHALF_SLOT,
    DANGER_SLOT,
)

# Longest answer kept for each typed slot; a longer one (a pasted "summary") is asked again.
MAX_LENGTHS = {
    FIRST_NAME_SLOT: 60,
    CONTACT_SLOT: 254,
    THEME_SLOT: 60,
    QUARTIER_SLOT: 120,
    AVAILABILITY_SLOT: 200,
}


def reset_alert() -> List[EventType]:
    return [SlotSet(slot, None) for slot in ALERT_SLOTS]


def _choice_read_as_stop(
    tracker: Tracker, slot: str, read: Callable[[str], Optional[str]]
) -> Dict[Text, Any]:
    """A choice ("Les Marronniers", a button) the classifier took for "stop": the from_text
    mapping skips stop messages, so take it here when it names a choice, and stay in the form."""
    if tracker.get_slot(REQUESTED_SLOT) != slot or latest_intent(tracker) != STOP_INTENT:
        return {}
    text = typed_text(tracker)
    return {slot: text} if len(text) <= MAX_LENGTHS[slot] and read(text) else {}


def _bounded(value: Any, slot: str, dispatcher: CollectingDispatcher) -> Optional[str]:
    """The answer, stripped, if it is neither empty nor too long; else None, and say why."""
    text = " ".join(str(value or "").split())
    if not text:
        dispatcher.utter_message(response="utter_alert_answer_empty")
        return None
    if len(text) > MAX_LENGTHS[slot]:
        dispatcher.utter_message(response="utter_alert_answer_too_long", limit=MAX_LENGTHS[slot])
        return None
    return text


def _contact_parts(contact: str) -> Dict[str, Optional[str]]:
    """The contact slot holds a phone in E.164 or an email."""
    is_phone = contact.startswith("+")
    return {"phone": contact if is_phone else None, "email": None if is_phone else contact}


def _earlier_user_messages(tracker: Tracker) -> List[str]:
    """What the person typed before this form started (not their answers to it)."""
    events = tracker.events
    start = max(
        (
            i
            for i, e in enumerate(events)
            if e.get("event") == "active_loop" and e.get("name") == FORM
        ),
        default=len(events),
    )
    return [e.get("text") or "" for e in events[:start] if e.get("event") == "user"]


class ActionStartAlert(Action):
    """Forget an earlier, unfinished alert; note whether staff are asking for someone else, and
    whether the message that started it told a danger (the emergency reply noted it)."""

    def name(self) -> Text:
        return "action_start_alert"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        danger = (
            tracker.get_slot(DANGER_SLOT) if latest_intent(tracker) == EMERGENCY_INTENT else None
        )
        return reset_alert() + [
            SlotSet(ON_BEHALF_SLOT, on_behalf(typed_text(tracker))),
            SlotSet(DANGER_SLOT, danger),
        ]


class ActionAskAlertConsent(Action):
    """The call-back offer; after a danger message, the urgent one (sooner, coordinator too)."""

    def name(self) -> Text:
        return "action_ask_alert_consent"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if tracker.get_slot(DANGER_SLOT):
            dispatcher.utter_message(
                response="utter_ask_alert_consent_urgent",
                callback_delay=conversation_territory(tracker).urgent_callback_delay,
            )
        else:
            dispatcher.utter_message(response="utter_ask_alert_consent")
        return []


class ActionResetAlert(Action):
    """Forget the answers of an alert that was left before the end."""

    def name(self) -> Text:
        return "action_reset_alert"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return reset_alert()


class ActionAskAlertTheme(Action):
    """The themes as buttons, the one the dispositif in context suggests first."""

    def name(self) -> Text:
        return "action_ask_alert_theme"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        fiche = fiche_in_context(tracker)
        suggested = suggested_theme(fiche.themes) if fiche else None
        labels = ALERT_THEME_LABELS
        themes = sorted(labels, key=lambda theme: theme != suggested)
        buttons = [{"title": labels[t], "payload": labels[t]} for t in themes]
        if suggested:
            dispatcher.utter_message(
                response="utter_alert_theme_suggested",
                theme=labels[suggested].lower(),
                buttons=buttons,
            )
        else:
            dispatcher.utter_message(response="utter_ask_alert_theme", buttons=buttons)
        return []


class ActionAskAlertQuartier(Action):
    """The territory's quartiers as buttons, and "Autre"."""

    def name(self) -> Text:
        return "action_ask_alert_quartier"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        names = conversation_territory(tracker).quartiers + [OTHER.capitalize()]
        dispatcher.utter_message(
            response="utter_ask_alert_quartier",
            buttons=[{"title": name, "payload": name} for name in names],
        )
        return []


class ActionAskAlertConfirmed(Action):
    """Read back what will be sent, and ask before sending."""

    def name(self) -> Text:
        return "action_ask_alert_confirmed"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        contact = tracker.get_slot(CONTACT_SLOT) or ""
        dispatcher.utter_message(
            response="utter_ask_alert_confirmed",
            first_name=tracker.get_slot(FIRST_NAME_SLOT),
            contact=contact,
            theme=ALERT_THEME_LABELS.get(tracker.get_slot(THEME_SLOT), "").lower(),
            quartier=tracker.get_slot(QUARTIER_SLOT),
            availability=tracker.get_slot(AVAILABILITY_SLOT),
        )
        return []


class ValidateReferentAlertForm(FormValidation):
    def name(self) -> Text:
        return "validate_referent_alert_form"

    def forget(self) -> List[EventType]:
        return reset_alert()

    def after_two_misses(self, dispatcher, tracker, slot) -> List[EventType]:
        """A theme or a quartier not on the list moves on ("autre", the words kept for the
        référent); any other question gives the reception's contact."""
        text = " ".join(typed_text(tracker).split())
        if slot == THEME_SLOT:
            return [SlotSet(THEME_SLOT, OTHER)]
        if slot == QUARTIER_SLOT and text:
            return [SlotSet(QUARTIER_SLOT, f"{OTHER.capitalize()} : {text}"[: MAX_LENGTHS[slot]])]
        return super().after_two_misses(dispatcher, tracker, slot)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """A "non" to consent or to sending ends the form: nothing more is asked. The answer
        stays required (and so validated), or Rasa would take the form as not understanding."""
        for slot in (CONSENT_SLOT, CONFIRMED_SLOT):
            if tracker.get_slot(slot) is False:
                return [slot]
        return domain_slots

    async def extract_alert_theme(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _choice_read_as_stop(tracker, THEME_SLOT, read_theme)

    async def extract_alert_quartier(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        quartiers = conversation_territory(tracker).quartiers
        return _choice_read_as_stop(tracker, QUARTIER_SLOT, lambda t: read_quartier(t, quartiers))

    async def extract_alert_consent(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return extract_yes_no(tracker, CONSENT_SLOT)

    async def extract_alert_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return extract_yes_no(tracker, CONFIRMED_SLOT)

    def validate_alert_consent(self, value, dispatcher, tracker, domain):
        return validate_yes_no(value, CONSENT_SLOT, dispatcher)

    def validate_alert_confirmed(self, value, dispatcher, tracker, domain):
        return validate_yes_no(value, CONFIRMED_SLOT, dispatcher)

    def validate_alert_first_name(self, value, dispatcher, tracker, domain):
        if value is None:
            return {FIRST_NAME_SLOT: None}
        text = _bounded(value, FIRST_NAME_SLOT, dispatcher)
        if text is None:
            return {FIRST_NAME_SLOT: None}
        try:
            return {FIRST_NAME_SLOT: read_first_name(text)}
        except NotAFirstName:
            dispatcher.utter_message(response="utter_first_name_invalid")
            return {FIRST_NAME_SLOT: None}

    def validate_alert_contact(self, value, dispatcher, tracker, domain):
        if value is None:
            return {CONTACT_SLOT: None}
        text = _bounded(value, CONTACT_SLOT, dispatcher)
        if text is None:
            return {CONTACT_SLOT: None}
        try:
            phone, email = read_contact(text)
        except NoContact:
            dispatcher.utter_message(response="utter_alert_contact_invalid")
            return {CONTACT_SLOT: None}
        return {CONTACT_SLOT: phone or email}

    def validate_alert_theme(self, value, dispatcher, tracker, domain):
        if value is None:
            return {THEME_SLOT: None}
        text = _bounded(value, THEME_SLOT, dispatcher)
        theme = read_theme(text) if text else None
        if text and theme is None:
            dispatcher.utter_message(response="utter_alert_theme_invalid")
        return {THEME_SLOT: theme}

    def validate_alert_quartier(self, value, dispatcher, tracker, domain):
        if value is None:
            return {QUARTIER_SLOT: None}
        text = _bounded(value, QUARTIER_SLOT, dispatcher)
        quartier = read_quartier(text, conversation_territory(tracker).quartiers) if text else None
        if text and quartier is None:
            dispatcher.utter_message(response="utter_alert_quartier_invalid")
        return {QUARTIER_SLOT: quartier}

    def validate_alert_availability(self, value, dispatcher, tracker, domain):
        if value is None:
            return {AVAILABILITY_SLOT: None}
        return {AVAILABILITY_SLOT: _bounded(value, AVAILABILITY_SLOT, dispatcher)}


class ActionSubmitAlert(Action):
    """After a "oui": route, store the alert with its deliveries, and give its reference."""

    def name(self) -> Text:
        return "action_submit_alert"

    async def run(self, dispatcher, tracker, domain: DomainDict) -> List[EventType]:
        territory = conversation_territory(tracker)
        if tracker.get_slot(CONSENT_SLOT) is False:
            dispatcher.utter_message(response="utter_alert_not_kept")
            utter_reception_contact(dispatcher, tracker)
            return reset_alert()
        if tracker.get_slot(CONFIRMED_SLOT) is False:
            dispatcher.utter_message(response="utter_alert_cancelled")
            return reset_alert()
        values = {slot: tracker.get_slot(slot) for slot in ALERT_SLOTS}
        if not all(values[slot] for slot in MAX_LENGTHS) or values[CONFIRMED_SLOT] is not True:
            return reset_alert()  # the form was left before the end

        theme, quartier = values[THEME_SLOT], values[QUARTIER_SLOT]
        referent = territory.referent_for(theme, quartier)
        danger = values[DANGER_SLOT]
        details = dict(
            first_name=values[FIRST_NAME_SLOT],
            **_contact_parts(values[CONTACT_SLOT]),
            theme=theme,
            quartier=quartier,
            availability=values[AVAILABILITY_SLOT],
            summary=summary(_earlier_user_messages(tracker)),
            channel=(tracker.get_latest_input_channel() or "unknown")[:20],
            on_behalf=bool(values[ON_BEHALF_SLOT]),
            referent_name=referent.name,
            referent_email=referent.email,
            danger=danger,
            territory=conversation_territory_id(tracker),
            copy_email=territory.coordinator.email if danger else None,
        )
        key = idempotency_key(tracker)
        try:
            reference = await in_database(
                lambda db: service.raise_alert(db, idempotency_key=key, **details).reference
            )
        except DatabaseUnavailable:
            dispatcher.utter_message(
                response="utter_alert_unavailable", reception_phone=territory.reception.phone
            )
            return reset_alert()
        dispatcher.utter_message(
            response="utter_alert_sent",
            first_name=details["first_name"],
            reference=reference,
            callback_delay=territory.urgent_callback_delay if danger else territory.callback_delay,
        )
        return reset_alert() + [SlotSet(REFERENCE_SLOT, reference)]


class ActionAlertStatus(Action):
    """ "Où en est ma demande ?": pending, or transmitted to the référent."""

    def name(self) -> Text:
        return "action_alert_status"

    async def run(self, dispatcher, tracker, domain: DomainDict) -> List[EventType]:
        reference = find_alert_reference(typed_text(tracker)) or tracker.get_slot(REFERENCE_SLOT)
        if reference is None:
            dispatcher.utter_message(response="utter_ask_alert_reference")
            return []
        territory, territory_id = (
            conversation_territory(tracker),
            conversation_territory_id(tracker),
        )
        try:
            status = await in_database(lambda db: service.alert_status(db, reference, territory_id))
        except DatabaseUnavailable:
            dispatcher.utter_message(
                response="utter_alert_unavailable", reception_phone=territory.reception.phone
            )
            return []
        if status is None:
            dispatcher.utter_message(response="utter_alert_reference_unknown", reference=reference)
        elif status == service.TRANSMITTED:
            dispatcher.utter_message(
                response="utter_alert_transmitted",
                reference=reference,
                callback_delay=territory.callback_delay,
            )
        else:
            dispatcher.utter_message(response="utter_alert_pending", reference=reference)
        return []
