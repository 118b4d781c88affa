"""bot/rasa_fixes.py changes what loading and answering cost, never what the model answers."""

import json
import subprocess
import sys

import pytest
from jsonschema import ValidationError

from bot import rasa_fixes
from bot.launcher import DEFAULT_MODEL, ROOT


def _predictions(fixed: bool) -> dict:
    command = [sys.executable, "-m", "tests.rasa_fixes_probe"] + (["--fixed"] if fixed else [])
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_model_predicts_the_same_with_and_without_the_fixes():
    assert DEFAULT_MODEL.exists(), "no trained model: run the tests with `make test`"
    stock, fixed = _predictions(fixed=False), _predictions(fixed=True)

    assert len(fixed["parses"]) == len(stock["parses"]) == 5
    for ours, rasas in zip(fixed["parses"], stock["parses"]):
        assert [name for name, _ in ours["intents"]] == [name for name, _ in rasas["intents"]]
        assert [c for _, c in ours["intents"]] == pytest.approx(
            [c for _, c in rasas["intents"]], abs=1e-5
        )
        assert ours["entities"] == rasas["entities"]
    assert any(parse["entities"] for parse in stock["parses"])  # DIET's entity layer took part
    for ours, rasas in zip(fixed["policies"], stock["policies"]):
        assert set(ours) == set(rasas) and ours
        for node in rasas:
            assert ours[node] == pytest.approx(rasas[node], abs=1e-5), node


def test_action_server_responses_are_still_validated():
    from rasa.core.actions.action import RemoteAction

    rasa_fixes.apply()
    action = RemoteAction("action_answer_knowledge", None)
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "Bonjour"}]}
    )
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 42}], "responses": "pas une liste"})
