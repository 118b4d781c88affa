"""Café emploi skill: show the next sessions, book a place (`booking_form`), change or cancel one
(`manage_booking_form`).

The validation actions decide (is this a session with a place? a phone number? a yes?) and keep
the reason of a refusal in a slot; the ask actions and the submit actions speak, with the
responses of domain.yml. The storage (bot/storage/booking.py) enforces capacity, one place per
phone and idempotency; this module turns its refusals into French answers. Leaving a form
("stop") and starting one are rules (bot/data/rules/booking.yml).
"""

import hashlib
import hmac
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.actions.booking_db import DatabaseUnavailable, in_database
from bot.actions.booking_input import (
    NotAFirstName,
    find_phone,
    find_reference,
    read_first_name,
)
from bot.actions.context import conversation_territory, conversation_territory_id, latest_intent
from bot.actions.form_answers import (
    REQUESTED_SLOT,
    STOP_INTENT,
    FormValidation,
    extract_yes_no,
    typed_text,
    validate_yes_no,
)
from bot.french_dates import (
    PARIS,
    ImpossibleDate,
    Weekday,
    find_day,
    format_day,
    format_when,
    paris_today,
)
from bot.rate_limit import SlidingWindow
from bot.settings import sms_hash_key
from bot.storage import booking as service
from bot.storage.models import CANCELLED, WAITING, Booking, CafeSession, utc_now
from bot.storage.phone import InvalidPhone, number_hash

MANAGE_FORM = "manage_booking_form"

SESSION_SLOT = "booking_session_id"
PROBLEM_SLOT = "booking_session_problem"
WAITING_LIST_SLOT = "booking_waiting_list"
FIRST_NAME_SLOT = "booking_first_name"
PHONE_SLOT = "booking_phone"
CONSENT_SLOT = "booking_consent"
REFERENCE_SLOT = "booking_reference"
# Failed look-ups of a booking (a reference or a phone that finds nothing upcoming): beyond
# these, in an hour, the conversation is sent to the reception, and so is everyone's beyond the
# overall count (a script trying references from many conversations).
FAILED_LOOKUPS_PER_CONVERSATION = 5
FAILED_LOOKUPS_OVERALL = 100
LOOKUP_WINDOW_SECONDS = 3600
ALL_CONVERSATIONS = "*"
SMS_CHANNEL = "sms"
CANCEL_CONFIRMED_SLOT = "booking_cancel_confirmed"
GOAL_SLOT = "booking_goal"
# Everything a booking conversation collects: forgotten once it is done, left or failed.
BOOKING_SLOTS = (
    SESSION_SLOT,
    PROBLEM_SLOT,
    WAITING_LIST_SLOT,
    FIRST_NAME_SLOT,
    PHONE_SLOT,
    CONSENT_SLOT,
    REFERENCE_SLOT,
    CANCEL_CONFIRMED_SLOT,
)

SESSION_ENTITY = "session_id"
# A session chosen with a button, as opposed to typed ("12" typed is not session 12).
BUTTON_PREFIX = "button:"
CHOOSE_SESSION_INTENT = "choose_session"
JOIN_WAITING_LIST_INTENT = "join_waiting_list"
CHANGE = "change"


SESSIONS_SHOWN = 5
# "jeudi" means one of the next few Thursdays, not one in six months.
WEEKDAY_HORIZON = timedelta(weeks=8)

# Why a session choice was refused → the response that says so.
PROBLEM_RESPONSES = {
    "past": "utter_session_past",
    "impossible": "utter_date_impossible",
    "no_session_on_weekday": "utter_no_session_on_weekday",
    "no_session_on_date": "utter_no_session_on_date",
    "not_understood": "utter_session_not_understood",
    "same_session": "utter_same_session",
}


# --- what the conversation shows of the database ------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """A session as the conversation shows it, read while its database session is open."""

    id: int
    starts_at: datetime
    theme: str
    centre_name: str
    centre_address: str
    accessibility: str
    places_left: int

    @classmethod
    def of(cls, session: CafeSession) -> "SessionView":
        centre = session.centre
        return cls(
            session.id,
            session.starts_at,
            session.theme,
            centre.name,
            centre.address,
            centre.accessibility,
            session.places_left,
        )

    @property
    def when(self) -> str:
        return format_when(self.starts_at)

    def details(self) -> Dict[str, str]:
        """The variables of the responses that describe a session."""
        return {
            "when": self.when,
            "centre_name": self.centre_name,
            "centre_address": self.centre_address,
            "accessibility": self.accessibility,
            "theme": self.theme,
        }

    def button(self, intent: str = CHOOSE_SESSION_INTENT, title: Optional[str] = None) -> Dict:
        payload = json.dumps({SESSION_ENTITY: str(self.id)})
        return {
            "title": title or f"{self.when} – {self.centre_name} : {self.theme}",
            "payload": f"/{intent}{payload}",
        }


@dataclass(frozen=True)
class BookingView:
    reference: str
    first_name: str
    status: str
    session: SessionView

    @classmethod
    def of(cls, booking: Booking) -> "BookingView":
        return cls(
            booking.reference, booking.first_name, booking.status, SessionView.of(booking.session)
        )

    def details(self) -> Dict[str, str]:
        return {
            "reference": self.reference,
            "first_name": self.first_name,
            **self.session.details(),
        }


@dataclass(frozen=True)
class Choice:
    """The session a message names, and why it cannot be booked as it is (`problem`)."""

    session: Optional[SessionView] = None
    problem: Optional[Dict[str, Any]] = None


@dataclass(frozen=True)
class Offer:
    """What to propose when asking for a session."""

    upcoming: List[SessionView]
    full: Optional[SessionView] = None  # the full session the person chose
    next_open: Optional[SessionView] = None  # the first one after it with a place
    same_day: Optional[List[SessionView]] = None  # several sessions on the day they named


def _session(db: Session, territory: str, session_id: int) -> Optional[SessionView]:
    found = service.find_session(db, session_id, territory)
    return SessionView.of(found) if found else None


def _sessions_between(
    db: Session, territory: str, start: datetime, end: datetime
) -> List[SessionView]:
    return [SessionView.of(s) for s in service.sessions_between(db, start, end, territory)]


def _upcoming(
    db: Session,
    territory: str,
    after: datetime,
    exclude: Optional[int] = None,
    limit: int = SESSIONS_SHOWN,
) -> List[SessionView]:
    sessions = service.upcoming_sessions(db, now=after, limit=limit + 1, territory=territory)
    return [SessionView.of(s) for s in sessions if s.id != exclude][:limit]


def _current_session_id(db: Session, reference: Optional[str]) -> Optional[int]:
    if not reference:
        return None
    found = service.find_bookings(db, reference=reference)
    return found[0].session_id if found else None


def choose_session(db: Session, territory: str, text: str, now: datetime) -> Choice:
    """The session of `territory` a button ("button:12") or a message ("jeudi", "le 3
    décembre") names."""
    text = text.strip()
    if text.startswith(BUTTON_PREFIX):
        chosen = text[len(BUTTON_PREFIX) :]
        session = _session(db, territory, int(chosen)) if chosen.isdigit() else None
        return _bookable(session, now) if session else Choice(problem={"problem": "not_understood"})
    today = paris_today(now)
    try:
        day = find_day(text, today)
    except ImpossibleDate as error:
        return Choice(problem={"problem": "impossible", "written": str(error)})
    if day is None:
        return Choice(problem={"problem": "not_understood"})
    if isinstance(day, Weekday):
        candidates = [
            s
            for s in _sessions_between(db, territory, now, now + WEEKDAY_HORIZON)
            if s.starts_at.astimezone(PARIS).weekday() == day.index
        ]
        if not candidates:
            return Choice(problem={"problem": "no_session_on_weekday", "weekday": day.name})
        return _bookable(candidates[0], now)
    if day < today:
        return Choice(problem={"problem": "past"})
    start = datetime.combine(day, time(0), tzinfo=PARIS)
    candidates = _sessions_between(db, territory, start, start + timedelta(days=1))
    if not candidates:
        return Choice(problem={"problem": "no_session_on_date", "date": format_day(day)})
    open_ = [s for s in candidates if s.places_left > 0 and s.starts_at > now]
    if len(open_) > 1:
        return Choice(problem={"problem": "several", "day": day.isoformat()})
    return _bookable((open_ or candidates)[0], now)


def _bookable(session: SessionView, now: datetime) -> Choice:
    if session.starts_at <= now:
        return Choice(problem={"problem": "past"})
    if session.places_left <= 0:
        return Choice(session=session, problem={"problem": "full", "session_id": session.id})
    return Choice(session=session)


def _offer(
    db: Session, territory: str, problem: Dict, reference: Optional[str], now: datetime
) -> Offer:
    exclude = _current_session_id(db, reference)
    offer = Offer(upcoming=_upcoming(db, territory, now, exclude))
    if problem.get("problem") == "full":
        full = _session(db, territory, int(problem["session_id"]))
        if full is not None:
            after = _upcoming(db, territory, full.starts_at, exclude, limit=1)
            return Offer(offer.upcoming, full=full, next_open=after[0] if after else None)
    if problem.get("problem") == "several":
        day = datetime.combine(datetime.fromisoformat(problem["day"]).date(), time(0), tzinfo=PARIS)
        same_day = [
            s
            for s in _sessions_between(db, territory, max(day, now), day + timedelta(days=1))
            if s.places_left > 0
        ]
        return Offer(offer.upcoming, same_day=same_day)
    return offer


# --- shared helpers ---------------------------------------------------------------------------


def reset_booking() -> List[EventType]:
    """Forget what a booking conversation collected (its goal is not personal, and is kept)."""
    return [SlotSet(slot, None) for slot in BOOKING_SLOTS]


def end_form() -> List[EventType]:
    """Leave the active form now: its submit action then finds nothing to do."""
    return reset_booking() + [SlotSet(REQUESTED_SLOT, None)]


def utter_unavailable(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    dispatcher.utter_message(
        response="utter_booking_unavailable",
        reception_phone=conversation_territory(tracker).reception.phone,
    )


def idempotency_key(tracker: Tracker) -> Optional[str]:
    """The same user message (sender, message id) books once, however often it is replayed."""
    message_id = next(
        (e.get("message_id") for e in reversed(tracker.events) if e.get("event") == "user"), None
    )
    if not message_id:
        return None
    digest = hashlib.sha256(f"{tracker.sender_id}\n{message_id}".encode("utf-8")).hexdigest()
    return f"rasa-{digest[:40]}"


def _extract_session(tracker: Tracker) -> Dict[Text, Any]:
    """A session button anywhere in the form; a written day when the session is asked, or in
    the message that opened the form ("je veux m'inscrire jeudi")."""
    if latest_intent(tracker) == STOP_INTENT:
        return {}
    button = next(tracker.get_latest_entity_values(SESSION_ENTITY), None)
    if button is not None:
        return {SESSION_SLOT: f"{BUTTON_PREFIX}{button}"}
    requested = tracker.get_slot(REQUESTED_SLOT)
    if requested == SESSION_SLOT:
        return {SESSION_SLOT: typed_text(tracker)}
    if requested is None and tracker.get_slot(SESSION_SLOT) is None and _names_a_day(tracker):
        return {SESSION_SLOT: typed_text(tracker)}
    return {}


def _names_a_day(tracker: Tracker) -> bool:
    try:
        return find_day(typed_text(tracker), paris_today(utc_now())) is not None
    except ImpossibleDate:
        return True


async def _validate_session(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, changing: bool
) -> Dict[Text, Any]:
    if value is None:
        return {SESSION_SLOT: None}
    now = utc_now()
    reference = tracker.get_slot(REFERENCE_SLOT) if changing else None
    territory = conversation_territory_id(tracker)

    def work(db: Session):
        choice = choose_session(db, territory, str(value), now)
        return choice, _current_session_id(db, reference)

    choice, current = await in_database(work)
    if choice.problem is None and changing and choice.session.id == current:
        return {SESSION_SLOT: None, PROBLEM_SLOT: {"problem": "same_session"}}
    if choice.problem is None:
        if not str(value).startswith(BUTTON_PREFIX):  # typed: say which session that is
            dispatcher.utter_message(response="utter_session_chosen", **choice.session.details())
        return {SESSION_SLOT: str(choice.session.id), PROBLEM_SLOT: None, WAITING_LIST_SLOT: False}
    wants_waiting_list = latest_intent(tracker) == JOIN_WAITING_LIST_INTENT
    if choice.problem["problem"] == "full" and wants_waiting_list and not changing:
        return {SESSION_SLOT: str(choice.session.id), PROBLEM_SLOT: None, WAITING_LIST_SLOT: True}
    return {SESSION_SLOT: None, PROBLEM_SLOT: choice.problem}


class _BookingValidation(FormValidation, ABC):
    """A form validation that leaves the form politely when the database is down.

    Rasa hands it every slot set since the user's message as a candidate, the None of
    `action_reset_booking` included: a None candidate is nothing said, and gets no answer.
    """

    @abstractmethod
    def name(self) -> Text:
        """The validation action's name: validate_<form>."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except DatabaseUnavailable:
            utter_unavailable(dispatcher, tracker)
            return end_form()

    def forget(self) -> List[EventType]:
        return reset_booking()


class _DatabaseAction(Action, ABC):
    """An action that needs the database: when it is down, say so and leave any form."""

    @abstractmethod
    def name(self) -> Text:
        """The action's name."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except DatabaseUnavailable:
            utter_unavailable(dispatcher, tracker)
            return end_form()

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """What `run` does, with the database."""


# --- showing sessions -------------------------------------------------------------------------


class ActionShowCafeSessions(_DatabaseAction):
    """ "C quand le prochain café emploi ?": the next sessions with a place, as buttons."""

    def name(self) -> Text:
        return "action_show_cafe_sessions"

    async def act(self, dispatcher, tracker, domain) -> List[EventType]:
        now, territory = utc_now(), conversation_territory_id(tracker)
        upcoming = await in_database(lambda db: _upcoming(db, territory, now))
        if not upcoming:
            dispatcher.utter_message(response="utter_no_cafe_sessions")
        else:
            dispatcher.utter_message(
                response="utter_cafe_sessions", buttons=[s.button() for s in upcoming]
            )
        return []


class ActionAskBookingSessionId(_DatabaseAction):
    """Asks for a session (to book, or the new one when changing), saying first why the last
    choice was refused: a full session offers the next one and its waiting list."""

    def name(self) -> Text:
        return "action_ask_booking_session_id"

    async def act(self, dispatcher, tracker, domain) -> List[EventType]:
        changing = tracker.active_loop_name == MANAGE_FORM
        problem = tracker.get_slot(PROBLEM_SLOT) or {}
        reference = tracker.get_slot(REFERENCE_SLOT) if changing else None
        now, territory = utc_now(), conversation_territory_id(tracker)
        offer = await in_database(lambda db: _offer(db, territory, problem, reference, now))
        handled = [SlotSet(PROBLEM_SLOT, None)]

        if offer.full is not None and not changing:
            waiting = domain["responses"]["utter_waiting_list_button"][0]["text"]
            buttons = [offer.next_open.button()] if offer.next_open else []
            buttons.append(
                offer.full.button(JOIN_WAITING_LIST_INTENT, waiting.format(when=offer.full.when))
            )
            response = "utter_session_full" if offer.next_open else "utter_session_full_no_next"
            dispatcher.utter_message(response=response, when=offer.full.when, buttons=buttons)
            return handled
        if offer.same_day:
            dispatcher.utter_message(
                response="utter_several_sessions", buttons=[s.button() for s in offer.same_day]
            )
            return handled
        if offer.full is not None:
            dispatcher.utter_message(response="utter_session_full_change", when=offer.full.when)
        elif problem.get("problem") in PROBLEM_RESPONSES:
            details = {k: v for k, v in problem.items() if k != "problem"}
            dispatcher.utter_message(response=PROBLEM_RESPONSES[problem["problem"]], **details)

        if not offer.upcoming:
            dispatcher.utter_message(response="utter_no_cafe_sessions")
            return end_form()
        response = "utter_choose_new_session" if changing else "utter_choose_session"
        dispatcher.utter_message(response=response, buttons=[s.button() for s in offer.upcoming])
        return handled


# --- booking a place ----------------------------------------------------------------------------


class ValidateBookingForm(_BookingValidation):
    def name(self) -> Text:
        return "validate_booking_form"

    async def extract_booking_session_id(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _extract_session(tracker)

    async def extract_booking_consent(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return extract_yes_no(tracker, CONSENT_SLOT)

    async def validate_booking_session_id(self, value, dispatcher, tracker, domain):
        return await _validate_session(value, dispatcher, tracker, changing=False)

    def validate_booking_first_name(self, value, dispatcher, tracker, domain):
        if value is None:
            return {FIRST_NAME_SLOT: None}
        try:
            return {FIRST_NAME_SLOT: read_first_name(str(value))}
        except NotAFirstName:
            dispatcher.utter_message(response="utter_first_name_invalid")
            return {FIRST_NAME_SLOT: None}

    def validate_booking_phone(self, value, dispatcher, tracker, domain):
        """A French number; by SMS, the number of the phone writing, since reminders go there
        by SMS (the operator vouches for the sender, not for a number typed)."""
        if value is None:
            return {PHONE_SLOT: None}
        try:
            phone = find_phone(str(value))
        except InvalidPhone:
            dispatcher.utter_message(response="utter_phone_invalid")
            return {PHONE_SLOT: None}
        if tracker.get_latest_input_channel() == SMS_CHANNEL and not _is_the_sms_sender(
            tracker, phone
        ):
            dispatcher.utter_message(
                response="utter_phone_not_this_phone",
                reception_phone=conversation_territory(tracker).reception.phone,
            )
            return {PHONE_SLOT: None}
        return {PHONE_SLOT: phone}

    def validate_booking_consent(self, value, dispatcher, tracker, domain):
        return validate_yes_no(value, CONSENT_SLOT, dispatcher)


class ActionBookCafe(_DatabaseAction):
    """Books the place (or the waiting-list entry) once the form is complete and consented to."""

    def name(self) -> Text:
        return "action_book_cafe"

    async def act(self, dispatcher, tracker, domain) -> List[EventType]:
        session_id = tracker.get_slot(SESSION_SLOT)
        first_name = tracker.get_slot(FIRST_NAME_SLOT)
        phone = tracker.get_slot(PHONE_SLOT)
        consent = tracker.get_slot(CONSENT_SLOT)
        if consent is None or not (session_id and first_name and phone):
            return reset_booking()  # the form was left before the end
        if consent is False:
            dispatcher.utter_message(response="utter_booking_not_kept")
            return reset_booking()

        request = {
            "session_id": int(session_id),
            "first_name": first_name,
            "phone": phone,
            "channel": (tracker.get_latest_input_channel() or "unknown")[:20],
            "idempotency_key": idempotency_key(tracker),
        }
        waiting_list = bool(tracker.get_slot(WAITING_LIST_SLOT))

        def work(db: Session):
            try:
                if waiting_list:
                    try:
                        return BookingView.of(service.join_waiting_list(db, **request)), None
                    except service.PlacesLeft:  # a place came free meanwhile: take it
                        pass
                return BookingView.of(service.book(db, **request)), None
            except (service.SessionFull, service.SessionPast, service.SessionNotFound):
                return None, "utter_session_taken_meanwhile"
            except service.AlreadyBooked:
                return None, "utter_already_booked"

        booking, refusal = await in_database(work)
        if booking is None:
            dispatcher.utter_message(response=refusal)
        elif booking.status == WAITING:
            dispatcher.utter_message(response="utter_waiting_list_joined", **booking.details())
        else:
            dispatcher.utter_message(response="utter_booking_confirmed", **booking.details())
        return reset_booking()


# --- changing or cancelling -------------------------------------------------------------------


class ValidateManageBookingForm(_BookingValidation):
    """Finding the booking to change or cancel, without letting anyone find someone else's:
    one answer whatever the reason a look-up fails (unknown, cancelled, past), a limit on failed
    look-ups per conversation and overall, and a phone number only from that phone, by SMS (the
    operator vouches for the sender; elsewhere anyone can type anyone's number)."""

    def __init__(self) -> None:
        self.failures = SlidingWindow(FAILED_LOOKUPS_PER_CONVERSATION, LOOKUP_WINDOW_SECONDS)
        self.all_failures = SlidingWindow(FAILED_LOOKUPS_OVERALL, LOOKUP_WINDOW_SECONDS)

    def name(self) -> Text:
        return "validate_manage_booking_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        """Past the failed look-ups allowed, the reception instead of one more try."""
        looking_up = tracker.get_slot(REQUESTED_SLOT) == REFERENCE_SLOT
        if looking_up and (
            self.failures.full(tracker.sender_id) or self.all_failures.full(ALL_CONVERSATIONS)
        ):
            dispatcher.utter_message(
                response="utter_booking_lookup_blocked",
                reception_phone=conversation_territory(tracker).reception.phone,
            )
            return end_form()
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        changing = tracker.get_slot(GOAL_SLOT) == CHANGE
        return [REFERENCE_SLOT, SESSION_SLOT if changing else CANCEL_CONFIRMED_SLOT]

    async def extract_booking_session_id(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _extract_session(tracker)

    async def extract_booking_cancel_confirmed(self, dispatcher, tracker, domain):
        return extract_yes_no(tracker, CANCEL_CONFIRMED_SLOT)

    async def validate_booking_session_id(self, value, dispatcher, tracker, domain):
        return await _validate_session(value, dispatcher, tracker, changing=True)

    def validate_booking_cancel_confirmed(self, value, dispatcher, tracker, domain):
        return validate_yes_no(value, CANCEL_CONFIRMED_SLOT, dispatcher)

    async def validate_booking_reference(self, value, dispatcher, tracker, domain):
        """A reference, or the phone used (by SMS, from that phone): the one upcoming booking
        it names, or the same "not found" whatever the reason."""
        if value is None:
            return {REFERENCE_SLOT: None}
        reception_phone = conversation_territory(tracker).reception.phone
        text, now = str(value), utc_now()
        reference = find_reference(text)
        phone = None
        if reference is None:
            try:
                phone = find_phone(text)
            except InvalidPhone:
                dispatcher.utter_message(response="utter_reference_not_understood")
                return {REFERENCE_SLOT: None}
            if not _is_the_sms_sender(tracker, phone):
                dispatcher.utter_message(
                    response="utter_booking_phone_needs_reference", reception_phone=reception_phone
                )
                return {REFERENCE_SLOT: None}

        territory = conversation_territory_id(tracker)

        def work(db: Session) -> List[BookingView]:
            found = service.find_bookings(db, reference=reference, phone=phone, territory=territory)
            return [BookingView.of(booking) for booking in found]

        found = await in_database(work)
        active = [b for b in found if b.status != CANCELLED and b.session.starts_at > now]
        if len(active) == 1:
            return {REFERENCE_SLOT: active[0].reference}
        if len(active) > 1:  # only ever for the sender's own phone
            buttons = [
                {"title": f"{b.session.when} – {b.first_name}", "payload": b.reference}
                for b in active
            ]
            dispatcher.utter_message(response="utter_choose_booking", buttons=buttons)
            return {REFERENCE_SLOT: None}
        self.failures.wait(tracker.sender_id)
        self.all_failures.wait(ALL_CONVERSATIONS)
        dispatcher.utter_message(
            response="utter_booking_not_found", reception_phone=reception_phone
        )
        return {REFERENCE_SLOT: None}


def _is_the_sms_sender(tracker: Tracker, phone: str) -> bool:
    """Whether `phone` is the number this SMS conversation comes from (its sender id is that
    number's keyed hash, bot/storage/phone.py)."""
    return tracker.get_latest_input_channel() == SMS_CHANNEL and hmac.compare_digest(
        number_hash(sms_hash_key(), phone), tracker.sender_id or ""
    )


class ActionAskBookingCancelConfirmed(_DatabaseAction):
    """ "Vous annulez la place de Awa au café emploi du jeudi 3 décembre … ?" """

    def name(self) -> Text:
        return "action_ask_booking_cancel_confirmed"

    async def act(self, dispatcher, tracker, domain) -> List[EventType]:
        reference = tracker.get_slot(REFERENCE_SLOT)
        found = await in_database(
            lambda db: [BookingView.of(b) for b in service.find_bookings(db, reference=reference)]
        )
        if not found:  # deleted meanwhile (the session is over)
            dispatcher.utter_message(
                response="utter_booking_not_found",
                reception_phone=conversation_territory(tracker).reception.phone,
            )
            return end_form()
        dispatcher.utter_message(
            response="utter_ask_booking_cancel_confirmed", **found[0].details()
        )
        return []


class ActionManageBooking(_DatabaseAction):
    """Cancels (once confirmed) or moves the booking once the form is complete."""

    def name(self) -> Text:
        return "action_manage_booking"

    async def act(self, dispatcher, tracker, domain) -> List[EventType]:
        reference = tracker.get_slot(REFERENCE_SLOT)
        if not reference:
            return reset_booking()  # the form was left before the end
        if tracker.get_slot(GOAL_SLOT) == CHANGE:
            session_id = tracker.get_slot(SESSION_SLOT)
            if session_id:
                await self._apply(
                    dispatcher,
                    reference,
                    "utter_booking_changed",
                    lambda db: service.change(db, reference, int(session_id)),
                )
            return reset_booking()
        confirmed = tracker.get_slot(CANCEL_CONFIRMED_SLOT)
        if confirmed is False:
            dispatcher.utter_message(response="utter_booking_kept")
        elif confirmed:
            await self._apply(
                dispatcher,
                reference,
                "utter_booking_cancelled",
                lambda db: service.cancel(db, reference=reference),
            )
        return reset_booking()

    @staticmethod
    async def _apply(
        dispatcher: CollectingDispatcher,
        reference: str,
        success: str,
        operation: Callable[[Session], Booking],
    ) -> None:
        refusals = {
            service.BookingNotFound: "utter_booking_session_over",  # deleted once over
            service.AlreadyCancelled: "utter_booking_already_cancelled",
            service.AlreadyBooked: "utter_booking_already_there",
            service.SessionFull: "utter_session_taken_meanwhile",
            service.SessionNotFound: "utter_session_taken_meanwhile",
        }

        def work(db: Session):
            try:
                return BookingView.of(operation(db)), None
            except service.SessionPast as error:
                # Cancel refuses a session already over; change also a new one that is past.
                over = service.find_bookings(db, reference=reference)
                if over and over[0].session_id == error.args[0]:
                    return None, "utter_booking_session_over"
                return None, "utter_session_taken_meanwhile"
            except tuple(refusals) as error:
                return None, refusals[type(error)]

        booking, refusal = await in_database(work)
        if booking is None:
            dispatcher.utter_message(response=refusal, reference=reference)
        else:
            dispatcher.utter_message(response=success, **booking.details())


class ActionResetBooking(Action):
    """Forget an earlier, unfinished booking conversation before starting a new one."""

    def name(self) -> Text:
        return "action_reset_booking"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return reset_booking()
