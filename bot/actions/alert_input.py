"""What residents type while asking to be called back, read into values: a phone number or an
email, a theme, a quartier, bounded free text; and the conversation summary that goes to the
référent, stripped of phone numbers and emails. Nothing here knows about Rasa.
"""

import re
from typing import Iterable, List, Optional, Tuple

from bot.actions.booking_input import find_phone
from bot.knowledge.models import ALERT_THEME_LABELS, ALERT_THEMES
from bot.plain_text import plain
from bot.redaction import PHONE
from bot.redaction import redact as redact_personal_data
from bot.storage.phone import PHONE_LIKE, InvalidPhone
from bot.storage.references import ALERT
from bot.texts import text

SUMMARY_MAX_LENGTH = 600
SUMMARY_MESSAGES = 5
OTHER = "autre"

# Typed words that name a theme ("boulot", "permis", "crèche"…), accents and case aside.
_THEME_WORDS = {
    "emploi": ("emploi", "travail", "boulot", "taf", "job", "cv", "entretien", "embauche"),
    "formation": ("formation", "former", "diplome", "apprentissage", "stage", "ecole"),
    "mobilite": ("mobilite", "permis", "transport", "voiture", "bus", "deplacer"),
    "garde-enfants": ("garde", "enfant", "creche", "nounou", "bebe", "assistante maternelle"),
    "logement": ("logement", "loger", "appartement", "appart", "loyer", "hlm", "hebergement"),
    "argent": ("argent", "aide", "rsa", "caf", "dette", "facture", "sous", "thune"),
    "sante": ("sante", "medecin", "maladie", "handicap", "soin", "psy"),
    "autre": ("autre", "autres", "rien de tout ca"),
}
# Fiche themes (bot/knowledge) → the alert theme they suggest.
_FICHE_THEMES = {
    "emploi": "emploi",
    "jeunes": "emploi",
    "reseau": "emploi",
    "entreprise": "emploi",
    "formation": "formation",
    "numerique": "formation",
    "mobilite": "mobilite",
    "enfants": "garde-enfants",
    "logement": "logement",
    "argent": "argent",
    "sante": "sante",
}

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}"
)


# A staff member writing for someone: "une dame à l'accueil voudrait…", "c'est pour ma mère".
_ON_BEHALF = re.compile(
    r"\b(?:une?|cette|ce) (?:dame|monsieur|femme|homme|jeune|personne|habitante?|residente?|"
    r"maman|mere|pere)\b(?! de l'accueil)[^.?!]{0,40}?\b(?:voudrait|veut|souhaite|demande|"
    r"aimerait|a besoin|est devant|est la|est ici|attend)|"
    r"\bpour (?:ma|mon|une?) (?:mere|pere|fils|fille|soeur|frere|femme|mari|voisine?|amie?|"
    r"residente?|habitante?|personne)\b|"
    r"\bj'accompagne\b|\bde la part d"
)


class NoContact(ValueError):
    """Neither a French phone number nor an email address."""


def read_contact(text: str) -> Tuple[Optional[str], Optional[str]]:
    """(phone in E.164, None) or (None, email); else NoContact."""
    email = find_email(text)
    if email is not None:
        return None, email
    try:
        return find_phone(text), None
    except InvalidPhone as error:
        raise NoContact(text) from error


def find_email(text: str) -> Optional[str]:
    """The email address in a message, lower-cased; None if there is none or it is malformed."""
    for candidate in re.findall(r"\S+@\S+", text):
        candidate = candidate.strip(".,;:!?()<>[]\"'")
        if _EMAIL.fullmatch(candidate) and ".." not in candidate and len(candidate) <= 254:
            return candidate.lower()
    return None


def read_theme(text: str) -> Optional[str]:
    """ "garde d'enfants", "le permis", "Logement" → the theme; None if no theme is named."""
    said = _words(text)
    if said in _plain_labels():
        return _plain_labels()[said]
    for theme, words in _THEME_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}s?\b", said) for word in words):
            return theme
    return None


def suggested_theme(fiche_themes: Iterable[str]) -> Optional[str]:
    """The alert theme the dispositif in context suggests ("enfants" → "garde-enfants")."""
    return next((_FICHE_THEMES[t] for t in fiche_themes if t in _FICHE_THEMES), None)


def read_quartier(text: str, quartiers: List[str]) -> Optional[str]:
    """One of `quartiers` named in the text ("tilleuls" → "Les Tilleuls"), or "autre"."""
    said = _words(text)
    for quartier in quartiers:
        name = _words(quartier)
        bare = re.sub(r"^(les|le|la|l') ?", "", name)
        if name in said or re.search(rf"\b{re.escape(bare)}\b", said):
            return quartier
    return OTHER if said in ("autre", "autre quartier", "aucun", "ailleurs") else None


def on_behalf(text: str) -> bool:
    """Whether the message asks for someone else (a staff member, a relative)."""
    return _ON_BEHALF.search(_words(text)) is not None


def find_alert_reference(text: str) -> Optional[str]:
    return ALERT.find(text)


def redact(text: str) -> str:
    """The text with personal data replaced (bot/redaction.py), and any other run of digits that
    may be a phone number, from any country: the référent gets the contact the person chose,
    and nothing else they may have typed."""
    return PHONE_LIKE.sub(PHONE, redact_personal_data(text))


def summary(user_messages: List[str]) -> str:
    """The last messages the person typed (buttons aside), redacted, at most 600 characters."""
    typed = [" ".join(m.split()) for m in user_messages if m and not m.startswith("/")]
    lines = [f"« {redact(m)} »" for m in typed[-SUMMARY_MESSAGES:]]
    summary_text = "\n".join(lines) or text("alerts.no_exchange")
    if len(summary_text) > SUMMARY_MAX_LENGTH:
        summary_text = summary_text[: SUMMARY_MAX_LENGTH - 1].rstrip() + "…"
    return summary_text


def _plain_labels() -> dict:
    return {_words(label): theme for theme, label in ALERT_THEME_LABELS.items()} | {
        theme: theme for theme in ALERT_THEMES
    }


def _words(text: str) -> str:
    return plain(text, keep="'-")
