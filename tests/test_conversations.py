"""Real conversations: the trained model on a running Rasa server, with the action server, over
the REST channel, as a resident's phone or the web widget would talk to it."""

import re

import pytest

from tests.conftest import Conversation, buttons, payloads, post_json, texts


def test_cej_question_in_texting_style_gets_the_sourced_cej_answer(conversation, kb):
    messages = conversation.say("c koi le cej")
    assert kb.fiche("cej").aspect("overview") in texts(messages)
    payload = payloads(messages)[0]
    assert payload["fiche"] == "cej"
    assert payload["sources"] and all(s["url"].startswith("https://") for s in payload["sources"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", payload["verified"])


def test_emplois_francs_answer_says_new_hires_no_longer_qualify(conversation, kb):
    messages = conversation.say("emploi franc")
    assert payloads(messages)[0]["fiche"] == "emplois-francs"
    assert payloads(messages)[0]["status"] == "closed"
    assert kb.fiche("emplois-francs").aspect("overview") in texts(messages)


@pytest.mark.parametrize(
    "message, fiche",
    [
        ("slt jveux passer le permi mais g pa d'argent", "aides-mobilite"),
        ("je cherche une nounou pour ma fille de 2 ans pendant que je bosse", "garde-enfants"),
        (
            "une dame a l'accueil demande comment faire reconnaitre son handicap pour travailler",
            "handicap",
        ),
        ("moi pas parler bien francais, je veux apprendre pour travail", "francais"),
    ],
)
def test_implied_dispositif_is_recognised(conversation, message, fiche):
    assert payloads(conversation.say(message))[0]["fiche"] == fiche


def test_follow_ups_answer_the_aspect_of_the_dispositif_in_context(conversation, kb):
    fiche = kb.fiche("service-civique")
    conversation.say("c quoi le service civique")
    amount = conversation.say("et c'est combien ?")
    assert fiche.aspect("amount") in texts(amount)
    assert payloads(amount)[0] == dict(
        payloads(amount)[0], fiche="service-civique", aspect="amount"
    )
    # Said with an age, the eligibility question is answered for the person (the pre-check).
    eligibility = conversation.say("j'ai 27 ans ça marche ?")
    assert texts(eligibility)[0].startswith("D'après ce que vous me dites : non.")
    assert payloads(eligibility)[0]["fiche"] == "service-civique"
    assert fiche.aspect("eligibility") in texts(conversation.say("c'est pour qui ?"))
    how = conversation.say("comment je m'inscris ?")
    assert fiche.how_to_apply in texts(how)


def test_corrected_facts_are_given_with_their_dates(assistant):
    """The four questions of the facts audit (2026-12-01), asked as residents write them."""
    cej = " ".join(texts(Conversation(assistant).say("c combien le cej")))
    assert "561,68 €" in cej and "avril 2025" in cej and "552,29" not in cej, cej
    licence = " ".join(texts(Conversation(assistant).say("aide permis apprenti")))
    assert "permis" in licence
    for sentence in re.split(r"(?<=[.!?])\s+", licence):
        assert "500 €" not in sentence or "plus" in sentence, sentence
    visale = " ".join(texts(Conversation(assistant).say("visale plafond loyer")))
    assert "1 940 €" in visale and "janvier 2026" in visale, visale
    age = " ".join(
        texts(Conversation(assistant).say("aide garde enfant france travail c pour qui"))
    )
    assert re.search(r"emploi|formation", age) and "cherchez un emploi" not in age, age


def test_greeting_thanks_and_goodbye(conversation):
    assert texts(conversation.say("bjr"))[0].startswith("Bonjour")
    assert "plaisir" in texts(conversation.say("merci bcp"))[0]
    assert "revoir" in texts(conversation.say("bonne journée au revoir"))[0]


def test_help_menu_offers_theme_buttons_that_list_fiches(conversation, kb):
    menu = buttons(conversation.say("menu"))
    assert any(b["title"] == "Faire garder mes enfants" for b in menu)
    theme_payload = next(b["payload"] for b in menu if b["title"] == "Faire garder mes enfants")
    listed = {b["title"] for b in buttons(conversation.say(theme_payload))}
    assert listed == {f.title for f in kb.by_theme("enfants")}


def test_asking_for_a_person_gives_the_reception_contact(conversation, kb):
    reply = " ".join(texts(conversation.say("je veux parler a quelqu'un svp")))
    assert kb.territory.reception.phone in reply


def test_out_of_scope_is_polite_and_says_what_the_bot_knows(conversation):
    reply = " ".join(texts(conversation.say("c'est qui qui a gagné le match de foot hier soir")))
    assert "Désolé" in reply and "menu" in reply


@pytest.mark.parametrize(
    "message, orientation, where",
    [
        (
            "bonjour ma carte de séjour expire en janvier je fais comment pour la refaire",
            "titre-sejour",
            "préfecture",
        ),
        ("jai perdu ma carte vitale dans le bus", "carte-vitale", "CPAM"),
        ("Madame, j'ai reçu un PV de stationnement, je peux le contester ?", "amende", "ANTAI"),
        ("mon passeport est périmé, je dois le refaire avant l'été", "papiers-identite", "mairie"),
    ],
)
def test_public_service_request_gets_where_to_go_never_a_fiche(
    conversation, kb, message, orientation, where
):
    messages = conversation.say(message)
    reply = " ".join(texts(messages))
    assert "Je ne peux pas faire cette démarche" in reply and where in reply, reply
    custom = payloads(messages)
    assert [c["orientation"] for c in custom] == [orientation], custom
    assert not any("fiche" in c for c in custom)
    official = {str(s.url) for o in kb.orientations for s in o.sources}
    assert {s["url"] for s in custom[0]["sources"]} <= official
    assert "menu" in reply, "it says what the assistant can do instead"


def test_an_insult_gets_a_calm_answer_and_the_menu(conversation):
    messages = conversation.say("franchement vous etes des bons a rien avec votre robot")
    reply = " ".join(texts(messages))
    assert "sans vous juger" in reply, messages
    assert any(b["title"] == "Faire garder mes enfants" for b in buttons(messages))
    assert "Désolé, je ne peux pas répondre" not in reply


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "😭😭😭",
        "?!?!",
        "\x00\x01\x02",
        "<script>alert('x')</script>",
        "'; DROP TABLE bookings; --",
        "Hello, do you speak English? I am looking for a job",
        "necesito ayuda para encontrar trabajo",
        "je cherche du travail " * 230,  # about 5 000 characters
    ],
)
def test_bad_input_gets_a_polite_french_answer(conversation, message):
    messages = conversation.say(message)
    reply = " ".join(texts(messages))
    assert reply, messages
    assert "Traceback" not in reply and "<script>" not in reply
    assert re.search(r"[éèàùç]|\b(le|la|les|vous|je|de)\b", reply), reply


def test_two_stage_fallback_suggests_then_hands_over_to_a_person(conversation, kb):
    first = conversation.say("blorp zrgl fnak")
    first_titles = [b["title"] for b in buttons(first)]
    assert {"Autre chose", "Parler à quelqu'un"} <= set(first_titles), first
    assert len(first_titles) > 2, "the fiches the model hesitated between come first"
    rephrase = conversation.say("/out_of_scope")
    assert "autrement" in " ".join(texts(rephrase))
    # Still not understood after rephrasing: suggestions once more, and a second "no" hands over.
    second = conversation.say("kzzt vrumpf glorb")
    assert "Autre chose" in [b["title"] for b in buttons(second)], second
    final = " ".join(texts(conversation.say("/out_of_scope")))
    assert kb.territory.reception.phone in final


def test_rest_webhook_refuses_a_malformed_body_cleanly(assistant):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= error.value.code < 500


def test_model_parse_endpoint_is_served(assistant):
    status, parsed = post_json(f"{assistant.rasa_url}/model/parse", {"text": "garantie jeunes"})
    assert status == 200 and parsed["intent"]["name"]
