"""Facts about a person read from what they write, for the eligibility pre-check
(bot/knowledge/eligibility.py): "j'ai 27 ans", "jai 25 ans et 8 mois", "j'aurai 26 ans en
mars", "mon fils de 17 ans", "je touche le rsa", "inscrit à france travail", "je suis en fac",
"j'ai un bébé". Only what is said plainly is read; anything else stays unknown (the answer then
says what else is needed). Nothing here knows about Rasa.
"""

import re
from typing import Dict, Optional, Pattern, Tuple

from bot.knowledge.models import Fact
from bot.plain_text import folded

# A number of years, and what comes before it. "depuis 2 ans", "10 ans d'expérience" are not ages.
_YEARS = re.compile(r"(?P<before>[\w' ]{0,30}?)\b(?P<n>\d{1,2})\s*a?ns?\b(?P<after>\s*d'|\s*de\b)?")
_DURATION = re.compile(r"(depuis|il y a|pendant|dans|fait|ca fait|plus de|moins de)\s*$")
_FUTURE = re.compile(r"(aurai|vais avoir|va avoir|fais|fete|feterai)\s*$")
_CHILD = re.compile(
    r"(enfant|enfants|bebe|petit|petite|gamin|gamine|fils|fille|garcon)\s+(de\s+)?$"
)
_GROWN_CHILD = re.compile(r"(fils|fille|garcon)\s+(de\s+)?$")
ADULT_CHILD_AGE = 16  # "mon fils de 17 ans" asks for him; "ma fille de 2 ans" is about childcare

_NEGATION = r"(?:pas|plus|jamais|ni|sans|aucun|aucune)\b[\w' ]{0,20}"

# Each status: what says yes, and the same words after a negation say no.
_STATUSES: Dict[str, Pattern[str]] = {
    "rsa": re.compile(r"\brsa\b"),
    "rqth": re.compile(r"\brqth\b|travailleur handicape|reconnaissance (de |du )?handicap"),
    "registered_ft": re.compile(
        r"inscrit\w* (a|au|chez|a la) (france travail|pole emploi|ft\b|chomage)"
        r"|demandeu\w* d'emploi"
    ),
    "student": re.compile(r"\betudiant\w*|\ben fac\b|\ba la fac\b|\buniversite\b|\ben licence\b"),
    "in_training": re.compile(r"\ben formation\b|\b(suis|fais|suit) une formation\b"),
    "in_work": re.compile(
        r"\bje travaille\b|\ben (cdi|cdd|interim)\b|\bj'ai un (travail|emploi|boulot)\b"
    ),
    "lone_parent": re.compile(
        r"\b(mere|pere|maman|papa|parent) (seule?|solo|celibataire|isolee?)\b"
        r"|\bseule? avec (mes|mon|ma) (enfant|enfants|fils|fille|bebe)"
        r"|\bfamille monoparentale\b"
    ),
    "apprentice": re.compile(r"\bapprenti\w*|\ben alternance\b|\ben apprentissage\b"),
}
# Said to mean "I have no job": the opposite of in_work.
_NO_WORK = re.compile(
    r"\b(au chomage|(sans|pas de|plus de) (emploi|travail|boulot|job)"
    r"|je cherche (un |du )?(travail|emploi|boulot))\b"
)
_BABY = re.compile(r"\bbebe\b|\bnourrisson\b")


# "ça marche ?", "j'y ai droit ?", "je peux ?", "c pour moi ?": the question is whether it fits.
_ASKS_IF_IT_FITS = re.compile(
    r"\b(ca marche|c(a|'est|e(st)?)? (bon|ok|possible)|possible|(j'?y|y) ai droit|ai[- ]je droit"
    r"|j'?ai le droit|je peux|je pourrais|puis[- ]je|pour moi|eligible|ca passe|accessible)\b"
)


# "je ne sais pas", "jsp", "chais pas", "aucune idée", "je préfère ne pas le dire": the fact stays
# unknown, never taken for a no.
_DONT_KNOW = re.compile(
    r"\b(jsp|jsais pas|je sais pas|j(e )?(ne )?(sais|sait|c|se) pas|sais pas|sait pas|chais pas"
    r"|ch?ai pas|aucune idee|pas sure?|je sais plus|(je )?prefere ne pas (le )?dire|idk)\b"
)
_BARE_AGE = re.compile(r"^\D{0,12}\b(?P<n>\d{1,2})\b\D{0,12}$")


def says_dont_know(text: str) -> bool:
    """Whether an answer says the person does not know (or would rather not say)."""
    return _DONT_KNOW.search(folded(text)) is not None


def read_age_answer(text: str) -> Optional[int]:
    """An age given as the answer to "quel âge avez-vous ?": "27", "j'ai 19 ans", "19ans"."""
    age = read_facts(text).get("age")
    if isinstance(age, int) and not isinstance(age, bool):
        return age
    match = _BARE_AGE.match(folded(text).strip())
    return int(match.group("n")) if match else None


def asks_if_it_fits(text: str) -> bool:
    """Whether the message asks if a dispositif is for the person, not what it is."""
    return _ASKS_IF_IT_FITS.search(folded(text)) is not None


def read_facts(text: str) -> Dict[str, Fact]:
    """The facts `text` states plainly; the others are absent (unknown)."""
    said = folded(text)
    facts: Dict[str, Fact] = {}
    age, child_age = _ages(said)
    if age is not None:
        facts["age"] = age
    if child_age is not None:
        facts["child_under_12"] = child_age < 12
        facts["child_under_3"] = child_age < 3
    if _BABY.search(said):
        facts["child_under_3"] = facts["child_under_12"] = True
    for name, pattern in _STATUSES.items():
        value = _stated(pattern, said)
        if value is not None:
            facts[name] = value
    if "in_work" not in facts and _NO_WORK.search(said):
        facts["in_work"] = False
    return facts


def _stated(pattern: Pattern[str], said: str) -> Optional[bool]:
    match = pattern.search(said)
    if match is None:
        return None
    before = said[max(0, match.start() - 30) : match.start()]
    return re.search(_NEGATION + r"$", before) is None


def _ages(said: str) -> Tuple[Optional[int], Optional[int]]:
    """The person's age and the age of a young child, from the first of each said."""
    age: Optional[int] = None
    child_age: Optional[int] = None
    for match in _YEARS.finditer(said):
        before, years = match.group("before"), int(match.group("n"))
        if match.group("after") or _DURATION.search(before):
            continue
        if _CHILD.search(before) and not (_GROWN_CHILD.search(before) and years >= ADULT_CHILD_AGE):
            child_age = years if child_age is None else child_age
            continue
        if age is None:
            # "j'aurai 26 ans en mars": 25 today, in whole years.
            age = years - 1 if _FUTURE.search(before) else years
    return age, child_age


# "entre 20 et 25 ans", "20-25", "25 ou 26 ans": a range, not an age ("25 ans et 8 mois" is one).
_AGE_RANGE = re.compile(
    r"\b\d{1,2}\s*(?:ans?\s*)?(?:a|-|ou|et)\s*\d{1,2}\b(?!\s*mois)"
    r"|\b(?:la|une)\s+(?:vingtaine|trentaine|quarantaine|cinquantaine)\b"
)


def names_an_age_range(text: str) -> bool:
    """Whether an answer gives a range of ages instead of one ("entre 20 et 25"): no age is
    made up from it."""
    return _AGE_RANGE.search(folded(text)) is not None
