"""French wording of the stored codes (statuses, reasons, roles, channels, themes), from the text
catalogue (bot/texts.yml)."""

from typing import Dict

from bot.knowledge.models import ALERT_THEME_LABELS, DANGER_LABELS
from bot.storage.models import (
    COORDINATOR,
    DONE,
    FALLBACK,
    IGNORED,
    LOW_CONFIDENCE,
    NOT_USEFUL,
    OUT_OF_SCOPE,
    STAFF,
    TODO,
    UNMET,
)
from bot.texts import section, text
from console.retrain import ACTIVATED, EVALUATING, FAILED, REJECTED, TRAINING


def _labels(key: str, *codes: str) -> Dict[str, str]:
    """The catalogue's labels of exactly these codes: a code added without its label fails here,
    not on the page that shows it."""
    labels = section(key)
    if set(labels) != set(codes):
        raise ValueError(f"bot/texts.yml {key}: labels of {sorted(codes)}, not {sorted(labels)}")
    return labels


STATUSES = _labels("console.statuses", TODO, DONE, IGNORED, UNMET)
REASONS = _labels("console.reasons", FALLBACK, LOW_CONFIDENCE, OUT_OF_SCOPE, NOT_USEFUL)
ROLES = _labels("console.roles", COORDINATOR, STAFF)
THEMES = ALERT_THEME_LABELS
DANGERS = DANGER_LABELS
OTHER_QUARTIER = text("console.other_quartier")
RUN_STATUSES = _labels("console.run_statuses", TRAINING, EVALUATING, ACTIVATED, REJECTED, FAILED)
