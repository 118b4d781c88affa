"""The production profile refuses to start a process on a missing secret or a demo value, and
says which; Rasa's HTTP API is never open beyond loopback without a token."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, check_secret, secret

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k9Xw2Lq7Zr4Tn8Vb6Hs3"


def _start(command, tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMS_", "ACTION_SERVER", "CITES_", "RASA_AUTH"))
    }
    environ.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "hash_key, says",
    [
        (None, "SMS_HASH_KEY is required in production"),
        ("demo-hash-key-not-a-secret", "SMS_HASH_KEY is a demo value"),
        ("short", "SMS_HASH_KEY is shorter than 16"),
    ],
)
def test_the_reminder_sender_refuses_to_start_without_a_real_hash_key(tmp_path, hash_key, says):
    env = {
        "CITES_PROFILE": "production",
        "SMS_AUTH_TOKEN": STRONG,
        "SMS_PUBLIC_URL": "https://assistant.example.org",
    }
    if hash_key:
        env["SMS_HASH_KEY"] = hash_key
    result = _start(["bot.reminders", "--once"], tmp_path, **env)
    assert result.returncode != 0 and says in result.stderr, result.stderr[-2000:]


def test_production_requires_the_public_url_of_the_sms_webhook(tmp_path):
    result = _start(
        ["bot.reminders", "--once"],
        tmp_path,
        CITES_PROFILE="production",
        SMS_AUTH_TOKEN=STRONG,
        SMS_HASH_KEY=STRONG + "x",
    )
    assert result.returncode != 0 and "SMS_PUBLIC_URL is required" in result.stderr


def test_the_action_server_refuses_to_start_without_its_secret(tmp_path):
    result = _start(["bot.action_server", "--port", "1"], tmp_path)
    assert result.returncode != 0 and "ACTION_SERVER_TOKEN is required" in result.stderr


def test_rasa_api_beyond_loopback_needs_a_token(tmp_path):
    open_api = _start(
        ["bot.server", "run", "--enable-api", "--interface", "0.0.0.0", "--port", "1"], tmp_path
    )
    assert open_api.returncode != 0
    assert "needs --auth-token" in open_api.stderr
    weak = _start(
        [
            "bot.server",
            "run",
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            "1",
            "--auth-token",
            "demo-token",
        ],
        tmp_path,
        CITES_PROFILE="production",
    )
    assert weak.returncode != 0 and "is a demo value" in weak.stderr


def test_demo_profile_fills_in_and_production_checks():
    assert secret("X_KEY", "demo-x", environ={}) == "demo-x"
    with pytest.raises(SettingsError, match="X_KEY is required in production"):
        secret("X_KEY", "demo-x", environ={"CITES_PROFILE": "production"})
    assert check_secret("X_KEY", STRONG, {"CITES_PROFILE": "production"}) == STRONG
    with pytest.raises(SettingsError, match="CITES_PROFILE='prod'"):
        secret("X_KEY", "demo-x", environ={"CITES_PROFILE": "prod"})
