"""What several pages share: the knowledge base, and the intents a message can be taught as."""

from typing import Dict, List, Tuple

from aiohttp import web

from bot.knowledge import KnowledgeBase, intent_for_fiche
from console.security import territories
from console.settings import Settings
from console.training_data import domain_intents

SETTINGS = web.AppKey("settings", Settings)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeBase)


def settings(app: web.Application) -> Settings:
    return app[SETTINGS]


def knowledge(app: web.Application) -> KnowledgeBase:
    return app[KNOWLEDGE]


def visible_quartiers(request: web.Request) -> List[str]:
    """The quartiers of the territories the account sees (an unmet need names one of them)."""
    kb, seen = knowledge(request.app), territories(request)
    ids = list(kb.territories) if seen is None else seen
    return list(
        dict.fromkeys(q for i in ids if i in kb.territories for q in kb.territories[i].quartiers)
    )


def desk_territory(request: web.Request) -> str:
    """The territory the desk speaks for: the account's; a regional account's is the default."""
    return request["account"].territory or knowledge(request.app).default_territory


def teach_choices(app: web.Application) -> Dict[str, List[Tuple[str, str]]]:
    """Dispositifs (by fiche title, as their info_ intent) and the domain's other intents, as
    (value, label) pairs; read at each request, the domain may have changed."""
    intents = domain_intents(settings(app).domain_file)
    fiches = sorted(knowledge(app).fiches.values(), key=lambda f: f.title.lower())
    named = [(intent_for_fiche(fiche.id), fiche.title) for fiche in fiches]
    dispositifs = [(intent, title) for intent, title in named if intent in intents]
    taken = {value for value, _ in dispositifs}
    return {
        "Dispositifs (fiches)": dispositifs,
        "Autres intentions": [(i, i) for i in intents if i not in taken],
    }
