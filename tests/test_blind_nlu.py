"""The whole running assistant on the blind NLU set (tests/nlu/blind/), judged by the action it
takes: the figure that says how residents are understood. Its writers never saw the training
data; a test checks that no training example copies one of its messages."""

import json

from bot.blind_evaluation import FLOW_LABELS, STYLES, asker, evaluate, load_blind
from tests.test_rasa_tools import RESULTS, normalise, training_texts

# The target: 0.92 overall and no label under 0.80. Reached on 2026-12-02: 0.934 overall, worst
# labels 0.87 (README, "Understanding"). A label has 12 to 45 messages, so one message more or
# less moves it by 2 to 8 points: the gate is the target itself.
MIN_ACCURACY = 0.92
MIN_LABEL_ACCURACY = 0.80


def test_blind_set_covers_every_label_and_style_and_copies_no_training_example(kb):
    examples = load_blind()
    labels = {e.label for e in examples}
    assert set(kb.fiches) | set(FLOW_LABELS) == labels
    assert all(sum(1 for e in examples if e.label == f) >= 20 for f in kb.fiches)
    assert all(
        sum(1 for e in examples if e.label == f) >= 40 for f in ("booking", "alert", "out_of_scope")
    )
    assert {s for e in examples for s in e.styles} == set(STYLES)
    training = training_texts()
    copied = [e.text for e in examples if normalise(e.text) in training]
    assert not copied, copied


def test_blind_set_accuracy_judged_by_the_action_taken(assistant):
    report = evaluate(load_blind(), asker(assistant.rasa_url))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nlu-blind.json").write_text(
        json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    )
    print("\n" + report.table())
    assert report.accuracy >= MIN_ACCURACY, report.table()
    worst = report.worst_label
    assert report.label_accuracy(worst) >= MIN_LABEL_ACCURACY, report.table()
