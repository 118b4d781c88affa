"""The channels' own French words ("channel chrome"), read from texts.yml: what a resident, a
partner's developer or staff read that is neither the bot's conversation (domain.yml) nor a fact
(knowledge/). Kept out of the code so that wording is changed in one file, by anyone.

Keys are dotted paths, `section.name` ("web.unavailable"). Placeholders are `{name}`, filled from
the keyword arguments of `text`; other braces (a JSON example) are left as they are.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

CATALOGUE = Path(__file__).with_name("texts.yml")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _check(value: Any, key: str) -> None:
    """Every entry is a non-empty text, a list of texts or a section of them: a typo in the file
    fails when it is read, not when a resident reaches the one text it broke."""
    if isinstance(value, dict):
        for name, inner in value.items():
            _check(inner, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _check(inner, f"{key}[{index}]")
    elif not isinstance(value, str) or not value.strip():
        raise ValueError(f"{CATALOGUE}: {key} must be a non-empty text, not {value!r}")


@lru_cache(maxsize=1)
def catalogue() -> Dict[str, Any]:
    """The whole file, checked."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{CATALOGUE}: expected sections of texts")
    _check(data, "")
    return data


def entry(key: str) -> Any:
    """The text, list or section at the dotted `key`; KeyError naming the key and the file."""
    value: Any = catalogue()
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"{key!r} is not in {CATALOGUE}")
        value = value[part]
    return value


def text(key: str, **values: Any) -> str:
    """The text at `key`, its `{name}` placeholders filled from `values`."""
    template = entry(key)
    if not isinstance(template, str):
        raise KeyError(f"{key!r} in {CATALOGUE} is not a text")

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{key!r} in {CATALOGUE} needs a value for {{{name}}}")
        return str(values[name])

    return PLACEHOLDER.sub(fill, template)


def section(key: str) -> Dict[str, Any]:
    """The section at `key` (the widget's labels, a table of labels)."""
    value = entry(key)
    if not isinstance(value, dict):
        raise KeyError(f"{key!r} in {CATALOGUE} is not a section")
    return value
