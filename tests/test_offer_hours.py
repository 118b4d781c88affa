"""Today's opening hours in plain French, from real OpenStreetMap opening_hours strings (the
shapes data·inclusion's producers write), French public holidays included; never a guess."""

from datetime import date

import pytest

from bot.offer.opening_hours import hours_today, is_public_holiday

WEDNESDAY = date(2026, 12, 2)
SATURDAY = date(2026, 12, 5)
CHRISTMAS = date(2026, 12, 25)  # a Friday
ASCENSION = date(2026, 5, 14)  # a Thursday


@pytest.mark.parametrize(
    "opening_hours, day, said",
    [
        # The schema's own example.
        ("Mo-Fr 08:30-12:30; PH off", WEDNESDAY, "ouvert aujourd'hui de 8 h 30 à 12 h 30"),
        # Two ranges a day.
        (
            "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
            WEDNESDAY,
            "ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h",
        ),
        (
            "Mo-Fr 08:30-12:00,13:30-15:00,16:00-18:00",
            WEDNESDAY,
            "ouvert aujourd'hui de 8 h 30 à 12 h, de 13 h 30 à 15 h et de 16 h à 18 h",
        ),
        ("Mo-Fr 09:00-12:00,14:00-17:00; PH off", SATURDAY, "fermé aujourd'hui"),
        # A list of days.
        ("Mo,We 09:30-12:00", WEDNESDAY, "ouvert aujourd'hui de 9 h 30 à 12 h"),
        ("Mo,We 09:30-12:00", date(2026, 12, 3), "fermé aujourd'hui"),
        # Several rules; the later one wins for its days.
        ("Mo-Sa 09:00-18:00; We 14:00-18:00", WEDNESDAY, "ouvert aujourd'hui de 14 h à 18 h"),
        ("Mo-Sa 09:00-18:00; Sa off", SATURDAY, "fermé aujourd'hui"),
        # French public holidays.
        ("Mo-Fr 09:00-12:00,14:00-17:00; PH off", CHRISTMAS, "fermé aujourd'hui (jour férié)"),
        ("Tu-Sa 10:00-18:00; PH off", ASCENSION, "fermé aujourd'hui (jour férié)"),
        ("Mo-Fr 09:00-12:00", CHRISTMAS, "ouvert aujourd'hui de 9 h à 12 h"),  # no PH rule
        ("24/7", CHRISTMAS, "ouvert aujourd'hui 24 h sur 24"),
        ("off", WEDNESDAY, "fermé aujourd'hui"),
        # A comment of the producer is kept.
        (
            'Mo-Fr 09:00-12:00 "sur rendez-vous"',
            WEDNESDAY,
            "ouvert aujourd'hui de 9 h à 12 h (sur rendez-vous)",
        ),
    ],
)
def test_today_in_plain_french(opening_hours, day, said):
    assert hours_today(opening_hours, day) == said


@pytest.mark.parametrize(
    "opening_hours",
    [
        "du lundi au vendredi de 9h à 17h",  # French prose, not the OSM format
        "Mo-Fr 9h-17h",
        "Mo-Fr 09:00-12:00 unknown",  # the producer itself does not know
        "",
        None,
    ],
)
def test_hours_that_cannot_be_read_are_never_guessed(opening_hours):
    assert hours_today(opening_hours, WEDNESDAY) is None


def test_french_public_holidays():
    assert is_public_holiday(CHRISTMAS) and is_public_holiday(ASCENSION)
    assert is_public_holiday(date(2026, 4, 6))  # Easter Monday
    assert is_public_holiday(date(2026, 7, 14))
    assert not is_public_holiday(date(2026, 12, 24)) and not is_public_holiday(WEDNESDAY)
