"""The Rasa server as the assistant runs it: `python -m bot.server run …` takes the arguments of
`rasa run …` and is Rasa's own command, with bot/rasa_fixes.py applied before the model loads
(a cold start in seconds instead of a minute, and less CPU per custom action).

Rasa's HTTP API (`--enable-api`) can replace the model, read and rewrite any conversation: it
refuses to start with the API on an interface beyond loopback without `--auth-token`, and in the
production profile without one at all."""

import sys
from typing import List

from bot import log_privacy, rasa_fixes
from bot.settings import SettingsError, check_secret, is_production

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _option(argv: List[str], name: str, default: str = "") -> str:
    for index, argument in enumerate(argv):
        if argument == name and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return default


def check_api_protection(argv: List[str]) -> None:
    """SettingsError when Rasa's HTTP API would be open to whoever reaches the port."""
    if "--enable-api" not in argv:
        return
    interface = _option(argv, "--interface", "0.0.0.0")  # Rasa's own default
    token = _option(argv, "--auth-token")
    if interface not in LOOPBACK and not token:
        raise SettingsError(
            f"Rasa's HTTP API on {interface} needs --auth-token (or --interface 127.0.0.1)")
    if is_production():
        check_secret("RASA_AUTH_TOKEN (--auth-token)", token)


def main() -> None:
    log_privacy.install()
    try:
        check_api_protection(sys.argv[1:])
    except SettingsError as error:
        sys.exit(f"bot.server: {error}")
    rasa_fixes.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
