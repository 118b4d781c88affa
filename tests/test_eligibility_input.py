"""Facts read from what people write, for the eligibility pre-check: ages every way they are
written, statuses in their own words, and what must stay unknown."""

import pytest

from bot.actions.eligibility_input import (
    names_an_age_range,
    read_age_answer,
    read_facts,
    says_dont_know,
)


@pytest.mark.parametrize(
    "written, age",
    [
        ("j'ai 27 ans ça marche le cej ?", 27),
        ("jai 25 ans et 8 mois", 25),  # whole years: still 25
        ("J'AURAI 26 ANS EN MARS", 25),  # not yet 26
        ("g 19ans", 19),
        ("moi 24 ans, je cherche", 24),
        ("mon fils de 17 ans peut faire le service civique ?", 17),  # asking for him
        ("âgée de 31 ans", 31),
    ],
)
def test_an_age_is_read_however_it_is_written(written, age):
    assert read_facts(written)["age"] == age


@pytest.mark.parametrize(
    "written",
    [
        "je suis inscrite à france travail depuis 2 ans",
        "j'ai 10 ans d'expérience en cuisine",
        "il y a 3 ans j'ai arrêté l'école",
        "ça fait 5 ans que je cherche",
    ],
)
def test_a_duration_is_not_an_age(written):
    assert "age" not in read_facts(written)


def test_a_young_child_is_about_childcare_not_the_person():
    facts = read_facts("j'ai une fille de 2 ans et un garçon de 7 ans")
    assert "age" not in facts
    assert facts["child_under_3"] is True and facts["child_under_12"] is True
    assert read_facts("maman solo avec un bébé") == {
        "child_under_3": True,
        "child_under_12": True,
        "lone_parent": True,
    }


@pytest.mark.parametrize(
    "written, expected",
    [
        ("je touche le rsa je peux faire le CEJ ?", {"rsa": True}),
        ("je touche pas le RSA", {"rsa": False}),
        ("inscrit à pôle emploi", {"registered_ft": True}),
        ("je suis en fac", {"student": True}),
        ("je ne suis plus étudiante", {"student": False}),
        ("je suis en formation, l'aide garde d'enfant c'est pour moi ?", {"in_training": True}),
        ("j'ai une RQTH", {"rqth": True}),
        ("pas de rqth", {"rqth": False}),
        ("je suis au chômage", {"in_work": False}),
        ("je travaille en intérim", {"in_work": True}),
        ("je suis en alternance", {"apprentice": True}),
    ],
)
def test_statuses_are_read_in_plain_words_and_after_a_negation(written, expected):
    assert read_facts(written) == expected


def test_a_message_about_nothing_personal_states_no_fact():
    assert read_facts("c koi le cej") == {}
    assert read_facts("/info_cej") == {}


@pytest.mark.parametrize(
    "written, age",
    [("27", 27), ("j'ai 19 ans", 19), ("19ans", 19), ("jai 25 ans et 8 mois", 25), ("moi 22", 22)],
)
def test_an_age_given_as_an_answer(written, age):
    assert read_age_answer(written) == age


@pytest.mark.parametrize("written", ["je ne sais pas", "oui", "2 enfants et 3 chats", ""])
def test_no_age_in_other_answers(written):
    assert read_age_answer(written) is None


@pytest.mark.parametrize(
    "written", ["Je ne sais pas", "jsp", "chais pas", "je sais pas trop", "aucune idée", "pas sûre"]
)
def test_not_knowing_is_read(written):
    assert says_dont_know(written)


@pytest.mark.parametrize("written", ["oui", "non", "27", "je sais lire", "j'ai un bébé"])
def test_a_plain_answer_is_not_not_knowing(written):
    assert not says_dont_know(written)


@pytest.mark.parametrize("written", ["entre 20 et 25", "20-25 ans", "25 ou 26 ans", "la vingtaine"])
def test_an_age_range_is_not_an_age(written):
    assert names_an_age_range(written)


@pytest.mark.parametrize("written", ["27", "j'ai 19 ans", "jai 25 ans et 8 mois", "je ne sais pas"])
def test_one_age_is_not_a_range(written):
    assert not names_an_age_range(written)
