"""One home for what users read: the bot's words in domain.yml, facts in knowledge/, and the
channels' own words in the text catalogue (bot/texts.yml). These tests keep French sentences out
of the code of bot/, channels/ and console/, and every key the code names in the catalogue."""

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.texts import CATALOGUE, catalogue, section, text
from channels.web.channel import STATIC, TEXTS_MARKER, WebChatInput

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("bot", "channels", "console")
WIDGET = STATIC / "widget.js"

LETTERS = "A-Za-zÀ-ÖØ-öø-ÿœŒ"
WORD = re.compile(rf"[{LETTERS}]+(?:-[{LETTERS}]+)*")  # "ce-bubble" is one word, not "ce"
ACCENTED = re.compile(r"[À-ÖØ-öø-ÿœŒ]")
FRENCH_FUNCTION_WORDS = {
    "vous",
    "votre",
    "vos",
    "pour",
    "les",
    "des",
    "une",
    "est",
    "pas",
    "avec",
    "dans",
    "sur",
    "par",
    "ne",
    "je",
    "nous",
    "le",
    "la",
    "du",
    "au",
    "aux",
    "et",
    "un",
    "de",
    "ce",
    "cette",
    "qui",
    "que",
    "ou",
    "il",
    "elle",
    "en",
}
# Regular expressions (the danger detector's, the forms' readers', redaction's) are linguistic
# data, not text shown to anyone: no sentence shown to a person holds these.
REGEX_SIGNS = re.compile(r"\\[bswdB]|\(\?|\[\^|\|")

# Files whose French is data about the language, not words shown to users. Keep it short.
ALLOWED_FILES = {
    "bot/gsm7.py": "the GSM-7 alphabet and its transliteration tables",
}
# Single literals that read as French to the heuristic but are not user text.
ALLOWED_LITERALS = {
    ("bot/alerts.py", "Deliver alerts to référents."): "English CLI description",
    ("bot/reminders.py", "Deliver due café emploi messages."): "English CLI description",
}


def looks_french(literal: str) -> bool:
    """At least three words, and an accented letter or two common French function words."""
    words = WORD.findall(literal)
    if len(words) < 3 or REGEX_SIGNS.search(literal):
        return False
    function_words = sum(word.lower() in FRENCH_FUNCTION_WORDS for word in words)
    return bool(ACCENTED.search(literal)) or function_words >= 2


def python_literals(source: str) -> Iterator[Tuple[int, str]]:
    """The string constants of a module, docstrings and bare string statements aside; an
    f-string as one literal, "…" standing for each value it formats."""
    tree = ast.parse(source)
    skipped = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in node.values)
            yield (
                node.lineno,
                "".join(
                    part.value if isinstance(part, ast.Constant) else "…" for part in node.values
                ),
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
        ):
            yield node.lineno, node.value


# Comments first, so that a quote inside one does not open a string.
JS_TOKENS = re.compile(
    r"/\*.*?\*/|//[^\n]*|\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`",
    re.S,
)


def js_literals(source: str) -> Iterator[Tuple[int, str]]:
    for match in JS_TOKENS.finditer(source):
        literal = next((group for group in match.groups() if group is not None), None)
        if literal is not None:
            yield source.count("\n", 0, match.start()) + 1, literal


def code_files(suffix: str) -> List[Path]:
    return sorted(
        path
        for folder in CODE_DIRS
        for path in (ROOT / folder).rglob(f"*{suffix}")
        if ".venv" not in path.parts
    )


def test_the_heuristic_tells_sentences_from_code():
    assert looks_french("Réessayez dans quelques minutes.")
    assert looks_french("Le champ « … » est vide : il faut un texte.")
    assert looks_french("Vous envoyez beaucoup de messages")
    assert not looks_french("rasa.core.processor")
    assert not looks_french("SMS %s from %s could not be handled")
    assert not looks_french(r"\b(?:une?|cette) (?:dame|monsieur)\b")
    js = '// "Une phrase dans un commentaire"\nx("Une vraie phrase à dire");'
    assert list(js_literals(js)) == [(2, "Une vraie phrase à dire")]
    python = 'f"Le {x} est là"\n"""Une docstring à part."""'
    assert [literal for _, literal in python_literals(python)] == ["Le … est là"]


def french_in_code() -> List[str]:
    found = []
    for path in code_files(".py") + code_files(".js"):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED_FILES:
            continue
        source = path.read_text(encoding="utf-8")
        literals = python_literals(source) if path.suffix == ".py" else js_literals(source)
        found += [
            f"{name}:{line}: {literal[:100]!r}"
            for line, literal in literals
            if looks_french(literal) and (name, literal) not in ALLOWED_LITERALS
        ]
    return found


def test_no_french_sentence_in_the_code():
    found = french_in_code()
    assert found == [], (
        "French sentences in the code: the bot's words go to domain.yml, facts to knowledge/, "
        f"the channels' own words to {CATALOGUE.relative_to(ROOT)}:\n" + "\n".join(found)
    )


def catalogue_keys() -> set:
    def walk(value, prefix):
        if isinstance(value, dict):
            for name, inner in value.items():
                yield f"{prefix}{name}"
                yield from walk(inner, f"{prefix}{name}.")

    return set(walk(catalogue(), ""))


def named_keys() -> List[Tuple[str, str]]:
    """(file, key) for every literal of the code that reads as a catalogue key ("web.send")."""
    key = re.compile(rf"^(?:{'|'.join(map(re.escape, catalogue()))})\.[a-z0-9_.-]+$")
    return [
        (path.relative_to(ROOT).as_posix(), literal)
        for path in code_files(".py")
        for _, literal in python_literals(path.read_text(encoding="utf-8"))
        if key.match(literal)
    ]


def test_every_key_the_code_names_is_in_the_catalogue():
    named = named_keys()
    assert len(named) > 50  # the scan does see the code's keys
    missing = [f"{name}: {key}" for name, key in named if key not in catalogue_keys()]
    assert missing == []


LOOKUPS = ("text", "section", "entry")  # bot/texts.py's functions


def test_catalogue_keys_are_never_built_at_run_time():
    """A key written whole is one the test above checks; an f-string key would escape it."""
    built = []
    for path in code_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in LOOKUPS
                and node.args
                and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp))
            ):
                built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert built == []


def test_the_widget_needs_no_word_missing_from_the_web_section():
    source = WIDGET.read_text(encoding="utf-8")
    used = set(re.findall(r"\bTEXTS\.(\w+)", source))
    assert used and used - set(section("web")) == set()
    assert set(section("web")) - used == set(), "words of the web section the widget never shows"


def test_the_served_widget_carries_its_words_and_no_placeholder():
    served = WebChatInput([]).files["widget.js"].decode("utf-8")
    assert TEXTS_MARKER.decode() not in served
    assert text("web.launcher") in served and "décembre" in served


def test_a_missing_key_names_itself_and_the_file():
    with pytest.raises(KeyError, match=r"'web\.nowhere'.*texts\.yml"):
        text("web.nowhere")
    with pytest.raises(KeyError, match="needs a value for {limit}"):
        text("inputs.too_long")
    assert text("inputs.too_long", limit=5) == "La demande est trop longue (5 octets au plus)."
    # Braces in a value are left as they are: a JSON example shown to integrators.
    example = '{"sender": …, "message": …}'
    assert text("inputs.not_an_object", example=example).endswith(example + ".")
