"""The danger detector: its data is validated with errors that name the file and the field, its
blind set is written apart from its training data, and the trained model served by the real
Rasa server meets the gate on that blind set (recall and false alarms)."""

import json
from pathlib import Path

import pytest

from bot.danger_evaluation import (
    BLIND,
    DEV,
    MAX_FALSE_ALARMS,
    MIN_RECALL,
    NO_DANGER,
    evaluate,
    load_blind,
)
from bot.knowledge.models import DANGER_CATEGORIES
from bot.nlu.danger import DANGER_INTENT, SafetyDataError, read_directory, read_examples
from bot.nlu.linear_text import segments
from bot.storage.references import ALERT, BOOKING
from tests.conftest import post_json
from tests.test_rasa_tools import RESULTS, normalise

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "bot" / "data" / "safety"


def test_training_data_is_large_enough_in_every_category():
    examples = read_directory(TRAINING)
    counts = {c: sum(1 for _, label in examples if label == c) for c in DANGER_CATEGORIES}
    assert sum(counts.values()) >= 600, counts
    assert all(count >= 60 for count in counts.values()), counts
    assert sum(1 for _, label in examples if label == NO_DANGER) >= 600


@pytest.mark.parametrize("directory", [BLIND, DEV], ids=["blind", "dev"])
def test_test_sets_are_large_enough_and_never_copy_training_data(directory):
    examples = load_blind(directory)
    assert sum(1 for e in examples if e.category != NO_DANGER) >= 150
    assert sum(1 for e in examples if e.category == NO_DANGER) >= 150
    assert {e.category for e in examples} >= set(DANGER_CATEGORIES)
    training = {normalise(text) for text, _ in read_directory(TRAINING)}
    copied = [e.text for e in examples if normalise(e.text) in training]
    assert not copied, copied


@pytest.mark.parametrize(
    "content, field",
    [
        ("categories: [a, b]", "field 'categories'"),
        (
            "categories:\n  fire:\n    examples: |\n      - au feu\n",
            "categories.fire: unknown category",
        ),
        ("categories:\n  suicide:\n    examples: 3\n", "categories.suicide.examples"),
        (
            "categories:\n  suicide:\n    examples: |\n      * je veux partir\n",
            "categories.suicide.examples line 1",
        ),
        ("categories: {", "not valid YAML"),
    ],
)
def test_malformed_safety_data_is_refused_naming_file_and_field(tmp_path, content, field):
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SafetyDataError) as error:
        read_examples(path)
    assert str(path) in str(error.value) and field in str(error.value)


def test_a_long_story_is_also_read_sentence_by_sentence():
    story = "Bonjour, je cherche une formation de cariste. Mais depuis hier je dors dans le hall."
    assert segments(story) == [
        story,
        "Bonjour, je cherche une formation de cariste.",
        "Mais depuis hier je dors dans le hall.",
    ]
    assert segments("c koi le cej") == ["c koi le cej"]


def test_blind_safety_set_recall_and_false_alarms(assistant):
    url = f"{assistant.rasa_url}/model/parse"
    report = evaluate(load_blind(), lambda text: post_json(url, {"text": text})[1])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "danger-blind.json").write_text(
        json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    )
    print("\n" + report.table())
    assert report.recall >= MIN_RECALL, report.table() + f"\nmissed: {report.misses}"
    assert report.false_alarm_rate <= MAX_FALSE_ALARMS, (
        report.table() + f"\nfalse alarms: {report.false_alarms}"
    )


def test_a_reference_typed_in_a_form_never_reads_as_danger(assistant):
    """Random references once read as danger ("ce w6hm 8a46" got the 115): 300 of them, typed
    every way residents type them, alone or in a sentence, get no emergency reply."""
    url = f"{assistant.rasa_url}/model/parse"
    typed = [
        lambda r: r,
        lambda r: r.lower().replace("-", " "),
        lambda r: r.replace("-", ""),
        lambda r: r[3:].replace("-", ""),
        lambda r: f"ma ref c {r.lower()}",
        lambda r: f"c'est la référence {r}, je veux annuler",
    ]
    alarms = []
    for number in range(300):
        reference = (BOOKING if number % 2 else ALERT).new()
        text = typed[number % len(typed)](reference)
        if post_json(url, {"text": text})[1]["intent"]["name"] == DANGER_INTENT:
            alarms.append(text)
    assert alarms == []
