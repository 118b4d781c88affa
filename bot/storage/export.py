"""Attendee list of a session as CSV, for the staff running the café emploi.

    python -m bot.storage.export SESSION > attendees.csv

SESSION is the session's key in the territory file (tilleuls-2026-12-03) or its database id.
"""

import csv
import sys
from typing import List, TextIO

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.storage.booking import PARIS, SessionNotFound
from bot.storage.database import database_session, transaction
from bot.storage.models import CANCELLED, CONFIRMED, Booking, CafeSession

HEADER = ("reference", "first_name", "phone", "status", "booked_at")
# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…), +cmd…).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text typed by someone else, made inert for Excel or LibreOffice: a leading quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_attendees(db: Session, session_id: int, out: TextIO) -> int:
    """Confirmed places then the waiting list, in booking order; returns the number of rows."""
    with transaction(db):
        if db.get(CafeSession, session_id) is None:
            raise SessionNotFound(session_id)
        bookings = (
            db.execute(
                select(Booking)
                .where(Booking.session_id == session_id, Booking.status != CANCELLED)
                .order_by(
                    case((Booking.status == CONFIRMED, 0), else_=1), Booking.created_at, Booking.id
                )
            )
            .scalars()
            .all()
        )
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for booking in bookings:
        booked_at = booking.created_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
        writer.writerow(
            (
                booking.reference,
                spreadsheet_safe(booking.first_name),
                booking.phone,
                booking.status,
                booked_at,
            )
        )
    return len(bookings)


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.storage.export SESSION (key or id)", file=sys.stderr)
        return 2
    try:
        with database_session() as db:
            by_key = select(CafeSession.id).where(CafeSession.key == argv[0])
            session_id = db.execute(by_key).scalar_one_or_none()
            if session_id is None and argv[0].isdigit():
                session_id = int(argv[0])
            if session_id is None:
                raise SessionNotFound(argv[0])
            write_attendees(db, session_id, sys.stdout)
    except SessionNotFound:
        print(f"no session {argv[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
