"""The Rasa server as the assistant runs it: `python -m bot.server run …` takes the arguments of
`rasa run …` and is Rasa's own command, with bot/rasa_fixes.py applied before the model loads
(a cold start in seconds instead of a minute, and less CPU per custom action)."""

from bot import rasa_fixes


def main() -> None:
    rasa_fixes.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
