"""Understanding: the blind set (messages written outside the project, judged by what the
running assistant does: bot/blind_evaluation.py), then intent and per-dispositif accuracy and
macro-F1 on the project's own held-out set (bot/evaluation.py), with a per-dispositif confusion
matrix.

Rasa's default pipeline (DIET) is no longer trained here: on this data it took over 40 minutes,
and the README's ablation table already compares the project's older DIET model with the current
one on the same blind set.
"""

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bench.common import BENCH, PROJECT_MODEL, ROOT, log
from bot import blind_evaluation
from bot.evaluation import HELDOUT, Example, dispositif_of, evaluate, load_examples

NONE_LABEL = "(aucun)"


def f1_scores(truth: List[str], predicted: List[str]) -> Dict:
    """Macro-F1 over the labels of the held-out truth (a prediction outside them, nlu_fallback
    say, is a miss for its true label), and per-label precision, recall, F1 and support."""
    labels = sorted(set(truth))
    try:
        from sklearn.metrics import precision_recall_fscore_support

        p, r, f, s = precision_recall_fscore_support(
            truth, predicted, labels=labels, zero_division=0
        )
        per = {
            label: (float(p[i]), float(r[i]), float(f[i]), int(s[i]))
            for i, label in enumerate(labels)
        }
    except ImportError:  # the same computation by hand
        per = {}
        for label in labels:
            tp = sum(t == label and q == label for t, q in zip(truth, predicted))
            fp = sum(t != label and q == label for t, q in zip(truth, predicted))
            fn = sum(t == label and q != label for t, q in zip(truth, predicted))
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            per[label] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, tp + fn)
    return {
        "macro_f1": round(statistics.mean(v[2] for v in per.values()), 4) if per else 0.0,
        "per_label": {
            label: {
                "precision": round(v[0], 3),
                "recall": round(v[1], 3),
                "f1": round(v[2], 3),
                "support": v[3],
            }
            for label, v in per.items()
        },
    }


def measure_model(model: str, examples: List[Example]) -> Dict:
    """Parse every example with the model in this process; accuracies, F1s, the pairs."""
    from rasa.core.agent import Agent

    from bot import rasa_fixes

    rasa_fixes.apply()
    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    parses, timings = {}, []
    for example in examples:
        started = time.perf_counter()
        parses[example.text] = loop.run_until_complete(agent.parse_message(example.text))
        timings.append(time.perf_counter() - started)
    loop.close()
    report = evaluate(examples, lambda text: parses[text])

    intents_true, intents_pred, disp_true, disp_pred = [], [], [], []
    for example in examples:
        result = parses[example.text]
        intent = (result.get("intent") or {}).get("name") or NONE_LABEL
        intents_true.append(example.intent)
        intents_pred.append(intent)
        if example.dispositif:
            disp_true.append(example.dispositif)
            disp_pred.append(dispositif_of(intent, result.get("entities") or []) or NONE_LABEL)
    summary = report.as_dict()
    intent_f1, dispositif_f1 = (
        f1_scores(intents_true, intents_pred),
        f1_scores(disp_true, disp_pred),
    )
    return {
        "model": str(Path(model).relative_to(ROOT)) if Path(model).is_relative_to(ROOT) else model,
        "examples": summary["examples"],
        "intent_accuracy": summary["intent_accuracy"],
        "intent_macro_f1": intent_f1["macro_f1"],
        "dispositif_accuracy": summary["dispositif_accuracy"],
        "dispositif_macro_accuracy": summary["dispositif_macro_accuracy"],
        "dispositif_macro_f1": dispositif_f1["macro_f1"],
        "dispositif_examples": len(disp_true),
        "per_dispositif": {
            d: {**summary["per_dispositif"][d], **dispositif_f1["per_label"][d]}
            for d in summary["per_dispositif"]
        },
        "per_intent": intent_f1["per_label"],
        "parse_ms_in_process": {
            "mean": round(1000 * statistics.mean(timings), 1),
            "p50": round(1000 * statistics.median(timings), 1),
        },
        "errors": len(summary["errors"]),
        "_pairs": list(zip(disp_true, disp_pred)),
    }


def confusion_plot(results: Dict[str, Dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(results), figsize=(11 * len(results), 10))
    axes = np.atleast_1d(axes)
    for ax, (name, result) in zip(axes, results.items()):
        pairs = result["_pairs"]
        truth = sorted({t for t, _ in pairs})
        columns = truth + sorted({p for _, p in pairs} - set(truth))
        counts = np.zeros((len(truth), len(columns)), dtype=int)
        for t, p in pairs:
            counts[truth.index(t), columns.index(p)] += 1
        share = counts / counts.sum(axis=1, keepdims=True)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(truth)):
            for j in range(len(columns)):
                if counts[i, j]:
                    ax.text(
                        j,
                        i,
                        counts[i, j],
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if share[i, j] > 0.5 else "black",
                    )
        ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
        ax.set_yticks(range(len(truth)), truth, fontsize=8)
        ax.set_xlabel("dispositif prédit")
        ax.set_ylabel("dispositif attendu")
        ax.set_title(
            f"{name}: exactitude par dispositif {result['dispositif_accuracy']:.3f}, "
            f"macro-F1 {result['dispositif_macro_f1']:.3f}"
        )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run(quick: bool = False) -> Dict:
    log("understanding: the blind set through a running assistant (bot/blind_evaluation.py)")
    with tempfile.TemporaryDirectory() as work:
        blind = blind_evaluation.main(["--json", str(Path(work) / "blind.json")])
    blind.pop("errors", None)  # the messages themselves stay in tests/nlu/blind/
    examples = load_examples(HELDOUT)
    if quick:
        examples = examples[::4]
    log(f"understanding: {len(examples)} held-out messages, parsed in this process")
    heldout = measure_model(str(PROJECT_MODEL), examples)
    plot = BENCH / "confusion_dispositif.png"
    confusion_plot({"project": heldout}, plot)
    del heldout["_pairs"]
    return {
        "quick": quick,
        "blind": blind,
        "heldout": str(HELDOUT.relative_to(ROOT)),
        "project": heldout,
        "plot": plot.name,
    }
