"""The buttons of a bot message, as one SMS line (the words come from bot/texts.yml)."""

from typing import List

from bot.texts import text


def choices_menu(titles: List[str]) -> str:
    """ "Répondez 1, 2 ou 3 : 1 = A, 2 = B, 3 = C" for the buttons `titles`."""
    numbers = [str(n) for n in range(1, len(titles) + 1)]
    spoken = (
        numbers[0]
        if len(numbers) == 1
        else (f"{', '.join(numbers[:-1])} {text('sms.choices_or')} {numbers[-1]}")
    )
    options = ", ".join(f"{n} = {title}" for n, title in zip(numbers, titles))
    return text("sms.choices", numbers=spoken, options=options)
