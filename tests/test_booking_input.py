"""Reading what residents type during a booking (days, first names, references, yes/no) and
writing session times in French."""

from datetime import date, datetime, timezone

import pytest

from bot.actions.booking_input import NotAFirstName, find_reference, read_first_name, read_yes_no
from bot.french_dates import ImpossibleDate, Weekday, find_day, format_when

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    "text, day",
    [
        ("je veux m'inscrire jeudi", Weekday(3)),
        ("mecredi c possible ?", Weekday(2)),
        ("le 3 décembre", date(2026, 12, 3)),
        ("3 dec", date(2026, 12, 3)),
        ("03/12", date(2026, 12, 3)),
        ("le 1er dec 2026", date(2026, 12, 1)),
        ("le 10 a 9h", date(2026, 12, 10)),  # the 10th still to come: next month's
        ("demain", date(2026, 11, 25)),
        ("20/11", date(2026, 11, 20)),  # a few days ago: a past date, not next year's
        ("05/01", date(2027, 1, 5)),
        ("j'ai 2 enfants", None),
        ("06 39 98 00 01", None),
    ],
)
def test_the_day_a_message_names(text, day):
    assert find_day(text, TODAY) == day


@pytest.mark.parametrize("text", ["31/02", "le 32", "30 février", "12/13", "29/02/2027"])
def test_a_date_that_does_not_exist_is_said_so(text):
    with pytest.raises(ImpossibleDate):
        find_day(text, TODAY)


def test_session_times_read_as_in_french():
    assert (
        format_when(datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc))
        == "jeudi 3 décembre à 9 h 30"
    )
    assert format_when(datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc)) == "mardi 1er juin à 14 h"


@pytest.mark.parametrize(
    "text, name",
    [
        ("Awa", "Awa"),
        ("moi c'est awa", "Awa"),
        ("je m'appelle Jean-Pierre", "Jean-Pierre"),
        ("c'est pour Fatou", "Fatou"),
        ("AMINATA DIALLO", "Aminata Diallo"),
        ("N'Golo", "N'Golo"),
        ("elle s'appelle Aïcha", "Aïcha"),
    ],
)
def test_first_names_as_people_give_them(text, name):
    assert read_first_name(text) == name


@pytest.mark.parametrize(
    "text", ["j'peux plus venir", "laisse tomber", "06 12 34 56 78", "=SUM(A1)", ""]
)
def test_what_is_not_a_first_name(text):
    with pytest.raises(NotAFirstName):
        read_first_name(text)


@pytest.mark.parametrize(
    "text, reference",
    [
        ("CE-7K3P-9QX2", "CE-7K3P-9QX2"),
        ("ma ref c ce 7k3p 9qx2", "CE-7K3P-9QX2"),
        ("CE7K3P9QX2", "CE-7K3P-9QX2"),
        ("7K3P9QX2", "CE-7K3P-9QX2"),
        ("7k3p-9qx2", "CE-7K3P-9QX2"),
        ("stop", None),
        ("CE-0000", None),
        ("CE-7K3P", None),
        ("ANNULERA", None),
    ],
)
def test_references_as_people_type_them(text, reference):
    assert find_reference(text) == reference


def test_a_bare_yes_or_no():
    assert [read_yes_no(t) for t in ("non", "Oui !", "nan", "peut-être")] == [
        False,
        True,
        False,
        None,
    ]
