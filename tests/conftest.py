"""Shared fixtures: the real knowledge base, and the real Rasa + action servers over HTTP."""

import json
import re
import shutil
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

import pytest

from bot.knowledge import load_knowledge_base
from bot.launcher import DEFAULT_MODEL, Assistant, free_port
from bot.storage.database import make_engine, session_factory

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "tests" / "logs"
# The tests' phone numbers (ARCEP fiction range 06 39 98 xx xx), however written: none may reach
# a log of the processes the tests run (bot/log_privacy.py).
LOGGED_PHONE = re.compile(r"(?:\+33\s?|0033\s?|0)6[ .-]?39[ .-]?98(?:[ .-]?\d){4}")


def pytest_sessionstart(session) -> None:
    """Each run writes its own logs: the check below reads only this run's."""
    shutil.rmtree(LOG_DIR, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Every log of the run is read for the phone numbers the tests used: one found fails it."""
    found = []
    for path in sorted(LOG_DIR.rglob("*.log")):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if LOGGED_PHONE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line[:160]}")
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "phone numbers in the logs:\n" + "\n".join(found[:20])
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = 1


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
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=LOG_DIR,
        database_url=f"sqlite:///{database}",
    )
    servers.start(timeout=400)
    yield servers
    servers.stop()


@pytest.fixture
def assistant_db(assistant):
    """A session on the running assistant's own database, to check what a conversation stored."""
    engine = make_engine(assistant.database_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def post_json(url: str, payload: dict, timeout: float = 60, headers: Optional[dict] = None):
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
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
