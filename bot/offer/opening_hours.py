"""Today's opening hours in plain French, from an OpenStreetMap `opening_hours` string.

data·inclusion gives a structure's or a service's hours in the OSM format ("Mo-Fr 08:30-12:00,
14:00-17:30; PH off"): residents read "ouvert aujourd'hui de 8 h 30 à 12 h et de 14 h à 17 h 30".
Parsing and evaluation are opening-hours-py's (the Rust `opening-hours` crate), with France's
public holidays built in, so "PH off" closes on Christmas or Ascension Day. Paris time throughout.

A string the library cannot read, or a day it says is "unknown", gives None: the caller then says
to check the hours with the structure rather than guess. The words come from the text catalogue
(bot/texts.yml, section `offer.hours`).
"""

from datetime import date, datetime, timedelta
from typing import List, Optional, Tuple

from opening_hours import OpeningHours, State

from bot.french_dates import PARIS
from bot.texts import text

COUNTRY = "FR"
# True on a French public holiday, whatever the day of the week.
_PUBLIC_HOLIDAY = "PH"


def parse(opening_hours: Optional[str]) -> Optional[OpeningHours]:
    """The expression, evaluated in Paris with France's public holidays; None if unreadable."""
    if not opening_hours or not opening_hours.strip():
        return None
    try:
        return OpeningHours(
            opening_hours.strip(),
            timezone=PARIS,
            country=COUNTRY,
            auto_country=False,
            auto_timezone=False,
        )
    except Exception:  # the parser raises its own error types for whatever it cannot read
        return None


def is_public_holiday(day: date) -> bool:
    """Whether `day` is a public holiday in France (the library's calendar)."""
    holidays = parse(_PUBLIC_HOLIDAY)
    return holidays is not None and holidays.is_open(_midnight(day) + timedelta(hours=12))


def hours_today(opening_hours: Optional[str], today: date) -> Optional[str]:
    """ "ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h", "fermé aujourd'hui", or None when
    the hours are missing, unreadable, or unknown for that day."""
    expression = parse(opening_hours)
    if expression is None:
        return None
    start, end = _midnight(today), _midnight(today + timedelta(days=1))
    try:
        intervals = list(expression.intervals(start, end))
    except Exception:  # an expression the library parses but cannot evaluate
        return None
    if any(state == State.UNKNOWN for _, _, state, _ in intervals):
        return None
    ranges = _open_ranges(intervals)
    if not ranges:
        if is_public_holiday(today):
            return text("offer.hours.closed_holiday")
        return text("offer.hours.closed_today")
    comments = sorted({comment for _, _, comment in ranges if comment})
    if len(ranges) == 1 and ranges[0][0] <= start and ranges[0][1] >= end:
        sentence = text("offer.hours.always_open")
    else:
        sentence = text(
            "offer.hours.open_today",
            ranges=_join([_range(opening, closing, end) for opening, closing, _ in ranges]),
        )
    if comments:
        sentence = text("offer.hours.with_comment", hours=sentence, comment=", ".join(comments))
    return sentence


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


def _open_ranges(intervals) -> List[Tuple[datetime, datetime, str]]:
    """The open intervals of the day, those that touch merged."""
    ranges: List[Tuple[datetime, datetime, str]] = []
    for opening, closing, state, comment in intervals:
        if state != State.OPEN or closing <= opening:
            continue
        if ranges and ranges[-1][1] == opening:
            previous = ranges.pop()
            opening, comment = previous[0], previous[2] or comment
        ranges.append((opening, closing, comment))
    return ranges


def _range(opening: datetime, closing: datetime, end_of_day: datetime) -> str:
    return text(
        "offer.hours.range", start=_clock(opening), end=_clock(closing, end_of_day=end_of_day)
    )


def _clock(moment: datetime, end_of_day: Optional[datetime] = None) -> str:
    """ "9 h", "9 h 30", "minuit"."""
    local = moment.astimezone(PARIS)
    if (end_of_day is not None and moment >= end_of_day) or (local.hour, local.minute) == (0, 0):
        return text("offer.hours.midnight")
    if local.minute:
        return text("offer.hours.hour_minutes", hour=local.hour, minutes=f"{local.minute:02d}")
    return text("offer.hours.hour", hour=local.hour)


def _join(parts: List[str]) -> str:
    """ "a", "a et b", "a, b et c"."""
    if len(parts) == 1:
        return parts[0]
    return text("offer.hours.last_joined", first=", ".join(parts[:-1]), last=parts[-1])
