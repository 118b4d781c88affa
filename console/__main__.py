"""Serve the console: `python -m console [--host 127.0.0.1] [--port 5080] [--rasa-url URL]
[--model PATH]` (see console/README.md)."""

import argparse
import logging
import os
from pathlib import Path

from aiohttp import web

from bot import log_privacy
from console.app import create_app
from console.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("CONSOLE_INTERFACE", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", 5080)))
    parser.add_argument("--rasa-url", help="Rasa server that loads an activated model (PUT /model)")
    parser.add_argument("--model", type=Path, help="the active model file (default: RASA_MODEL)")
    args = parser.parse_args()
    log_privacy.install()
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    settings.rasa_url = args.rasa_url or settings.rasa_url
    settings.active_model = args.model or settings.active_model
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
