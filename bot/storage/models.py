"""Tables for café emploi bookings (centres sociaux, sessions, bookings and their outbox) and for
alerts to a référent (alerts and their deliveries).

The invariants that must hold under concurrency live here as constraints, so that the database,
not Python, refuses an overbooked session or a second place for the same phone.
"""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so that migrations can name what they create and drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Typed Any: SQLAlchemy 1.4's declarative base is made at run time (mypy has no plugin here).
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

CONFIRMED = "confirmed"
WAITING = "waiting"
CANCELLED = "cancelled"

REMINDER = "reminder"
WAITLIST_PROMOTED = "waitlist_promoted"


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC (naive on SQLite, which keeps no offset; restored on
    read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class CentreSocial(Base):
    __tablename__ = "centre_social"

    id = Column(Integer, primary_key=True)
    slug = Column(String(60), nullable=False, unique=True)
    # The territory file it comes from (knowledge/territory/<id>.yml); its sessions and their
    # bookings belong to that territory.
    territory = Column(String(60), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    address = Column(String(300), nullable=False)
    quartier = Column(String(120), nullable=False)
    accessibility = Column(Text, nullable=False)
    opening_hours = Column(Text, nullable=False)

    sessions = relationship("CafeSession", back_populates="centre")


class CafeSession(Base):
    __tablename__ = "cafe_session"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= capacity", name="booked_within_capacity"),
    )

    id = Column(Integer, primary_key=True)
    # The session's key in the territory file: reloading the file updates instead of duplicating.
    key = Column(String(120), nullable=False, unique=True)
    centre_id = Column(ForeignKey("centre_social.id"), nullable=False, index=True)
    starts_at = Column(UTCDateTime, nullable=False, index=True)
    theme = Column(String(300), nullable=False)
    capacity = Column(Integer, nullable=False)
    booked = Column(Integer, nullable=False, default=0, server_default="0")

    centre = relationship("CentreSocial", back_populates="sessions")
    bookings = relationship("Booking", back_populates="session")

    @property
    def places_left(self) -> int:
        return self.capacity - self.booked


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled')", name="status_known"),
        # One place (or waiting-list entry) per phone and session; cancelled ones don't count.
        Index(
            "uq_booking_session_phone_active",
            "session_id",
            "phone",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    session_id = Column(ForeignKey("cafe_session.id"), nullable=False)
    first_name = Column(String(60), nullable=False)
    phone = Column(String(16), nullable=False, index=True)  # E.164
    channel = Column(String(20), nullable=False)
    status = Column(String(10), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    cancelled_at = Column(UTCDateTime)
    consent_at = Column(UTCDateTime, nullable=False)
    idempotency_key = Column(String(100), unique=True)

    session = relationship("CafeSession", back_populates="bookings")
    messages = relationship("Outbox", back_populates="booking")


class Outbox(Base):
    """A message to send later; it stays until a send succeeded, so a restart loses nothing."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("kind", "booking_id"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False)
    booking_id = Column(ForeignKey("booking.id"), nullable=False, index=True)
    due_at = Column(UTCDateTime, nullable=False, index=True)
    sent_at = Column(UTCDateTime)
    dead_at = Column(UTCDateTime)  # given up (bot/storage/outbox.py), kept with its last error
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(Text)

    booking = relationship("Booking", back_populates="messages")


EMAIL = "email"
WEBHOOK = "webhook"


class Alert(Base):
    """A resident's consented request to be called back, and the référent it goes to."""

    __tablename__ = "alert"
    __table_args__ = (CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="reachable"),)

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False, index=True)
    reference = Column(String(16), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    consent_at = Column(UTCDateTime, nullable=False)
    first_name = Column(String(60), nullable=False)
    phone = Column(String(16))  # E.164
    email = Column(String(254))
    theme = Column(String(30), nullable=False)
    quartier = Column(String(120), nullable=False)
    availability = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    channel = Column(String(20), nullable=False)
    # Raised by a staff member for the person in front of them.
    on_behalf = Column(Boolean, nullable=False, default=False, server_default=text("false"))
    referent_name = Column(String(200), nullable=False)
    referent_email = Column(String(254), nullable=False)
    idempotency_key = Column(String(100), unique=True)
    # Raised after a danger message (bot/nlu/danger.py): its category; delivered before the
    # others, with a copy to the coordinator (`copy_email`).
    danger = Column(String(30))
    copy_email = Column(String(254))

    deliveries = relationship("AlertDelivery", back_populates="alert")

    @property
    def urgent(self) -> bool:
        return self.danger is not None


class DangerReply(Base):
    """One emergency reply (the numbers sent after a danger message), without any text or
    conversation id: what the dashboard counts per day and category."""

    __tablename__ = "danger_reply"

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, index=True)
    channel = Column(String(20), nullable=False)
    category = Column(String(30), nullable=False)


class AlertDelivery(Base):
    """The alert's outbox: one row per target (email, webhook), pending until sent once."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "target"),
        CheckConstraint("target IN ('email', 'webhook')", name="target_known"),
    )

    id = Column(Integer, primary_key=True)
    alert_id = Column(ForeignKey("alert.id"), nullable=False, index=True)
    target = Column(String(10), nullable=False)
    next_attempt_at = Column(UTCDateTime, nullable=False, index=True)
    sent_at = Column(UTCDateTime)
    dead_at = Column(UTCDateTime)  # given up (bot/storage/outbox.py), kept with its last error
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(Text)

    alert = relationship("Alert", back_populates="deliveries")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Feedback(Base):
    """A resident's "utile / pas utile" on one answer: which answer, about which fiche, and what
    they had asked; nothing else about them (`conversation` is the widget's random id)."""

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, index=True)
    channel = Column(String(20), nullable=False)
    conversation = Column(String(64), nullable=False)
    useful = Column(Boolean, nullable=False)
    fiche = Column(String(60))
    bot_text = Column(Text, nullable=False)
    user_text = Column(Text)


PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"


class SmsInbound(Base):
    """An SMS received: its operator id makes a retried webhook count once; the sender is a keyed
    hash (rate limit), never the number."""

    __tablename__ = "sms_inbound"

    id = Column(Integer, primary_key=True)
    message_sid = Column(String(64), nullable=False, unique=True)
    sender_hash = Column(String(64), nullable=False, index=True)
    received_at = Column(UTCDateTime, nullable=False, index=True)
    outcome = Column(String(20), nullable=False)


class SmsOutbound(Base):
    """The SMS outbox: a text stays pending until the operator accepted it; the number in clear
    is kept only until then."""

    __tablename__ = "sms_outbound"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'dropped')", name="status_known"),
    )

    id = Column(Integer, primary_key=True)
    recipient_hash = Column(String(64), nullable=False, index=True)
    to_number = Column(String(16))  # E.164; emptied once sent or dropped
    # The territory's number it goes from (the one the resident wrote to); None: the default.
    from_number = Column(String(16))
    body = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)
    status = Column(String(10), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    next_attempt_at = Column(UTCDateTime, nullable=False, index=True)
    sent_at = Column(UTCDateTime)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(Text)
    operator_sid = Column(String(64))


class SmsOptOut(Base):
    """A number (keyed hash) that answered STOP: nothing is sent to it until it answers START."""

    __tablename__ = "sms_opt_out"

    sender_hash = Column(String(64), primary_key=True)
    opted_out_at = Column(UTCDateTime, nullable=False)


class SmsChoice(Base):
    """The button payloads last offered to a number, so that a reply "2" means the second."""

    __tablename__ = "sms_choice"

    sender_hash = Column(String(64), primary_key=True)
    payloads = Column(Text, nullable=False)  # JSON list, in the order offered
    created_at = Column(UTCDateTime, nullable=False)


# --- Coordinator console (console/, bot/storage/review.py) ---

COORDINATOR = "coordinator"
STAFF = "staff"
# Sees every territory of the deployment (a region, an operator); the others see their own.
REGIONAL = "regional"

# Review statuses: à traiter, traité, ignoré, besoin non couvert.
TODO = "todo"
DONE = "done"
IGNORED = "ignored"
UNMET = "unmet"

# Why a message was kept for review.
FALLBACK = "fallback"
LOW_CONFIDENCE = "low_confidence"
OUT_OF_SCOPE = "out_of_scope"
NOT_USEFUL = "not_useful"


class ConsoleAccount(Base):
    """A person who signs in to the console; only an argon2 hash of the password is kept."""

    __tablename__ = "console_account"
    __table_args__ = (
        CheckConstraint("role IN ('coordinator', 'staff', 'regional')", name="role_known"),
        # A regional account sees every territory; any other belongs to exactly one.
        CheckConstraint(
            "(role = 'regional') = (territory IS NULL)", name="territory_unless_regional"
        ),
    )

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(20), nullable=False)
    territory = Column(String(60), index=True)
    created_at = Column(UTCDateTime, nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=text("true"))


class ConsoleSession(Base):
    """A signed-in console session, kept on the server so that signing out ends it for good: a
    copied cookie is worth nothing afterwards. Only a SHA-256 of the cookie's token is kept."""

    __tablename__ = "console_session"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(
        Integer, ForeignKey("console_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False, index=True)


class ReviewItem(Base):
    """A message the bot handled badly, redacted before it was stored, for the coordinator to
    teach, ignore or report as an unmet need. `normalized` groups the same question."""

    __tablename__ = "review_item"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('fallback', 'low_confidence', 'out_of_scope', 'not_useful')",
            name="reason_known",
        ),
        CheckConstraint("status IN ('todo', 'done', 'ignored', 'unmet')", name="status_known"),
    )

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, index=True)
    channel = Column(String(20), nullable=False)
    reason = Column(String(20), nullable=False)
    text = Column(Text, nullable=False)
    normalized = Column(String(300), nullable=False, index=True)
    intents = Column(Text, nullable=False, default="[]")  # JSON: top 3 {name, confidence}
    bot_answer = Column(Text, nullable=False, default="")
    fiche = Column(String(60))
    status = Column(String(10), nullable=False, default=TODO, server_default=TODO, index=True)
    theme = Column(String(30))
    quartier = Column(String(120))
    # The "pas utile" feedback row it came from; no foreign key, feedback is purged on its own.
    feedback_id = Column(Integer, unique=True)
    handled_at = Column(UTCDateTime)
    handled_by = Column(ForeignKey("console_account.id", ondelete="SET NULL"))


class TrainingExample(Base):
    """A redacted message a coordinator assigned to an intent: exported as NLU training data.
    One intent per phrasing (`normalized`): teaching it again changes the intent."""

    __tablename__ = "training_example"

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False)
    text = Column(Text, nullable=False)
    normalized = Column(String(300), nullable=False, unique=True)
    intent = Column(String(100), nullable=False)
    review_item_id = Column(ForeignKey("review_item.id", ondelete="SET NULL"))
    created_by = Column(ForeignKey("console_account.id", ondelete="SET NULL"))


class TrainingRun(Base):
    """One background retraining: the candidate model, both held-out figures, the decision."""

    __tablename__ = "training_run"
    __table_args__ = (
        CheckConstraint(
            "status IN ('training', 'evaluating', 'activated', 'rejected', 'failed')",
            name="status_known",
        ),
    )

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False)
    created_by = Column(ForeignKey("console_account.id", ondelete="SET NULL"))
    status = Column(String(12), nullable=False)
    candidate_path = Column(String(500), nullable=False)
    scores = Column(Text)  # JSON: {"active": {...}, "candidate": {...}}
    message = Column(Text)
    log_tail = Column(Text)
    finished_at = Column(UTCDateTime)


class BotTurn(Base):
    """One answer or fallback of the action server, without any text: what the dashboard counts.
    `conversation` is a hash of the channel's sender id, to count conversations, not people."""

    __tablename__ = "bot_turn"
    __table_args__ = (CheckConstraint("kind IN ('answer', 'fallback')", name="kind_known"),)

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, index=True)
    channel = Column(String(20), nullable=False)
    conversation = Column(String(64), nullable=False)
    kind = Column(String(10), nullable=False)
    intent = Column(String(100))
    fiche = Column(String(60))


class _LocalRecord:
    """What a structure and a service of the local offer both have: one row per territory,
    source and data·inclusion id (a new import of the same record updates it), a name, where and
    how to reach it, its opening hours and the day its data was updated."""

    id = Column(Integer, primary_key=True)
    territory = Column(String(60), nullable=False)  # knowledge/territory/<territory>.yml
    source = Column(String(100), nullable=False)
    record_id = Column(String(300), nullable=False)  # data·inclusion's `id`
    nom = Column(String(150), nullable=False)
    adresse = Column(Text)
    complement_adresse = Column(Text)
    code_postal = Column(String(5))
    commune = Column(String(150))
    telephone = Column(String(40))
    courriel = Column(String(320))
    horaires_accueil = Column(Text)  # OpenStreetMap opening_hours
    date_maj = Column(Date, nullable=False)
    imported_at = Column(UTCDateTime, nullable=False)


class LocalStructure(_LocalRecord, Base):
    """A structure of a territory's local offer, imported from data·inclusion (bot/offer/): what
    the assistant shows of the place a service happens in."""

    __tablename__ = "local_structure"
    __table_args__ = (UniqueConstraint("territory", "source", "record_id"),)

    site_web = Column(Text)
    accessibilite_lieu = Column(Text)  # an Accèslibre link


class LocalService(_LocalRecord, Base):
    """A service of a territory's local offer, imported from data·inclusion (bot/offer/). Lists
    (thematiques, publics, modes_accueil, modes_mobilisation, zone_eligibilite) are JSON arrays
    of the schema's values; `structure_id` is data·inclusion's id of its structure (same source),
    not a foreign key: a service may be imported before its structure."""

    __tablename__ = "local_service"
    __table_args__ = (UniqueConstraint("territory", "source", "record_id"),)

    structure_id = Column(String(300), nullable=False)
    description = Column(Text, nullable=False)
    thematiques = Column(Text, nullable=False, default="[]")
    publics = Column(Text, nullable=False, default="[]")
    frais = Column(String(10))
    frais_precisions = Column(Text)
    modes_accueil = Column(Text, nullable=False, default="[]")
    modes_mobilisation = Column(Text, nullable=False, default="[]")
    zone_eligibilite = Column(Text, nullable=False, default="[]")
    lien_mobilisation = Column(Text)
    mobilisation_precisions = Column(Text)
