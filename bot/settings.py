"""What every process needs to know before it starts: its profile, and the secrets it holds.

`CITES_PROFILE=demo` (the default: `make run`, the tests) fills a missing setting with a plainly
fictional demo value. `CITES_PROFILE=production` (deploy/) refuses to start when a secret is
missing, is a demo value or is too short to be one, and says which: a process that quietly fell
back to a public demo key would, for one, not find the residents who answered STOP.
"""

import os
from typing import Mapping, Optional

PROFILE_VARIABLE = "CITES_PROFILE"
# The secret the Rasa server shows the action server (endpoints.yml, bot/action_server.py).
ACTION_TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
# The key of the phone-number hashes (the SMS channel's senders and opt-outs), and its demo value.
SMS_HASH_KEY_VARIABLE = "SMS_HASH_KEY"
DEMO_SMS_HASH_KEY = "demo-hash-key-not-a-secret"
DEMO, PRODUCTION = "demo", "production"
MIN_SECRET_LENGTH = 16
DEMO_MARKERS = ("demo", "not-a-secret", "changeme", "example")


class SettingsError(RuntimeError):
    """A process cannot start with these settings; the message names the variable."""


def profile(environ: Optional[Mapping[str, str]] = None) -> str:
    environ = os.environ if environ is None else environ
    value = environ.get(PROFILE_VARIABLE) or DEMO
    if value not in (DEMO, PRODUCTION):
        raise SettingsError(f"{PROFILE_VARIABLE}={value!r}: expected {DEMO!r} or {PRODUCTION!r}")
    return value


def is_production(environ: Optional[Mapping[str, str]] = None) -> bool:
    return profile(environ) == PRODUCTION


def check_secret(name: str, value: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """`value` as the secret `name`, refused in production when missing, demo or short."""
    if not is_production(environ):
        return value
    if not value:
        raise SettingsError(f"{name} is required in production ({PROFILE_VARIABLE}=production)")
    if any(marker in value.lower() for marker in DEMO_MARKERS):
        raise SettingsError(f"{name} is a demo value: set a secret of your own in production")
    if len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
    return value


def secret(
    name: str, demo_default: Optional[str] = None, environ: Optional[Mapping[str, str]] = None
) -> str:
    """The secret in the environment variable `name`; in the demo profile, `demo_default` when
    it is not set (None: required in every profile)."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    if not value and demo_default is None:
        raise SettingsError(f"{name} is required")
    fallback = "" if is_production(environ) else (demo_default or "")
    return check_secret(name, value or fallback, environ)


def sms_hash_key(environ: Optional[Mapping[str, str]] = None) -> str:
    """The key an SMS sender's number is hashed with: the action server checks with it that a
    number typed in an SMS conversation is the sender's own."""
    return secret(SMS_HASH_KEY_VARIABLE, DEMO_SMS_HASH_KEY, environ)
