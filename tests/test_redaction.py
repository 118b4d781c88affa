"""Redaction before storage: recall over a corpus of fictional personal data written the ways
residents write it, and messages (amounts, dates, ages, acronyms) that must come out unchanged."""

from pathlib import Path

import pytest
import yaml

from bot.redaction import PLACEHOLDERS, redact

CORPUS = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "redaction_corpus.yml").read_text(encoding="utf-8")
)
POSITIVES = CORPUS["positives"]
KINDS = {"téléphone", "email", "NIR", "IBAN", "adresse"}


def _caught(item: dict) -> bool:
    """The value is gone and the right placeholder took its place."""
    redacted = redact(item["text"])
    return item["value"] not in redacted and f"[{item['kind']}]" in redacted


def test_corpus_is_large_and_varied():
    assert len(POSITIVES) >= 100
    assert {item["kind"] for item in POSITIVES} == KINDS
    assert len(CORPUS["negatives"]) >= 30


def test_recall_is_at_least_99_percent_overall_and_per_kind():
    missed = [item for item in POSITIVES if not _caught(item)]
    recall = 1 - len(missed) / len(POSITIVES)
    print(f"redaction recall: {recall:.3f} over {len(POSITIVES)} items")
    assert recall >= 0.99, missed
    for kind in KINDS:
        of_kind = [item for item in POSITIVES if item["kind"] == kind]
        assert sum(map(_caught, of_kind)) / len(of_kind) >= 0.95, kind


@pytest.mark.parametrize("text", CORPUS["negatives"])
def test_ordinary_messages_are_left_alone(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("rappelez moi au 06 39 98 12 34 svp", "rappelez moi au [téléphone] svp"),
        ("+33 6 39 98 12 34", "[téléphone]"),
        ("0033639981234 ou lea@example.org", "[téléphone] ou [email]"),
        (
            "j'habite 3 bis avenue Jean Jaurès et je cherche un CDI",
            "j'habite [adresse] et je cherche un CDI",
        ),
        ("12 rue des lilas 75011 Paris", "[adresse]"),
        (
            "sécu 1 85 05 99 123 456 78, iban FR76 3000 6000 0112 3456 7890 189",
            "sécu [NIR], iban [IBAN]",
        ),
    ],
)
def test_placeholders_keep_the_sentence_readable(text, expected):
    assert redact(text) == expected


def test_redacting_twice_changes_nothing_more():
    for item in POSITIVES:
        once = redact(item["text"])
        assert redact(once) == once
        assert any(placeholder in once for placeholder in PLACEHOLDERS)
