"""SMS text without a server: GSM-7, segment counting, cutting, buttons, keywords."""

import pytest

from bot.gsm7 import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_SEPTETS,
    segments,
    septets,
    split_sms,
    to_sms_text,
)
from channels.sms.keywords import EMPTY, HELP, START, STOP, TEXT, choice_number, classify
from channels.sms.replies import render_turn


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def test_every_fiche_short_answer_is_pure_gsm7_within_two_segments(kb):
    assert kb.fiches
    for fiche in kb.fiches.values():
        payload = {"custom": {"fiche": fiche.id, "aspect": "overview"}}
        turn = render_turn([{"text": fiche.answer}, payload], kb.fiche)
        assert turn.bodies == [to_sms_text(fiche.sms)], fiche.id
        assert is_gsm7(turn.bodies[0]), fiche.id
        assert segments(turn.bodies[0]) <= 2, fiche.id


def test_segments_are_160_septets_alone_153_when_concatenated():
    assert [segments("a" * n) for n in (1, 160, 161, 306, 307, 459, 460)] == [1, 1, 2, 2, 3, 3, 4]
    assert septets("€") == 2 and segments("€" * 80) == 1 and segments("€" * 81) == 2
    # An escape pair is not split: 152 plain septets, then "€" starts the second part.
    assert segments("a" * 152 + "€" + "a" * 152) == 3


def test_emoji_and_typography_become_gsm7():
    assert to_sms_text("Bravo 🎉 ! C’est « validé » 👍") == 'Bravo ! C\'est " validé "'
    assert (
        to_sms_text("Être à l’heure • c’est mieux → œuvre")
        == "Etre à l'heure - c'est mieux -> oeuvre"
    )


def test_long_text_is_cut_between_sentences_into_two_segment_sms():
    sentences = [f"Phrase numéro {n} avec quelques mots pour la remplir un peu." for n in range(12)]
    chunks = split_sms([" ".join(sentences)])
    assert len(chunks) > 1
    assert all(septets(chunk) <= MAX_SEPTETS and segments(chunk) <= 2 for chunk in chunks)
    assert all(chunk.endswith(".") for chunk in chunks)
    assert " ".join(chunks) == " ".join(sentences)


def test_a_word_longer_than_an_sms_is_cut_where_it_must():
    chunks = split_sms(["https://exemple.org/" + "x" * 400])
    assert [septets(c) for c in chunks] == [MAX_SEPTETS, 420 - MAX_SEPTETS]


def test_buttons_become_one_numbered_line_and_their_payloads_are_kept(kb):
    buttons = [
        {"title": t, "payload": f'/choose{{"n": {i}}}'}
        for i, t in enumerate(["Jeudi 3 décembre", "Vendredi 4", "Autre jour"], 1)
    ]
    turn = render_turn([{"text": "Quel jour ?", "buttons": buttons}], kb.fiche)
    assert turn.bodies == [
        "Quel jour ?\nRépondez 1, 2 ou 3 : 1 = Jeudi 3 décembre, 2 = Vendredi 4, 3 = Autre jour"
    ]
    assert turn.choice_payloads == [b["payload"] for b in buttons]


def test_an_aspect_answer_keeps_its_own_text(kb):
    fiche = kb.fiche("cej")
    payload = {"custom": {"fiche": "cej", "aspect": "amount"}}
    turn = render_turn([{"text": fiche.benefits}, payload], kb.fiche)
    assert turn.bodies == split_sms([to_sms_text(fiche.benefits)])
    assert to_sms_text(fiche.sms) not in turn.bodies
    assert turn.choice_payloads == []


@pytest.mark.parametrize(
    "body, kind",
    [
        ("STOP", STOP),
        ("stop ", STOP),
        ("Arrêt", STOP),
        ("ARRET.", STOP),
        ("start", START),
        ("Aide", HELP),
        ("  ", EMPTY),
        ("", EMPTY),
        ("stop ça marche pas", TEXT),
    ],
)
def test_keywords(body, kind):
    assert classify(body) == kind


def test_numbered_choices():
    assert [choice_number(b) for b in ("2", " 3 ", "1.", "2)", "2 ans", "deux")] == [
        2,
        3,
        1,
        2,
        None,
        None,
    ]
