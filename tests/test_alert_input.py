"""Reading call-back answers (bot/actions/alert_input.py) and routing (the territory file)."""

import pytest

from bot.actions.alert_input import (
    NoContact,
    find_alert_reference,
    on_behalf,
    read_contact,
    read_quartier,
    read_theme,
    redact,
    summary,
)

QUARTIERS = ["Les Tilleuls", "Les Marronniers"]


def test_a_contact_is_a_french_phone_or_an_email():
    assert read_contact("mon portable : 06.39.98.00.61") == ("+33639980061", None)
    assert read_contact("Awa.Diallo@Example.org stp") == (None, "awa.diallo@example.org")
    bad_answers = (
        "06 12",
        "awa@",
        "awa@example",
        "a..b@example.org",
        "ben au boulot",
        "+1 202 555 0100",
    )
    for bad in bad_answers:
        with pytest.raises(NoContact):
            read_contact(bad)


def test_themes_quartiers_and_references_as_typed():
    assert read_theme("Garde d'enfants") == "garde-enfants"
    assert read_theme("c pour le permis") == "mobilite"
    assert read_theme("jsp") is None
    assert read_quartier("vers les marronniers", QUARTIERS) == "Les Marronniers"
    assert read_quartier("Autre", QUARTIERS) == "autre"
    assert read_quartier("la lune", QUARTIERS) is None
    assert find_alert_reference("elle en est ou al 7k3p 9qx2 ?") == "AL-7K3P-9QX2"


def test_staff_writing_for_someone_is_recognised():
    assert on_behalf("une dame à l'accueil voudrait être rappelée")
    assert on_behalf("c'est pour ma mère, elle parle pas français")
    assert not on_behalf("je veux parler à une personne")
    assert not on_behalf("une personne de l'accueil peut m'appeler ?")


def test_the_summary_keeps_typed_messages_without_contacts_and_is_short():
    text = summary(["/greet", "mon num 06 39 98 00 62", "écrivez à moi@example.org", "x" * 2000])
    assert "06 39" not in text and "example.org" not in text and "[téléphone]" in text
    assert len(text) <= 600 and text.endswith("…")


def test_redact_leaves_other_numbers():
    assert redact("j'ai 27 ans") == "j'ai 27 ans"


def test_alerts_go_to_the_matching_referent_else_the_coordinator(kb):
    territory = kb.territory
    assert territory.referent_for("emploi", "Les Tilleuls").name == "Karim Fictif (démo)"
    assert territory.referent_for("mobilite", "Les Marronniers").name == "Nadia Essai (démo)"
    assert territory.referent_for("logement", "autre").name == "Sophie Modèle (démo)"
    assert territory.referent_for("mobilite", "Les Tilleuls") == territory.coordinator
    assert territory.callback_delay
