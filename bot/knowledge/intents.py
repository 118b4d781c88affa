"""How a fiche and its intent name each other: `info_` and the fiche's id, hyphens written as
underscores ("emplois-francs" ↔ "info_emplois_francs"). One home for the rule: the actions,
the evaluations and the console's teaching page all read it."""

from typing import Optional

FICHE_INTENT_PREFIX = "info_"


def intent_for_fiche(fiche_id: str) -> str:
    return FICHE_INTENT_PREFIX + fiche_id.replace("-", "_")


def fiche_id_for_intent(intent: Optional[str]) -> Optional[str]:
    """The id of the fiche an `info_…` intent asks about; None for any other intent."""
    if not intent or not intent.startswith(FICHE_INTENT_PREFIX):
        return None
    return intent[len(FICHE_INTENT_PREFIX) :].replace("_", "-")
