"""Custom actions, run in-process with rasa_sdk's own Tracker and dispatcher on the real
knowledge base and domain (the same actions are exercised over HTTP in test_conversations.py)."""

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionDefaultAskAffirmation
from bot.actions.human_contact import ActionDefaultFallback, ActionReceptionContact
from bot.actions.knowledge import ActionAnswerAspect, ActionAnswerFiche, ActionListTheme

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True, scope="module")
def own_database(tmp_path_factory):
    """The actions record for the console (bot/actions/review.py): never into var/."""
    with pytest.MonkeyPatch.context() as patch:
        database = tmp_path_factory.mktemp("actions") / "review.db"
        patch.setenv("DATABASE_URL", f"sqlite:///{database}")
        yield


def tracker(intent, entities=(), ranking=(), channel="rest", earlier_slot=None) -> Tracker:
    events = []
    if earlier_slot:
        events.append({"event": "slot", "name": "dispositif", "value": earlier_slot})
    events.append(
        {
            "event": "user",
            "text": "...",
            "input_channel": channel,
            "parse_data": {"intent": {"name": intent}},
        }
    )
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "intent_ranking": list(ranking),
        "text": "...",
    }
    return Tracker(
        "resident", {"dispositif": earlier_slot}, latest, events, False, None, {}, "action_listen"
    )


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, DOMAIN)
    return dispatcher.messages, events


def test_fiche_answer_comes_from_the_fiche_with_its_sources(kb):
    messages, events = run(ActionAnswerFiche(), tracker("info_cej"))
    fiche = kb.fiche("cej")
    assert messages[0]["text"] == fiche.aspect("overview")
    payload = messages[0]["custom"]
    assert payload["fiche"] == "cej"
    assert payload["verified"] == fiche.verified.isoformat()
    assert [s["url"] for s in payload["sources"]] == [str(s.url) for s in fiche.sources]
    assert messages[1]["response"] == "utter_fiche_followup"
    assert events == [SlotSet("dispositif", "cej")]


def test_sms_channel_gets_the_short_answer(kb):
    messages, _ = run(ActionAnswerFiche(), tracker("info_service_civique", channel="sms"))
    assert messages[0]["text"] == kb.fiche("service-civique").sms


def test_follow_up_answers_the_aspect_of_the_dispositif_in_context(kb):
    messages, events = run(ActionAnswerAspect(), tracker("ask_amount", earlier_slot="logement"))
    assert messages[0]["text"] == kb.fiche("logement").aspect("amount")
    assert messages[0]["custom"]["aspect"] == "amount"
    assert events == [SlotSet("dispositif", "logement")]


def test_a_named_dispositif_wins_over_the_context(kb):
    named = [{"entity": "dispositif", "value": "e2c"}]
    messages, _ = run(ActionAnswerAspect(), tracker("ask_eligibility", named, earlier_slot="cej"))
    assert messages[0]["text"] == kb.fiche("e2c").aspect("eligibility")


def test_an_unknown_entity_value_falls_back_to_the_context(kb):
    garbage = [{"entity": "dispositif", "value": "truc inconnu"}]
    messages, _ = run(
        ActionAnswerAspect(), tracker("ask_how_to_apply", garbage, earlier_slot="iae")
    )
    assert messages[0]["text"] == kb.fiche("iae").how_to_apply


def test_follow_up_without_context_asks_which_dispositif():
    messages, events = run(ActionAnswerAspect(), tracker("ask_contact"))
    assert [m["response"] for m in messages] == ["utter_ask_which_dispositif"]
    assert events == [SlotSet("dispositif", None)]


def test_theme_lists_its_fiches_as_buttons(kb):
    messages, _ = run(
        ActionListTheme(), tracker("choose_theme", [{"entity": "theme", "value": "enfants"}])
    )
    titles = {button["title"] for button in messages[0]["buttons"]}
    assert titles == {fiche.title for fiche in kb.by_theme("enfants")}
    assert kb.fiche("creches-avip").title in titles


def test_unknown_theme_says_so():
    messages, _ = run(
        ActionListTheme(), tracker("choose_theme", [{"entity": "theme", "value": "ski"}])
    )
    assert messages[0]["response"] == "utter_theme_unknown"


def test_affirmation_suggests_fiche_titles_then_fixed_choices(kb):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "info_logement", "confidence": 0.4},
        {"name": "greet", "confidence": 0.2},
        {"name": "info_aides_financieres", "confidence": 0.1},
    ]
    messages, _ = run(ActionDefaultAskAffirmation(), tracker("nlu_fallback", ranking=ranking))
    titles = [button["title"] for button in messages[0]["buttons"]]
    fixed = [b["title"] for b in DOMAIN["responses"]["utter_ask_affirmation"][0]["buttons"]]
    assert titles == [kb.fiche("logement").title, kb.fiche("aides-financieres").title] + fixed
    assert messages[0]["buttons"][0]["payload"] == "/info_logement"


def test_affirmation_without_a_fiche_candidate_asks_to_rephrase():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}]
    messages, _ = run(ActionDefaultAskAffirmation(), tracker("nlu_fallback", ranking=ranking))
    assert messages[0]["response"] == "utter_ask_rephrase"


def test_reception_contact_comes_from_the_territory_file(kb):
    messages, _ = run(ActionReceptionContact(), tracker("talk_to_human"))
    assert messages[0]["response"] == "utter_reception_contact"
    assert messages[0]["reception_phone"] == kb.territory.reception.phone


def test_final_fallback_hands_over_and_forgets_the_message(kb):
    messages, events = run(ActionDefaultFallback(), tracker("nlu_fallback"))
    assert [m["response"] for m in messages] == [
        "utter_default",
        "utter_reception_contact",
        "utter_offer_alert",
    ]
    assert events == [UserUtteranceReverted()]
