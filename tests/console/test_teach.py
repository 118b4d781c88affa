"""Teaching: inbox messages assigned to an intent, a dispositif or a new intent, exported as NLU
YAML into a temp copy of bot/data that `rasa data validate` accepts."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.storage.models import ReviewItem, TrainingExample
from bot.storage.review import record_review
from console.training_data import _examples_in, export
from tests.console.conftest import sign_in

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "bot" / "nlu" / "heldout.yml"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A copy of the training data: the export must never touch the real bot/data."""
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "bot" / "data", copy)
    return copy


async def test_taught_messages_are_exported_as_valid_training_data(client, db, settings, data_copy):
    settings.data_dir = data_copy
    settings.export_file = data_copy / "nlu" / "console_examples.yml"
    cantine = record_review(
        db,
        territory="demo",
        reason="fallback",
        channel="rest",
        text="ya une aide pour payer la cantine de mon fils au [téléphone]",
    )
    record_review(
        db,
        territory="demo",
        reason="fallback",
        channel="sms",
        text="Ya une aide pour payer la cantine de mon fils au [téléphone] ?",
    )
    permis = record_review(
        db,
        territory="demo",
        reason="low_confidence",
        channel="rest",
        text="g besoin de sous pour le code de la route",
    )
    navigo = record_review(
        db,
        territory="demo",
        reason="fallback",
        channel="rest",
        text="le passe navigo solidarité c'est pour qui",
    )
    heldout_text = next(text for intent, text in _examples_in(HELDOUT) if intent == "info_cej")
    leaked = record_review(
        db, territory="demo", reason="fallback", channel="rest", text=heldout_text
    )
    token = await sign_in(client)

    for item, form in (
        (cantine, {"intention": "info_aides_financieres"}),
        (permis, {"intention": "info_aides_mobilite"}),  # a dispositif: its info_ intent
        (navigo, {"nouvelle_intention": "info_navigo"}),
        (leaked, {"intention": "info_cej"}),
    ):
        response = await client.post(
            f"/boite/{item.id}/enseigner", data={"csrf_token": token, **form}
        )
        assert response.status == 200, await response.text()
    assert (
        await client.post(
            f"/boite/{cantine.id}/enseigner",
            data={"csrf_token": token, "intention": "pas_une_intention"},
        )
    ).status == 400
    assert (
        await client.post(
            f"/boite/{cantine.id}/enseigner",
            data={"csrf_token": token, "nouvelle_intention": "Pas Valide!"},
        )
    ).status == 400

    db.expire_all()
    assert {i.status for i in db.execute(select(ReviewItem)).scalars()} == {
        "done"
    }  # both cantine items
    assert len(db.execute(select(TrainingExample)).scalars().all()) == 4

    page = await client.post("/apprentissage/exporter", data={"csrf_token": token})
    html = await page.text()
    assert "2 exemple(s) écrit(s)" in html and "info_navigo" in html and "jeu de test" in html

    exported = yaml.safe_load(settings.export_file.read_text(encoding="utf-8"))
    assert exported["version"] == "3.1"
    assert {block["intent"]: block["examples"] for block in exported["nlu"]} == {
        "info_aides_financieres": (
            "- ya une aide pour payer la cantine de mon fils au 06 39 98 00 00\n"
        ),
        "info_aides_mobilite": "- g besoin de sous pour le code de la route\n",
    }
    waiting = yaml.safe_load(settings.new_intents_file.read_text(encoding="utf-8"))
    assert waiting["nlu"][0]["intent"] == "info_navigo"
    assert not (data_copy / "nlu" / "info_navigo.yml").exists()

    validated = subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            str(data_copy),
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]


def test_a_phrasing_known_under_another_intent_is_left_out(tmp_path, data_copy):
    intent, known = next(_examples_in(data_copy / "nlu" / "jeunes.yml"))
    report = export(
        [(known, "info_logement"), (known.upper(), intent), ("[email] [adresse]", "info_logement")],
        domain_file=ROOT / "domain.yml",
        data_dir=data_copy,
        export_file=data_copy / "nlu" / "console_examples.yml",
        new_intents_file=tmp_path / "new.yml",
        heldout_file=HELDOUT,
    )
    assert [reason for _, _, reason in report.skipped] == [
        f"déjà un exemple de « {intent} »",
        "déjà dans les données d'entraînement",
    ]
    assert report.written == {"info_logement": ["prenom.nom@example.org 1 rue de l'Exemple"]}
