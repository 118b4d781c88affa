"""Where the console reads and writes: one object, so tests can point everything at temp copies.

Defaults are the project's own files; environment variables override them for `python -m
console` (see console/README.md), tests pass values to `Settings(...)` directly.
"""

import base64
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from bot.settings import check_secret
from bot.storage.database import database_url
from bot.transports.sms_config import SmsConfig

ROOT = Path(__file__).resolve().parents[1]


def _path(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default)


def _secret_key() -> bytes:
    """CONSOLE_SECRET_KEY (32 bytes, url-safe base64) keeps sessions across restarts; without
    it a fresh key is drawn and everyone signs in again after a restart (demo profile only:
    production requires it, bot/settings.py)."""
    configured = check_secret("CONSOLE_SECRET_KEY", os.environ.get("CONSOLE_SECRET_KEY", ""))
    if configured:
        return base64.urlsafe_b64decode(configured)
    return secrets.token_bytes(32)


@dataclass
class Settings:
    database_url: str = field(default_factory=database_url)
    # Training data: the exported examples go in `export_file`, inside `data_dir`; examples of
    # intents the domain does not know yet wait in `new_intents_file`, outside the training data.
    data_dir: Path = field(default_factory=lambda: _path("CONSOLE_DATA_DIR", ROOT / "bot" / "data"))
    export_file: Optional[Path] = None
    new_intents_file: Path = field(
        default_factory=lambda: _path(
            "CONSOLE_NEW_INTENTS", ROOT / "var" / "console" / "new_intents.yml"
        )
    )
    domain_file: Path = field(default_factory=lambda: _path("CONSOLE_DOMAIN", ROOT / "domain.yml"))
    config_file: Path = field(default_factory=lambda: _path("CONSOLE_CONFIG", ROOT / "config.yml"))
    heldout_file: Path = field(
        default_factory=lambda: _path("CONSOLE_HELDOUT", ROOT / "bot" / "nlu" / "heldout.yml")
    )
    # The model the Rasa server serves, and where candidates, their logs and reports go.
    active_model: Path = field(
        default_factory=lambda: _path("RASA_MODEL", ROOT / "models" / "cites-emploi.tar.gz")
    )
    work_dir: Path = field(
        default_factory=lambda: _path("CONSOLE_WORK_DIR", ROOT / "var" / "console")
    )
    # The running Rasa server: loads the activated model (PUT /model; none: restart it) and
    # answers the reception desk (/accueil, through its REST channel; none: the desk is closed).
    rasa_url: Optional[str] = field(default_factory=lambda: os.environ.get("CONSOLE_RASA_URL"))
    rasa_token: Optional[str] = field(default_factory=lambda: os.environ.get("RASA_AUTH_TOKEN"))
    python: List[str] = field(default_factory=lambda: [sys.executable])
    secret_key: bytes = field(default_factory=_secret_key)
    # Cookies only over HTTPS: set CONSOLE_SECURE_COOKIE=1 behind TLS.
    secure_cookie: bool = field(
        default_factory=lambda: os.environ.get("CONSOLE_SECURE_COOKIE") == "1"
    )
    # The SMS channel's settings (operator, hash key): the desk sends fiches through its outbox.
    sms: SmsConfig = field(default_factory=SmsConfig.load)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.export_file is None:
            self.export_file = self.data_dir / "nlu" / "console_examples.yml"
