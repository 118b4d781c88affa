"""The Rasa server as the assistant runs it: `python -m bot.server run …` takes the arguments of
`rasa run …` and is Rasa's own command, with bot/rasa_fixes.py applied before the model loads
(a cold start in seconds instead of a minute, and less CPU per custom action).

Rasa's HTTP API (`--enable-api`) can replace the model, read and rewrite any conversation: it
refuses to start with the API on an interface beyond loopback without `--auth-token`, and in the
production profile without one at all. Even with the token, the API cannot load a model other
than the one served (`PUT /model` only reloads that file, as the console does after a
retraining it judged better), nor train or unload one: a model is code that the server runs."""

import functools
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

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
            f"Rasa's HTTP API on {interface} needs --auth-token (or --interface 127.0.0.1)"
        )
    if is_production():
        check_secret("RASA_AUTH_TOKEN (--auth-token)", token)


# What the API may never do, token or not: training and unloading belong to the console.
REFUSED_ROUTES = {("POST", "/model/train"), ("DELETE", "/model")}


def model_guard(served_model: Path) -> Callable[[Any], Any]:
    """A Sanic request middleware: `PUT /model` only with `{"model_file": <the served model>}`,
    the routes of REFUSED_ROUTES never; 403 otherwise, before Rasa reads the request."""
    from sanic import response
    from sanic.exceptions import SanicException

    allowed = served_model.resolve()

    def refused() -> Any:
        return response.json(
            {
                "status": "failure",
                "reason": "Forbidden",
                "message": "This server only reloads the model it serves.",
            },
            status=403,
        )

    async def guard(request) -> Optional[Any]:
        route = (request.method, request.path.rstrip("/") or "/")
        if route in REFUSED_ROUTES:
            return refused()
        if route == ("PUT", "/model"):
            try:
                body = request.json
            except SanicException:
                return refused()
            model_file = body.get("model_file") if isinstance(body, dict) else None
            if (
                set(body or {}) != {"model_file"}
                or not isinstance(model_file, str)
                or Path(model_file).resolve() != allowed
            ):
                return refused()
        return None

    return guard


def install_model_guard(argv: List[str]) -> None:
    """Every Rasa app this process creates gets `model_guard` for its `--model`."""
    import rasa.server

    guard = model_guard(Path(_option(argv, "--model", "models")))
    create_app = rasa.server.create_app

    @functools.wraps(create_app)
    def guarded_app(*args: Any, **kwargs: Any):
        app = create_app(*args, **kwargs)
        app.register_middleware(guard, "request")
        return app

    rasa.server.create_app = guarded_app


def main() -> None:
    log_privacy.install()
    try:
        check_api_protection(sys.argv[1:])
    except SettingsError as error:
        sys.exit(f"bot.server: {error}")
    rasa_fixes.apply()
    install_model_guard(sys.argv[1:])
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
