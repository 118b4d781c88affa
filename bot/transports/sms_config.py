"""The SMS settings, shared by the SMS channel and every process that sends SMS: environment
variables first (secrets stay out of files), then the `channels.sms.SmsInput` entry of
credentials.yml, then demo defaults that are plainly fictional
(an account that does not exist, numbers from the ARCEP fiction range 06 39 98 xx xx). In the
production profile (bot/settings.py) the secrets must be set and not demo values, and the public
URL must be given (behind a proxy every SMS would otherwise fail its signature check).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

from bot.settings import (
    DEMO_SMS_HASH_KEY,
    SMS_HASH_KEY_VARIABLE,
    SettingsError,
    check_secret,
    is_production,
)

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS_KEY = "channels.sms.SmsInput"
WEBHOOK_PATH = "/webhooks/sms/webhook"

# setting: (environment variable, demo default)
SETTINGS: Dict[str, Tuple[str, Any]] = {
    "account_sid": ("SMS_ACCOUNT_SID", "ACdemo0000000000000000000000000000"),
    "auth_token": ("SMS_AUTH_TOKEN", "demo-auth-token-not-a-secret"),
    "from_number": ("SMS_FROM_NUMBER", "+33639980000"),
    "public_url": ("SMS_PUBLIC_URL", ""),
    "api_base": ("SMS_API_BASE", "https://api.twilio.com"),
    "hash_key": (SMS_HASH_KEY_VARIABLE, DEMO_SMS_HASH_KEY),
    "rate_limit_messages": ("SMS_RATE_LIMIT_MESSAGES", 10),
    "rate_limit_minutes": ("SMS_RATE_LIMIT_MINUTES", 10),
    "send_timeout": ("SMS_SEND_TIMEOUT", 10),
    "retry_interval": ("SMS_RETRY_INTERVAL", 30),
}
SECRETS = ("auth_token", "hash_key")


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str
    auth_token: str
    from_number: str
    # Base URL Twilio calls (behind a proxy, not the Host we see); empty: the request's own URL.
    public_url: str
    # Twilio's REST API; the tests point it at a local imitation.
    api_base: str
    # Key of the phone-number hashes (opt-out, rate limit): changing it forgets the opt-outs.
    hash_key: str
    rate_limit_messages: int
    rate_limit_minutes: float
    send_timeout: float
    retry_interval: float

    @classmethod
    def from_sources(
        cls,
        credentials: Optional[Mapping[str, Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "SmsConfig":
        credentials = credentials or {}
        environ = os.environ if environ is None else environ
        values: Dict[str, Any] = {}
        for field, (variable, default) in SETTINGS.items():
            value = environ.get(variable) or credentials.get(field)
            values[field] = type(default)(value) if value not in (None, "") else default
            if field in SECRETS:  # a secret left to its demo default is a missing one
                given = "" if value in (None, "") else values[field]
                values[field] = check_secret(variable, given, environ) or default
        if is_production(environ) and not values["public_url"]:
            raise SettingsError(
                "SMS_PUBLIC_URL is required in production (the URL the operator "
                "calls, which its signature covers)"
            )
        return cls(**values)

    @classmethod
    def load(cls, credentials_file: Path = ROOT / "credentials.yml") -> "SmsConfig":
        """The settings as the Rasa server started with `credentials_file` sees them."""
        entries = yaml.safe_load(credentials_file.read_text(encoding="utf-8")) or {}
        return cls.from_sources(entries.get(CREDENTIALS_KEY))

    def webhook_url(self, request_url: str) -> str:
        """The URL Twilio signed: the public base plus the webhook path, else the request's."""
        if self.public_url:
            return self.public_url.rstrip("/") + WEBHOOK_PATH
        return request_url
