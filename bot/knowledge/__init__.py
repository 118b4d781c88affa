"""The knowledge base: fiches and territory data, loaded from `knowledge/` and validated.

This layer knows nothing of Rasa, actions or channels.
"""

from bot.knowledge.intents import fiche_id_for_intent, intent_for_fiche
from bot.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    UnknownTerritory,
    load_knowledge_base,
    load_territory_file,
    served_territories,
    territory_path,
)
from bot.knowledge.models import Fiche, Orientation, Source, Territory

__all__ = [
    "Fiche",
    "KnowledgeBase",
    "KnowledgeError",
    "Orientation",
    "Source",
    "Territory",
    "UnknownTerritory",
    "fiche_id_for_intent",
    "intent_for_fiche",
    "load_knowledge_base",
    "load_territory_file",
    "served_territories",
    "territory_path",
]
