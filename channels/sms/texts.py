"""The channel's own French texts, read from texts.yml (sentences live in data files, not code)."""

from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def texts() -> Dict[str, str]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def choices_menu(titles: List[str]) -> str:
    """"Répondez 1, 2 ou 3 : 1 = A, 2 = B, 3 = C" for the buttons `titles`."""
    numbers = [str(n) for n in range(1, len(titles) + 1)]
    spoken = numbers[0] if len(numbers) == 1 else (
        f"{', '.join(numbers[:-1])} {texts()['choices_or']} {numbers[-1]}"
    )
    options = ", ".join(f"{n} = {title}" for n, title in zip(numbers, titles))
    return texts()["choices"].format(numbers=spoken, options=options)
