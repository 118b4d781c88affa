"""French wording of the stored codes (statuses, reasons, roles, channels, themes)."""

from bot.knowledge.models import ALERT_THEME_LABELS, DANGER_LABELS
from bot.storage.models import (
    COORDINATOR, DONE, FALLBACK, IGNORED, LOW_CONFIDENCE, NOT_USEFUL, OUT_OF_SCOPE, STAFF, TODO,
    UNMET,
)

STATUSES = {TODO: "À traiter", DONE: "Traité", IGNORED: "Ignoré", UNMET: "Besoin non couvert"}
REASONS = {
    FALLBACK: "Pas compris",
    LOW_CONFIDENCE: "Réponse peu sûre",
    OUT_OF_SCOPE: "Hors sujet",
    NOT_USEFUL: "« Pas utile »",
}
ROLES = {COORDINATOR: "coordination", STAFF: "équipe"}
THEMES = ALERT_THEME_LABELS
DANGERS = DANGER_LABELS
OTHER_QUARTIER = "Autre / hors quartier"
RUN_STATUSES = {
    "training": "Entraînement en cours",
    "evaluating": "Évaluation en cours",
    "activated": "Activé",
    "rejected": "Refusé (moins bon)",
    "failed": "Échec",
}
