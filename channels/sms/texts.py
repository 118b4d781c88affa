"""The buttons of a bot message, as one SMS line (bot/gsm7.py: actions measure their SMS with
the same line)."""

from bot.gsm7 import choices_menu

__all__ = ["choices_menu"]
