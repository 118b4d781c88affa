"""Retraining in the background with real subprocesses: `rasa train` of a candidate, held-out
evaluation of the candidate and of the active model (bot/evaluation.py), and the decision.

A full training of the project's model takes longer than a test should (over 6 minutes on two
shared cores), so the candidate here is trained on a small real data set with a small real
pipeline: it is worse than the active model, and must not replace it. The decision rule is then
checked on the two real evaluation reports the run produced."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from console.app import create_app
from console.retrain import JOBS, decide
from tests.console.conftest import sign_in

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
ACTIVE_MODEL = ROOT / "models" / "cites-emploi.tar.gz"
SMALL_CONFIG = """\
recipe: default.v1
language: fr
assistant_id: console-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 1
    random_seed: 1
policies: []
"""
SMALL_DOMAIN = 'version: "3.1"\nintents:\n  - info_cej\n  - info_logement\n  - greet\n'
SMALL_NLU = """\
version: "3.1"
nlu:
  - intent: info_cej
    examples: |
      - c koi le cej
      - contrat d'engagement jeune
      - aide pour les jeunes avec un conseiller
  - intent: info_logement
    examples: |
      - je cherche un logement
      - aide pour le loyer
      - trouver un appart
  - intent: greet
    examples: |
      - bonjour
      - salut
      - wesh
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_project(settings, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(SMALL_NLU, encoding="utf-8")
    (tmp_path / "config.yml").write_text(SMALL_CONFIG, encoding="utf-8")
    (tmp_path / "domain.yml").write_text(SMALL_DOMAIN, encoding="utf-8")
    assert ACTIVE_MODEL.exists(), "no trained model: run the tests with `make test`"
    shutil.copy2(ACTIVE_MODEL, tmp_path / "active.tar.gz")
    settings.data_dir, settings.export_file = tmp_path / "data", tmp_path / "data" / "console.yml"
    settings.config_file, settings.domain_file = tmp_path / "config.yml", tmp_path / "domain.yml"
    settings.active_model = tmp_path / "active.tar.gz"
    return settings


async def test_a_worse_candidate_is_trained_evaluated_and_not_activated(small_project):
    settings = small_project
    before = _digest(settings.active_model)
    app = create_app(settings)
    async with TestClient(TestServer(app)) as client:
        token = await sign_in(client)
        started = await client.post(
            "/apprentissage/reentrainer", data={"csrf_token": token}, allow_redirects=False
        )
        assert started.status == 303
        run_page = started.headers["Location"]
        assert run_page == "/apprentissage/entrainements/1"
        progress = await (await client.get(run_page)).text()
        assert "Entraînement en cours" in progress and 'http-equiv="refresh"' in progress
        again = await client.post("/apprentissage/reentrainer", data={"csrf_token": token})
        assert again.status == 409  # one run at a time

        await app[JOBS].wait()
        result = await (await client.get(run_page)).text()

    assert "Refusé (moins bon)" in result, result
    assert "le modèle actif est conservé" in result
    assert "Modèle actif" in result and "Candidat" in result
    assert 'http-equiv="refresh"' not in result
    assert _digest(settings.active_model) == before
    assert (settings.work_dir / "candidate-1.tar.gz").exists()
    log = (settings.work_dir / "run-1.log").read_text(encoding="utf-8")
    assert "rasa train --force" in log and "-m bot.evaluation" in log

    active = json.loads(next(settings.work_dir.glob("active-*.json")).read_text(encoding="utf-8"))
    candidate = json.loads((settings.work_dir / "candidate-1.json").read_text(encoding="utf-8"))
    assert active["examples"] == candidate["examples"] > 200
    assert active["dispositif_accuracy"] > candidate["dispositif_accuracy"]
    for figure in (active["dispositif_accuracy"], candidate["dispositif_accuracy"]):
        assert f"{figure * 100:.1f} %".replace(".", ",") in result

    assert not decide(active, candidate).activate
    assert decide(active, active).activate  # as good: activated
    assert decide(candidate, active).activate

    message = app[JOBS].activate(settings.work_dir / "candidate-1.tar.gz")
    assert "Redémarrez" in message  # no Rasa server URL configured
    assert _digest(settings.active_model) == _digest(settings.work_dir / "candidate-1.tar.gz")
    assert [_digest(p) for p in settings.work_dir.glob("previous-*.tar.gz")] == [before]
