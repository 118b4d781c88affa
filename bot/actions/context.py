"""What every skill shares: the knowledge base, and how intents and channels map onto fiches."""

from functools import lru_cache
from typing import Iterable, List, Optional

from rasa_sdk import Tracker

from bot.knowledge import (
    Fiche,
    KnowledgeBase,
    Orientation,
    Source,
    Territory,
    fiche_id_for_intent,
    load_knowledge_base,
)

# Set by the NLU pipeline's danger detector (bot/nlu/danger.py), never by the classifier.
EMERGENCY_INTENT = "emergency"
INSULT_INTENT = "insult"
DISPOSITIF_SLOT = "dispositif"
# Channels where every character costs money: they get the fiche's short (two-SMS) answer.
SHORT_ANSWER_CHANNELS = {"sms"}


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """Loaded once per process; an invalid knowledge base stops the action server at start."""
    return load_knowledge_base()


def conversation_territory_id(tracker: Tracker) -> str:
    """The territory the conversation belongs to: each channel puts it in every message's
    metadata (web: the embed tag; SMS: the number written to; REST: the request), checked there.
    A message without one (the Rasa shell) belongs to the default territory."""
    metadata = tracker.latest_message.get("metadata") or {}
    territory_id = metadata.get("territory") if isinstance(metadata, dict) else None
    served = knowledge_base().territories
    return territory_id if territory_id in served else knowledge_base().default_territory


def conversation_territory(tracker: Tracker) -> Territory:
    return knowledge_base().territory_for(conversation_territory_id(tracker))


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent the last user message was classified as (or clicked, for a button)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def fiche_for_intent(intent: Optional[str]) -> Optional[Fiche]:
    fiche_id = fiche_id_for_intent(intent)
    return knowledge_base().fiche(fiche_id) if fiche_id else None


def first_known_fiche(values: Iterable[Optional[str]]) -> Optional[Fiche]:
    for value in values:
        if isinstance(value, str):
            fiche = knowledge_base().fiche(value.strip().lower())
            if fiche:
                return fiche
    return None


def fiche_in_context(tracker: Tracker) -> Optional[Fiche]:
    """The dispositif the resident is talking about: named in this message, else the last one
    discussed (the most recent valid value of the `dispositif` slot)."""
    named = first_known_fiche(tracker.get_latest_entity_values(DISPOSITIF_SLOT))
    if named:
        return named
    earlier_values = (
        event.get("value")
        for event in reversed(tracker.events)
        if event.get("event") == "slot" and event.get("name") == DISPOSITIF_SLOT
    )
    return first_known_fiche(earlier_values)


def wants_short_answer(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() in SHORT_ANSWER_CHANNELS


def source_payload(fiche: Fiche, aspect: str) -> dict:
    """Machine-readable part of a knowledge reply: channels show "Source", analytics count it."""
    return {
        "fiche": fiche.id,
        "title": fiche.title,
        "aspect": aspect,
        "status": fiche.status,
        "sources": sources_payload(fiche.sources),
        "verified": fiche.verified.isoformat(),
    }


def orientation_payload(orientation: Orientation) -> dict:
    """Machine-readable part of an orientation reply: never a fiche, its official sources."""
    return {
        "orientation": orientation.id,
        "title": orientation.title,
        "sources": sources_payload(orientation.sources),
    }


def sources_payload(sources: Iterable[Source]) -> List[dict]:
    """What the widget shows under an answer: each source's title, link and the day it was read."""
    return [
        {"title": s.title, "url": str(s.url), "verified": s.verified.isoformat()} for s in sources
    ]
