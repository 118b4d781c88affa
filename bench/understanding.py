"""Understanding: intent and per-dispositif accuracy and macro-F1 on the held-out set, for the
project's trained model and for Rasa's default pipeline (the config.yml `rasa init` writes for
Rasa 3.6, language fr) trained NLU-only on the same data; a per-dispositif confusion matrix.

Loading, the dispositif of a parse and the accuracies come from bot/evaluation.py.
"""

import asyncio
import re
import statistics
import time
from pathlib import Path
from typing import Dict, List, Optional

from bench.common import BENCH, PROJECT_MODEL, RASA, ROOT, WORK, cached_model, log
from bot.evaluation import HELDOUT, Example, dispositif_of, evaluate, load_examples

NONE_LABEL = "(aucun)"


def default_config() -> Path:
    """rasa init's config.yml for this Rasa version, pipeline and policies uncommented, language fr."""
    import rasa.cli

    template = Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"
    lines = []
    for line in template.read_text(encoding="utf-8").splitlines():
        if line.startswith("#   "):  # "#   - name: X", "#     epochs: 100": the default entries
            line = line[2:]
        lines.append(line)
    text = re.sub(r"^language: en$", "language: fr", "\n".join(lines) + "\n", flags=re.M)
    path = WORK / "default-pipeline" / "config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def train_default() -> Dict:
    config = default_config()
    nlu = ROOT / "bot" / "data" / "nlu"
    domain = ROOT / "domain.yml"
    return cached_model(
        "default-nlu", [config, nlu, domain],
        lambda out, name: RASA + ["train", "nlu", "--config", str(config), "--nlu", str(nlu),
                                  "--domain", str(domain), "--out", str(out),
                                  "--fixed-model-name", name],
    )


def f1_scores(truth: List[str], predicted: List[str]) -> Dict:
    """Macro-F1 over the labels of the held-out truth (a prediction outside them, nlu_fallback
    say, is a miss for its true label), and per-label precision, recall, F1 and support."""
    labels = sorted(set(truth))
    try:
        from sklearn.metrics import precision_recall_fscore_support

        p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels,
                                                     zero_division=0)
        per = {l: (float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i, l in enumerate(labels)}
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
        "per_label": {l: {"precision": round(v[0], 3), "recall": round(v[1], 3),
                          "f1": round(v[2], 3), "support": v[3]} for l, v in per.items()},
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
    intent_f1, dispositif_f1 = f1_scores(intents_true, intents_pred), f1_scores(disp_true, disp_pred)
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
                    ax.text(j, i, counts[i, j], ha="center", va="center", fontsize=7,
                            color="white" if share[i, j] > 0.5 else "black")
        ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
        ax.set_yticks(range(len(truth)), truth, fontsize=8)
        ax.set_xlabel("dispositif prédit")
        ax.set_ylabel("dispositif attendu")
        ax.set_title(f"{name}: exactitude par dispositif {result['dispositif_accuracy']:.3f}, "
                     f"macro-F1 {result['dispositif_macro_f1']:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run(quick: bool = False) -> Dict:
    examples = load_examples(HELDOUT)
    if quick:
        examples = examples[::4]
    log(f"understanding: {len(examples)} held-out messages")
    default = train_default()
    results = {}
    for name, model in (("project", str(PROJECT_MODEL)), ("rasa-default", default["model"])):
        log(f"understanding: parsing with {name}")
        results[name] = measure_model(model, examples)
    results["rasa-default"]["training"] = {k: default[k] for k in ("hash", "training_s", "cached")}
    results["rasa-default"]["config"] = str(default_config().relative_to(ROOT))
    plot = BENCH / "confusion_dispositif.png"
    confusion_plot(results, plot)
    for result in results.values():
        del result["_pairs"]
    keys = ("intent_accuracy", "intent_macro_f1", "dispositif_accuracy",
            "dispositif_macro_accuracy", "dispositif_macro_f1")
    difference = {k: round(results["project"][k] - results["rasa-default"][k], 4) for k in keys}
    return {"quick": quick, "heldout": str(HELDOUT.relative_to(ROOT)), "pipelines": results,
            "difference_project_minus_default": difference, "plot": plot.name}
