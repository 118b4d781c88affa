"""The knowledge base: the real fiches are complete and current, and broken files are refused
with an error that names the file and the field."""

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.gsm7 import septets, to_gsm7
from bot.knowledge import KnowledgeError, load_knowledge_base
from bot.knowledge.models import is_home_page
from bot.knowledge.review import wording_problems

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_IDS = {
    "cej",
    "emplois-francs",
    "aides-mobilite",
    "creches-avip",
    "cafe-emploi",
    "mission-locale",
    "france-travail",
    "plie",
    "cite-emploi",
    "apprentissage",
    "e2c",
    "clea",
    "numerique",
    "logement",
    "garde-enfants",
    "handicap",
    "aides-financieres",
    "parrainage",
    "creation-entreprise",
    "iae",
    "immersion",
    "francais",
    "service-civique",
}
TEXT_FIELDS = ("sms", "answer", "eligibility", "benefits", "how_to_apply", "contact", "next_step")


def all_text(fiche) -> str:
    return " ".join(getattr(fiche, field) for field in TEXT_FIELDS)


def test_every_expected_fiche_is_loaded(kb):
    assert set(kb.fiches) == EXPECTED_IDS


def test_short_answers_fit_two_gsm7_sms(kb):
    for fiche in kb.fiches.values():
        assert septets(to_gsm7(fiche.sms)) <= 306, fiche.id


def test_every_figure_has_a_dated_official_source(kb):
    for fiche in kb.fiches.values():
        urls = {str(source.url) for source in fiche.sources}
        assert urls, fiche.id
        for figure in fiche.figures:
            assert figure.source in urls, (fiche.id, figure.label)
        assert all(str(source.url).startswith("https://") for source in fiche.sources), fiche.id


@pytest.mark.parametrize("fiche_id", sorted(EXPECTED_IDS))
def test_every_text_explains_its_acronyms_and_keeps_sentences_short(kb, fiche_id):
    assert wording_problems(kb.fiche(fiche_id), kb.glossary) == []


def test_orientations_explain_their_acronyms(kb):
    for orientation in kb.orientations:
        assert kb.glossary.problems(orientation.answer) == [], orientation.id


def test_every_answer_ends_with_the_next_step(kb):
    for fiche in kb.fiches.values():
        for aspect in ("overview", "amount", "eligibility"):
            assert fiche.aspect(aspect).endswith(fiche.next_step), (fiche.id, aspect)
        assert len(fiche.next_step.split()) <= 20, fiche.id


def test_no_figure_dates_from_the_day_its_source_was_read(kb):
    """The day a page was read is not the day a rule took effect (2026-11-20 was both, for 30
    figures, before the audit)."""
    for fiche in kb.fiches.values():
        read = {str(s.url): s.verified for s in fiche.sources}
        for figure in fiche.figures:
            assert figure.applies_from != read[figure.source], (fiche.id, figure.label)
            assert not is_home_page(figure.source), (fiche.id, figure.label)


def test_glossary_terms_are_unique_and_explained(kb):
    assert len(kb.glossary.terms) >= 40
    assert all(term.means for term in kb.glossary.terms)
    assert kb.glossary.problems("Le CEJ (contrat d'engagement jeune).") == []
    assert kb.glossary.problems("Allez au CCAS, puis à la mairie.") != []
    assert kb.glossary.problems("Demandez le XYZW.") == ["'XYZW' is not in knowledge/glossary.yml"]


# --- the corrections of the fact sheet (2026-12-01), as the answers say them ---------------


def test_cej_amount_is_the_april_2025_one_and_says_so(kb):
    fiche = kb.fiche("cej")
    for text in (fiche.aspect("amount"), fiche.sms):
        assert "561,68 €" in text and "552,29" not in text, text
    assert re.search(r"avril 2025", fiche.aspect("amount")), fiche.benefits
    amount = next(f for f in fiche.figures if f.value == "561,68 €")
    assert amount.applies_from == date(2025, 4, 1) and amount.review_by is not None


def test_apprentices_500_euro_licence_aid_is_no_longer_offered(kb):
    for fiche_id in ("apprentissage", "aides-mobilite"):
        fiche = kb.fiche(fiche_id)
        text = all_text(fiche)
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if "500 €" in sentence:
                assert re.search(r"plus accordée|n'est plus|supprimée|plus possible", sentence), (
                    fiche_id,
                    sentence,
                )


def test_visale_caps_are_those_of_january_2026(kb):
    text = all_text(kb.fiche("logement"))
    assert "1 940 €" in text and "1 710 €" in text and "1 500 €" not in text
    assert "janvier 2026" in text


def test_age_is_for_a_parent_who_takes_a_job_or_a_training(kb):
    fiche = kb.fiche("garde-enfants")
    text = all_text(fiche)
    assert re.search(r"reprenez un emploi|reprend un emploi|commencez un emploi", text), text
    assert re.search(r"formation", text)
    assert not re.search(r"(parents?|vous) (qui )?cherche[zs]? (un )?emploi", text), text


def test_territoires_zero_chomeur_is_extended_to_end_2026(kb):
    text = all_text(kb.fiche("iae"))
    assert "fin 2026" in text and "juin 2026" not in text


def test_ofii_french_courses_aim_at_a2(kb):
    assert "A2" in all_text(kb.fiche("francais"))


def test_automatic_rqth_is_for_15_to_20_year_olds(kb):
    text = all_text(kb.fiche("handicap"))
    assert re.search(r"15 (à|a) 20 ans", text), text
    assert "dès 16 ans" not in text


def test_cite_emploi_no_longer_says_its_future_after_2024_is_unconfirmed(kb):
    text = all_text(kb.fiche("cite-emploi"))
    assert not re.search(r"après 2024", text), text


def test_emplois_francs_are_closed_to_new_hires(kb):
    fiche = kb.fiche("emplois-francs")
    assert fiche.status == "closed"
    for text in (fiche.sms, fiche.answer):
        assert "2025" in text, text


def test_france_travail_is_never_called_pole_emploi(kb):
    old_name = re.compile(r"(?<!ex-)(?<!ex )p[oô]le[ -]emploi", re.IGNORECASE)
    for fiche in kb.fiches.values():
        assert not old_name.search(all_text(fiche)), fiche.id


def test_agepi_is_presented_as_replaced_by_age(kb):
    fiche = kb.fiche("garde-enfants")
    text = all_text(fiche)
    assert "AGE" in text
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if "AGEPI" in sentence:
            assert re.search(r"remplac|ancienne|ex-", sentence, re.IGNORECASE), sentence


def test_each_fiche_has_an_intent_and_each_fiche_intent_has_a_fiche(kb):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    fiche_intents = {i for i in domain["intents"] if i.startswith("info_")}
    assert fiche_intents == {"info_" + i.replace("-", "_") for i in kb.fiches}


def test_every_menu_theme_lists_fiches(kb):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = [b["payload"] for b in domain["responses"]["utter_help_menu"][0]["buttons"]]
    themes = [re.search(r'"theme": "(\w+)"', p).group(1) for p in payloads if "theme" in p]
    assert len(themes) >= 8
    for theme in themes:
        assert kb.by_theme(theme), theme


# --- validation of broken knowledge bases -------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", copy)
    return copy


def edit_fiche(directory: Path, fiche_id: str, change) -> Path:
    path = directory / "fiches" / f"{fiche_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load_error(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge_base(directory)
    return str(raised.value)


def test_the_copy_itself_loads(knowledge_copy):
    assert len(load_knowledge_base(knowledge_copy).fiches) == len(EXPECTED_IDS)


def test_missing_field_names_file_and_field(knowledge_copy):
    edit_fiche(knowledge_copy, "cej", lambda d: d.pop("eligibility"))
    message = load_error(knowledge_copy)
    assert "cej.yml" in message and "'eligibility'" in message


def test_unknown_id_is_refused(knowledge_copy):
    shutil.copy(knowledge_copy / "fiches" / "cej.yml", knowledge_copy / "fiches" / "rsa.yml")
    message = load_error(knowledge_copy)
    assert "rsa.yml" in message and "unknown fiche id 'rsa'" in message


def test_id_must_match_file_name(knowledge_copy):
    edit_fiche(knowledge_copy, "plie", lambda d: d.update(id="cej"))
    message = load_error(knowledge_copy)
    assert "plie.yml" in message and "'id'" in message


def test_missing_fiche_file_is_reported(knowledge_copy):
    (knowledge_copy / "fiches" / "e2c.yml").unlink()
    assert "e2c.yml: missing file" in load_error(knowledge_copy)


def test_over_long_sms_names_file_and_field(knowledge_copy):
    edit_fiche(knowledge_copy, "iae", lambda d: d.update(sms="Trop long. " * 40))
    message = load_error(knowledge_copy)
    assert "iae.yml" in message and "'sms'" in message and "two SMS" in message


def test_sms_counts_the_euro_sign_as_two_characters(knowledge_copy):
    edit_fiche(knowledge_copy, "iae", lambda d: d.update(sms="€" * 154))
    assert "'sms'" in load_error(knowledge_copy)


def test_emoji_in_sms_is_refused(knowledge_copy):
    edit_fiche(knowledge_copy, "iae", lambda d: d.update(sms="Bonjour 👋"))
    assert "outside GSM-7" in load_error(knowledge_copy)


@pytest.mark.parametrize("bad_date", ["2026-13-45", "20/11/2026", "bientôt"])
def test_malformed_date_names_file_and_field(knowledge_copy, bad_date):
    edit_fiche(knowledge_copy, "clea", lambda d: d["sources"][0].update(verified=bad_date))
    message = load_error(knowledge_copy)
    assert "clea.yml" in message and "'sources.0.verified'" in message


def test_verification_date_in_the_future_is_refused(knowledge_copy):
    edit_fiche(knowledge_copy, "clea", lambda d: d["sources"][0].update(verified="2999-01-01"))
    assert "in the future" in load_error(knowledge_copy)


def test_figure_without_a_listed_source_is_refused(knowledge_copy):
    def add_unsourced_figure(data):
        data["figures"].append(
            {
                "label": "x",
                "value": "10 €",
                "applies_from": "2024-01-01",
                "source": "https://example.org/une-page",
            }
        )

    edit_fiche(knowledge_copy, "logement", add_unsourced_figure)
    message = load_error(knowledge_copy)
    assert "logement.yml" in message and "is not the url of one of the sources" in message


def test_figure_citing_a_home_page_is_refused(knowledge_copy):
    def cite_home_page(data):
        data["sources"][0]["url"] = "https://www.caf.fr/"
        data["figures"][0]["source"] = "https://www.caf.fr/"

    edit_fiche(knowledge_copy, "cej", cite_home_page)
    message = load_error(knowledge_copy)
    assert "cej.yml: field 'figures.0.source'" in message and "home page" in message


def test_figure_without_an_effective_date_is_refused(knowledge_copy):
    edit_fiche(knowledge_copy, "cej", lambda d: d["figures"][0].pop("applies_from"))
    assert "cej.yml: field 'figures.0.applies_from'" in load_error(knowledge_copy)


def test_amount_not_declared_as_a_figure_is_refused(knowledge_copy):
    edit_fiche(
        knowledge_copy, "cej", lambda d: d.update(benefits=d["benefits"] + " Prime de 999 €.")
    )
    message = load_error(knowledge_copy)
    assert "cej.yml" in message and "benefits: amount(s) 999" in message


def test_broken_yaml_names_the_file(knowledge_copy):
    (knowledge_copy / "fiches" / "francais.yml").write_text("id: [unclosed", encoding="utf-8")
    assert "francais.yml: cannot be read as YAML" in load_error(knowledge_copy)


def test_every_problem_is_reported_at_once(knowledge_copy):
    edit_fiche(knowledge_copy, "cej", lambda d: d.pop("title"))
    edit_fiche(knowledge_copy, "iae", lambda d: d.pop("contact"))
    message = load_error(knowledge_copy)
    assert "cej.yml" in message and "iae.yml" in message


# --- the territory file --------------------------------------------------------------------


def test_demo_territory_lists_fictional_centres_and_upcoming_sessions(kb):
    from datetime import datetime, timezone

    territory = kb.territory
    assert len(territory.centres_sociaux) >= 2
    assert all("(démo)" in centre.name for centre in territory.centres_sociaux)
    assert re.fullmatch(r"01 99 00 \d\d \d\d|06 39 98 \d\d \d\d", territory.reception.phone)
    assert territory.reception.email.endswith("@example.org")
    now = datetime.now(timezone.utc)
    upcoming = [s for s in territory.sessions(now) if s.starts_at > now]
    assert len(upcoming) >= 8  # weekly series: never stale, whatever the date
    slugs = {centre.slug for centre in territory.centres_sociaux}
    assert all(session.centre in slugs for session in territory.sessions(now))


def edit_territory(directory: Path, change) -> Path:
    path = directory / "territory" / "demo.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_bad_weekly_session_names_file_and_field(knowledge_copy):
    edit_territory(
        knowledge_copy, lambda d: d["cafe_sessions"][0]["recurring"].update(weekday="jeudy")
    )
    message = load_error(knowledge_copy)
    assert "demo.yml" in message and "'cafe_sessions.0.recurring.weekday'" in message


def test_session_at_an_unknown_centre_is_refused(knowledge_copy):
    edit_territory(knowledge_copy, lambda d: d["cafe_sessions"][1].update(centre="nulle-part"))
    message = load_error(knowledge_copy)
    assert "demo.yml" in message and "marronniers-mardi: unknown centre 'nulle-part'" in message


def test_unknown_territory_field_is_refused(knowledge_copy):
    edit_territory(knowledge_copy, lambda d: d["centres_sociaux"][0].update(parking="oui"))
    assert "'centres_sociaux.0.parking'" in load_error(knowledge_copy)


# --- orientations: where to go for what no fiche covers -----------------------------------


def test_orientations_are_sourced_and_found_whatever_the_spelling(kb):
    assert {
        "titre-sejour",
        "carte-vitale",
        "caf",
        "amende",
        "papiers-identite",
        "france-services",
    } <= {o.id for o in kb.orientations}
    for orientation in kb.orientations:
        assert orientation.sources and all(
            s.url.path not in (None, "", "/") for s in orientation.sources
        ), orientation.id
    assert kb.orientation_for("RENOUVELLEMENT CARTE D’IDENTITÉ").id == "papiers-identite"
    assert kb.orientation_for("la recette des crêpes") is None


def edit_orientations(directory: Path, change) -> None:
    path = directory / "orientations.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["orientations"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_orientation_without_words_or_with_a_bad_url_names_file_and_field(knowledge_copy):
    def change(orientations):
        orientations[0]["words"] = []
        orientations[1]["sources"][0]["url"] = "pas une adresse"

    edit_orientations(knowledge_copy, change)
    message = load_error(knowledge_copy)
    assert "orientations.yml: field 'orientations.0.words'" in message
    assert "orientations.yml: field 'orientations.1.sources.0.url'" in message


def test_orientation_ids_are_unique(knowledge_copy):
    edit_orientations(knowledge_copy, lambda o: o[1].update(id=o[0]["id"]))
    assert "appear more than once" in load_error(knowledge_copy)


def test_fiches_name_local_offer_thematiques_of_the_schema(kb):
    assert "mobilite--preparer-un-permis" in kb.fiches["aides-mobilite"].thematiques
    assert kb.fiches["garde-enfants"].thematiques == ["famille--garde-denfants"]
    assert kb.fiches["cej"].thematiques == []  # left out: no local service fits


def test_a_thematique_outside_the_data_inclusion_vocabulary_is_refused(knowledge_copy):
    edit_fiche(knowledge_copy, "francais", lambda d: d.update(thematiques=["apprendre-francais"]))
    message = load_error(knowledge_copy)
    assert "francais.yml" in message and "'apprendre-francais' not in the data·inclusion" in message
