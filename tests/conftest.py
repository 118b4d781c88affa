"""Shared fixtures: the real knowledge base, and the real Rasa + action servers over HTTP."""

import json
import urllib.request
import uuid
from typing import Optional
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge_base
from bot.launcher import DEFAULT_MODEL, Assistant, free_port  # noqa: F401 (tests import it here)

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "tests" / "logs"


@pytest.fixture(scope="session")
def kb():
    return load_knowledge_base()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The trained model (built by `make test` before pytest) served by the real servers, with a
    booking database of its own (the demo territory loaded), never the one in var/."""
    assert DEFAULT_MODEL.exists(), "no trained model: run the tests with `make test`"
    database = tmp_path_factory.mktemp("assistant") / "bookings.db"
    servers = Assistant(
        rasa_port=free_port(), action_port=free_port(), log_dir=LOG_DIR,
        database_url=f"sqlite:///{database}",
    )
    servers.start(timeout=400)
    yield servers
    servers.stop()


def post_json(url: str, payload: dict, timeout: float = 60, headers: Optional[dict] = None):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read().decode("utf-8"))


class Conversation:
    """One resident talking to the bot through the REST channel."""

    def __init__(self, assistant: Assistant) -> None:
        self.url = f"{assistant.rasa_url}/webhooks/rest/webhook"
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> list:
        status, messages = post_json(self.url, {"sender": self.sender, "message": text})
        assert status == 200
        return messages


@pytest.fixture
def conversation(assistant) -> Conversation:
    return Conversation(assistant)


def texts(messages: list) -> list:
    return [m["text"] for m in messages if "text" in m]


def payloads(messages: list) -> list:
    return [m["custom"] for m in messages if "custom" in m]


def buttons(messages: list) -> list:
    return [b for m in messages for b in m.get("buttons", [])]
