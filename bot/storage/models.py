"""Tables for café emploi bookings: centres sociaux, sessions, bookings and the outbox.

The invariants that must hold under concurrency live here as constraints, so that the database,
not Python, refuses an overbooked session or a second place for the same phone.
"""

from datetime import datetime, timezone

from sqlalchemy import (
    CheckConstraint,
    Column,
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

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

CONFIRMED = "confirmed"
WAITING = "waiting"
CANCELLED = "cancelled"

REMINDER = "reminder"
WAITLIST_PROMOTED = "waitlist_promoted"


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC (naive on SQLite, which keeps no offset; restored on read)."""

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
        CheckConstraint(
            "status IN ('confirmed', 'waiting', 'cancelled')", name="status_known"
        ),
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
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(Text)

    booking = relationship("Booking", back_populates="messages")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
