"""Dates in French, both ways: "jeudi 3 décembre à 9 h 30" for a session, and the day a resident
names in a message ("jeudi", "le 3", "3 dec", "03/12", "demain").

Paris time throughout: the café emploi happens in mainland France, whatever the server's clock.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional, Union
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# How residents write months and days, accents dropped: names, abbreviations, misspellings.
_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "decembr": 12,
    "dec": 12,
}
_WEEKDAYS = {
    **{name: index for index, name in enumerate(WEEKDAY_NAMES)},
    "mecredi": 2,
    "mercerdi": 2,
    "jeudie": 3,
    "vendredie": 4,
    "samdi": 5,
}
# A date without a year this long ago is someone naming a past date, not next year's.
PAST_DATE_WINDOW = timedelta(days=60)

_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b")
_WRITTEN = re.compile(rf"\b(\d{{1,2}})\s*(?:er)?\s+({_MONTH_WORD})\.?(?:\s+(\d{{4}}))?\b")
_DAY_ONLY = re.compile(r"\b(?:le|l)\s+(\d{1,2})\s*(?:er)?\b(?!\s*[/.h:-]|\s*\d)")
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")s?\b")
_RELATIVE = {
    "apres demain": 2,
    "apres-demain": 2,
    "apresdemain": 2,
    "demain": 1,
    "dem1": 1,
    "aujourd'hui": 0,
    "aujourd hui": 0,
    "aujourdhui": 0,
    "auj": 0,
    "ce jour": 0,
}


class ImpossibleDate(ValueError):
    """The message names a date that does not exist (31/02, le 32); `args[0]` is what was read."""


@dataclass(frozen=True)
class Weekday:
    """ "jeudi": the next such day; `index` 0 is Monday."""

    index: int

    @property
    def name(self) -> str:
        return WEEKDAY_NAMES[self.index]


Day = Union[date, Weekday]


def format_when(moment: datetime) -> str:
    """ "jeudi 3 décembre à 9 h 30", "lundi 1er juin à 14 h": a session's start, Paris time."""
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    hour = f"{local.hour} h" + (f" {local.minute:02d}" if local.minute else "")
    return f"{WEEKDAY_NAMES[local.weekday()]} {day} {MONTH_NAMES[local.month - 1]} à {hour}"


def format_day(day: date) -> str:
    """ "jeudi 3 décembre"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAY_NAMES[day.weekday()]} {number} {MONTH_NAMES[day.month - 1]}"


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def find_day(text: str, today: date) -> Optional[Day]:
    """The day a message names, if any: a date, or a weekday ("jeudi").

    A date without a year is this year's, unless that is long past (then next year's): "20/11"
    written on 24 November is a past date, "05/01" is next January. Raises ImpossibleDate for a
    date that does not exist.
    """
    plain = _plain(text)
    for pattern, parse in ((_NUMERIC, _numeric), (_WRITTEN, _written)):
        found = pattern.search(plain)
        if found:
            return parse(found, today)
    for words, offset in _RELATIVE.items():
        if re.search(rf"(?<![\w']){re.escape(words)}(?![\w'])", plain):
            return today + timedelta(days=offset)
    found = _WEEKDAY.search(plain)
    if found:
        return Weekday(_WEEKDAYS[found.group(1)])
    found = _DAY_ONLY.search(plain)
    if found:
        return _day_of_month(int(found.group(1)), found.group(0), today)
    return None


def _plain(text: str) -> str:
    """Lower case, no accents, typographic apostrophes straightened."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _numeric(found: re.Match, today: date) -> date:
    day, month, year = found.groups()
    if year is not None and len(year) == 3:
        raise ImpossibleDate(found.group(0))
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    return _make(int(day), int(month), full_year, found.group(0), today)


def _written(found: re.Match, today: date) -> date:
    day, month, year = found.groups()
    return _make(int(day), _MONTHS[month], int(year) if year else None, found.group(0), today)


def _make(day: int, month: int, year: Optional[int], written: str, today: date) -> date:
    try:
        candidate = date(year or today.year, month, day)
    except ValueError as error:
        raise ImpossibleDate(written.strip()) from error
    if year is None and candidate < today - PAST_DATE_WINDOW:
        try:
            candidate = candidate.replace(year=today.year + 1)
        except ValueError as error:  # 29 February
            raise ImpossibleDate(written.strip()) from error
    return candidate


def _day_of_month(day: int, written: str, today: date) -> date:
    """ "le 10": this month's 10th if not past, else next month's."""
    if not 1 <= day <= 31:
        raise ImpossibleDate(written.strip())
    year, month = today.year, today.month
    if day < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ImpossibleDate(written.strip()) from error
