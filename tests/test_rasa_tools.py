"""Rasa's own tools on the project: data validation, test stories, and the held-out NLU set."""

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml

from bot.evaluation import evaluate, load_examples
from bot.launcher import DEFAULT_MODEL
from tests.conftest import post_json

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


def rasa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def test_rasa_data_validate_is_clean():
    result = rasa(
        "data",
        "validate",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "bot/data",
        "--fail-on-warnings",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_rasa_test_stories_pass(tmp_path):
    result = rasa(
        "test",
        "core",
        "--model",
        str(DEFAULT_MODEL),
        "--stories",
        "tests/stories",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stderr[
        -3000:
    ]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", text).strip()  # letters of every script, digits


def training_texts() -> set:
    texts = set()
    for path in (ROOT / "bot" / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue  # lookup tables and synonyms list names, not messages
            for line in str(block.get("examples", "")).splitlines():
                plain = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line.lstrip("- "))
                texts.add(normalise(plain))
    return texts


def test_heldout_messages_are_not_training_examples():
    training = training_texts()
    copied = [e.text for e in load_examples() if normalise(e.text) in training]
    assert not copied, copied


def test_heldout_nlu_per_dispositif_accuracy(assistant):
    url = f"{assistant.rasa_url}/model/parse"
    report = evaluate(load_examples(), lambda text: post_json(url, {"text": text})[1])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nlu-heldout.json").write_text(
        json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    )
    print("\n" + report.table())
    assert len(report.per_dispositif) == 23
    assert report.overall_dispositif_accuracy >= 0.90, report.table()
    assert report.macro_dispositif_accuracy >= 0.90, report.table()
    assert report.intent_accuracy >= 0.75, report.table()  # reported; dispositif decides the answer
