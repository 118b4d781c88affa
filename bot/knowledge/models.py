"""Schemas of a fiche and of a territory file, with the rules that make knowledge trustworthy.

See knowledge/README.md for the file format. Validation errors carry the field's location; the
loader adds the file name.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay
from typing import TYPE_CHECKING, Dict, List, Literal, Optional, Tuple, Union
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Extra,
    HttpUrl,
    StrictStr,
    conint,
    constr,
    root_validator,
    validator,
)

from bot.gsm7 import septets, to_gsm7, unsupported_characters
from bot.offer.schema import check_values
from bot.plain_text import plain
from bot.storage.phone import InvalidPhone, normalise_french_phone
from bot.texts import section

SMS_MAX_SEPTETS = 306  # two concatenated GSM-7 SMS segments (2 x 153)

THEMES = (
    "emploi",
    "jeunes",
    "formation",
    "numerique",
    "enfants",
    "mobilite",
    "logement",
    "argent",
    "sante",
    "reseau",
    "entreprise",
)

# What a call-back request to a référent can be about, and how it is shown (buttons, emails).
ALERT_THEME_LABELS: Dict[str, str] = section("labels.alert_themes")
ALERT_THEMES = tuple(ALERT_THEME_LABELS)

# The kinds of danger the detector (bot/nlu/danger.py) tells apart, as staff read them (emails,
# console). The resident's replies, one per kind, are domain.yml's utter_danger_<kind>.
DANGER_LABELS: Dict[str, str] = section("labels.dangers")
DANGER_CATEGORIES = tuple(DANGER_LABELS)

# Aspects a resident can ask about once a dispositif is in context, and the field that answers.
ASPECT_FIELDS = {
    "overview": "answer",
    "amount": "benefits",
    "eligibility": "eligibility",
    "how_to_apply": "how_to_apply",
    "contact": "contact",
}

ASPECTS_ENDING_WITH_NEXT_STEP = ("overview", "amount", "eligibility")
# The texts of a fiche sent on the web (the SMS answer is `sms`).
WEB_TEXT_FIELDS = ("answer", "eligibility", "benefits", "how_to_apply", "contact", "next_step")
TEXT_FIELDS = ("title", "sms") + WEB_TEXT_FIELDS

if TYPE_CHECKING:  # pydantic's constrained types are classes made at run time: mypy sees these
    Text = str
    Slug = str
    ReviewMonths = int
    Weeks = int
    Capacity = int
else:
    Text = constr(strip_whitespace=True, min_length=1)
    Slug = constr(strip_whitespace=True, regex=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    ReviewMonths = conint(ge=1, le=24)
    Weeks = conint(ge=1, le=52)
    Capacity = conint(gt=0)

# Café emploi sessions happen in mainland France: recurring times are Paris wall-clock times.
PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("lundi", "monday"),
            ("mardi", "tuesday"),
            ("mercredi", "wednesday"),
            ("jeudi", "thursday"),
            ("vendredi", "friday"),
            ("samedi", "saturday"),
            ("dimanche", "sunday"),
        ]
    )
    for name in names
}
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")
_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")

# "552,29 €", "1 200 €", "5 000 euros": an amount in euros, whatever the spacing.
_EURO_AMOUNT = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f.]\d{3})*(?:,\d+)?)\s*(?:€|euros?\b)")


def euro_amounts(text: str) -> set:
    """Euro amounts written in a text, normalised ("1 200,5")."""
    return {re.sub(r"[ \u00a0\u202f.]", " ", m) for m in _EURO_AMOUNT.findall(text)}


def _not_empty(value: list) -> list:
    if not value:
        raise ValueError("at least one entry is required")
    return value


def _within_two_sms(value: str) -> str:
    """At most two concatenated SMS once written in GSM-7 (accents converted)."""
    length = septets(to_gsm7(value))
    if length > SMS_MAX_SEPTETS:
        raise ValueError(f"{length} GSM-7 characters, more than {SMS_MAX_SEPTETS} (two SMS)")
    return value


def _not_in_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"date {value.isoformat()} is in the future")
    return value


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class Source(_Strict):
    title: Text
    url: HttpUrl
    verified: date

    _verified_not_in_future = validator("verified", allow_reuse=True)(_not_in_future)


def is_home_page(url: str) -> bool:
    """A site's home page ("https://www.caf.fr", ".../fr/"): nobody can check a figure there."""
    path = urlparse(url).path.strip("/")
    return path in ("", "fr", "accueil", "index.html", "index.php")


class Figure(_Strict):
    label: Text
    value: Text
    # The day the rule or amount took effect (from the text that set it), never the day it was read.
    applies_from: date
    # When to check it again before anything else: a yearly revaluation, a law under discussion.
    review_by: Optional[date] = None
    source: Text

    @validator("source")
    def _deep_page(cls, value: str) -> str:
        if is_home_page(value):
            raise ValueError(f"{value} is a site's home page: cite the page that states the figure")
        return value


# --- Eligibility rules (bot/knowledge/eligibility.py decides with them) ---

# What is known of a fact: an age in whole years, or a status (yes or no).
Fact = Union[int, bool]
MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
# A condition that is not exhaustive and none of whose listed ways holds: not met as far as the
# facts go, but other ways exist that they cannot tell (or the fact sheet is unsure): to confirm.
DOUBTFUL = "doubtful"


class FactTest(_Strict):
    """All of these must hold: an age range (inclusive, in whole years) and statuses."""

    age_min: Optional[int] = None  # the person's age, in whole years
    age_max: Optional[int] = None
    rqth: Optional[bool] = None  # recognised as a disabled worker
    registered_ft: Optional[bool] = None  # registered as a job seeker at France Travail
    student: Optional[bool] = None
    in_training: Optional[bool] = None
    in_work: Optional[bool] = None
    rsa: Optional[bool] = None
    child_under_3: Optional[bool] = None
    child_under_12: Optional[bool] = None
    lone_parent: Optional[bool] = None  # raises their children alone
    qpv: Optional[bool] = None  # lives in a priority neighbourhood
    apprentice: Optional[bool] = None

    def holds(self, facts: Dict[str, Fact]) -> Optional[bool]:
        """True, False, or None when a fact it needs was not said."""
        results: List[Optional[bool]] = []
        if self.age_min is not None or self.age_max is not None:
            age = facts.get("age")
            results.append(
                None
                if age is None
                else (self.age_min is None or age >= self.age_min)
                and (self.age_max is None or age <= self.age_max)
            )
        for name, wanted in self.dict(exclude={"age_min", "age_max"}).items():
            if wanted is not None:
                known = facts.get(name)
                results.append(None if known is None else known == wanted)
        if False in results:
            return False
        return None if None in results else True

    def facts(self) -> List[str]:
        """The facts this test needs."""
        named = [n for n, v in self.dict(exclude={"age_min", "age_max"}).items() if v is not None]
        return (["age"] if self.age_min is not None or self.age_max is not None else []) + named


class Condition(_Strict):
    """One condition of a fiche, with what the answer says of it and the page that states it."""

    # What the condition asks, after "il faut" ("avoir de 16 à 25 ans, ou jusqu'à 29 ans avec
    # une RQTH (reconnaissance de handicap)").
    requires: Text
    # Why it is not met, with its exceptions ("après 25 ans, le CEJ n'est possible qu'avec…").
    not_met: Text
    any_of: List[FactTest]
    source: Text
    # False where the listed ways are not all the ways (the publics of the IAE: long-term
    # unemployment is not a fact the assistant reads) or where the fact sheet is unsure of the
    # rule (the apprenticeship's ages): the condition is met by a listed way, and never not met;
    # when no listed way holds it is DOUBTFUL, and `not_met` says what to confirm.
    exhaustive: bool = True

    _some_way = validator("any_of", allow_reuse=True)(_not_empty)

    def status(self, facts: Dict[str, Fact]) -> str:
        ways = [way.holds(facts) for way in self.any_of]
        if True in ways:
            return MET
        if not self.exhaustive:
            return DOUBTFUL if all(way is False for way in ways) else UNKNOWN
        if ways[0] is False:
            return NOT_MET
        return UNKNOWN


class Caveat(_Strict):
    """Something to say when a fact holds, without deciding anything ("the CEJ allowance does
    not add to the RSA")."""

    when: FactTest
    says: Text
    source: Text


class Rules(_Strict):
    """A fiche's eligibility conditions; `confirm_with` decides in the end ("la Mission locale")."""

    confirm_with: Text
    conditions: List[Condition]
    caveats: List[Caveat] = []

    _some_condition = validator("conditions", allow_reuse=True)(_not_empty)

    def sources(self) -> List[str]:
        return [c.source for c in self.conditions] + [c.source for c in self.caveats]

    def facts(self) -> List[str]:
        """The facts these rules need, in the order they first appear."""
        tests = [way for c in self.conditions for way in c.any_of] + [c.when for c in self.caveats]
        needed: List[str] = []
        for test in tests:
            needed += [name for name in test.facts() if name not in needed]
        return needed


class Fiche(_Strict):
    id: Text
    title: Text
    themes: List[Literal[THEMES]]  # type: ignore[valid-type]
    # data·inclusion v1 thematiques of the local services that go with the fiche (bot/offer/):
    # after the mobility fiche, "c'est où ?" lists the territory's driving-licence services.
    thematiques: List[StrictStr] = []
    status: Literal["open", "closed"]
    sms: Text
    answer: Text
    eligibility: Text
    benefits: Text
    how_to_apply: Text
    contact: Text
    # The one thing to do now and whom to contact: ends the overview, eligibility and amount
    # answers (each may be sent alone).
    next_step: Text
    documents: List[Text] = []
    figures: List[Figure]
    sources: List[Source]
    # Who keeps the fiche true (a role, not a person), and how often its sources are re-read.
    owner: Text
    review_every_months: ReviewMonths
    # Where eligibility is decidable from a few facts: the pre-check's conditions.
    rules: Optional[Rules] = None

    _themes_and_sources = validator("themes", "sources", allow_reuse=True)(_not_empty)

    @validator("thematiques")
    def _known_thematiques(cls, value: List[str]) -> List[str]:
        return check_values("thematiques", value)

    @validator("sms")
    def _fits_two_sms(cls, value: str) -> str:
        unsupported = unsupported_characters(value)
        if unsupported:
            raise ValueError(f"characters outside GSM-7: {''.join(sorted(unsupported))}")
        return _within_two_sms(value)

    @root_validator(skip_on_failure=True)
    def _figures_are_sourced(cls, values: Dict) -> Dict:
        source_urls = {str(source.url) for source in values["sources"]}
        for index, figure in enumerate(values["figures"]):
            if figure.source not in source_urls:
                raise ValueError(
                    f"figures[{index}].source: {figure.source} is not the url of one of the sources"
                )
        declared = set().union(*(euro_amounts(f.value) for f in values["figures"]))
        for field in ("sms",) + WEB_TEXT_FIELDS:
            undeclared = euro_amounts(values[field]) - declared
            if undeclared:
                raise ValueError(
                    f"{field}: amount(s) {', '.join(sorted(undeclared))} € not declared in figures"
                )
        if values.get("rules") is not None:
            for used in values["rules"].sources():
                if used not in source_urls:
                    raise ValueError(f"rules: {used} is not the url of one of the sources")
        return values

    @property
    def verified(self) -> date:
        """The fiche is only as fresh as its least recently checked source."""
        return min(source.verified for source in self.sources)

    def aspect(self, aspect: str) -> str:
        """The text answering one aspect (overview, amount, eligibility, how_to_apply, contact),
        ending with the next step where the aspect is not itself about what to do."""
        text = getattr(self, ASPECT_FIELDS[aspect])
        if aspect in ASPECTS_ENDING_WITH_NEXT_STEP:
            text = f"{text} {self.next_step}"
        return text

    def texts(self) -> Dict[str, str]:
        """Every text a resident can receive from this fiche, by field."""
        texts = {field: getattr(self, field) for field in TEXT_FIELDS}
        texts.update({f"documents[{i}]": item for i, item in enumerate(self.documents)})
        if self.rules is not None:  # the pre-check's words reach residents too
            for i, condition in enumerate(self.rules.conditions):
                texts[f"rules.conditions[{i}].requires"] = condition.requires
                texts[f"rules.conditions[{i}].not_met"] = condition.not_met
            for i, caveat in enumerate(self.rules.caveats):
                texts[f"rules.caveats[{i}].says"] = caveat.says
        return texts


class Orientation(_Strict):
    """Where to go for a public-service request no fiche covers (knowledge/orientations.yml)."""

    id: Slug
    title: Text
    words: List[Text]
    answer: Text
    sources: List[Source]

    _words_and_sources = validator("words", "sources", allow_reuse=True)(_not_empty)
    _answer_fits_two_sms = validator("answer", allow_reuse=True)(_within_two_sms)

    def matches(self, plain_text: str) -> bool:
        """Whether one of its words appears, as whole words, in a text reduced by `plain`."""
        padded = f" {plain_text} "
        return any(f" {plain(word)} " in padded for word in self.words)


class Orientations(_Strict):
    orientations: List[Orientation]

    @validator("orientations")
    def _unique_ids(cls, value: List[Orientation]) -> List[Orientation]:
        refuse_repeated("ids", [orientation.id for orientation in value])
        return value


class Contact(_Strict):
    name: Text
    phone: Text
    email: Text
    address: Text
    hours: Text


class CentreSocial(_Strict):
    slug: Slug  # how sessions name their centre; never shown
    name: Text
    address: Text
    quartier: Text
    accessibility: Text
    opening_hours: Text


class Referent(_Strict):
    """Who calls residents back: an alert goes to the référent of its theme and quartier."""

    name: Text
    email: Text
    phone: Text
    themes: List[Literal[ALERT_THEMES]] = []  # type: ignore[valid-type]
    quartiers: List[Text] = []  # empty: every quartier

    def handles(self, theme: str, quartier: str) -> bool:
        return theme in self.themes and (not self.quartiers or quartier in self.quartiers)


class Weekly(_Strict):
    """A session every week on `weekday` at `time` (Paris), for the next `weeks` weeks."""

    weekday: StrictStr
    time: StrictStr  # quoted in YAML: unquoted 9:30 is read as a number
    weeks: Weeks

    @validator("weekday")
    def _known_weekday(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in WEEKDAYS:
            raise ValueError(f"'{value}' is not a weekday (lundi … dimanche, or monday … sunday)")
        return value

    @validator("time")
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value.strip()):
            raise ValueError(f"'{value}' is not a time of day like \"09:30\"")
        return value.strip()

    @property
    def clock(self) -> TimeOfDay:
        match = _CLOCK.match(self.time)
        assert match is not None  # checked at load (`_clock_time`)
        hours, minutes = match.groups()
        return TimeOfDay(int(hours), int(minutes))

    def dates(self, now: datetime) -> List[datetime]:
        """The next `weeks` start times from `now` on (a session later today counts)."""
        today = now.astimezone(PARIS).date()
        first = today + timedelta(days=(WEEKDAYS[self.weekday] - today.weekday()) % 7)
        if datetime.combine(first, self.clock, tzinfo=PARIS) <= now:
            first += timedelta(weeks=1)
        return [
            datetime.combine(first + timedelta(weeks=n), self.clock, tzinfo=PARIS)
            for n in range(self.weeks)
        ]


class CafeSessionEntry(_Strict):
    """One dated session (`starts_at`), or a weekly series (`recurring`), at a centre social."""

    key: Slug  # a series' sessions get the key plus their date: tilleuls-jeudi-2026-12-03
    centre: Slug
    starts_at: Optional[datetime] = None
    recurring: Optional[Weekly] = None
    theme: Text
    capacity: Capacity

    @validator("starts_at")
    def _with_offset(cls, value: Optional[datetime]) -> Optional[datetime]:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the UTC offset, e.g. 2026-12-03T09:30:00+01:00")
        return value

    @root_validator(skip_on_failure=True)
    def _dated_or_recurring(cls, values: Dict) -> Dict:
        if (values.get("starts_at") is None) == (values.get("recurring") is None):
            raise ValueError("give starts_at (one date) or recurring (every week), not both")
        return values


@dataclass(frozen=True)
class DatedSession:
    """A session with its own date: what the database holds."""

    key: str
    centre: str
    starts_at: datetime
    theme: str
    capacity: int


class Territory(_Strict):
    name: Text
    reception: Contact
    # The number residents text (the operator's "To"): an SMS belongs to the territory of the
    # number it was sent to, and its replies go from it. Written as residents see it; read as
    # E.164 ("+33639980001").
    sms_number: Optional[Text] = None
    # How soon a référent calls back, as told to residents: "2 jours ouvrés".
    callback_delay: Text
    # How soon after an urgent alert (raised after a danger message), as told to residents.
    urgent_callback_delay: Text
    # Gets the alerts no référent handles, and a copy of every urgent one.
    coordinator: Referent
    referents: List[Referent] = []
    centres_sociaux: List[CentreSocial] = []
    cafe_sessions: List[CafeSessionEntry] = []
    # The quartiers prioritaires de la politique de la ville (QPV) of the territory, by the names
    # residents use; a QPV may have no centre social. Source: the QPV list of the ANCT (sig.ville).
    qpv: List[Text] = []

    @property
    def quartiers(self) -> List[str]:
        """The territory's quartiers: those of its centres, then the QPV without a centre."""
        return list(dict.fromkeys([c.quartier for c in self.centres_sociaux] + self.qpv))

    def is_qpv(self, quartier: str) -> bool:
        return quartier in self.qpv

    @validator("sms_number")
    def _e164(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        try:
            return normalise_french_phone(value)
        except InvalidPhone:
            raise ValueError(f"'{value}' is not a French phone number") from None

    def referent_for(self, theme: str, quartier: str) -> Referent:
        """The first référent for this theme and quartier, else the coordinator."""
        return next((r for r in self.referents if r.handles(theme, quartier)), self.coordinator)

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: Dict) -> Dict:
        problems = []
        slugs = [centre.slug for centre in values["centres_sociaux"]]
        problems += [
            f"centres_sociaux: {slug}: appears more than once" for slug in _repeated(slugs)
        ]
        keys = [entry.key for entry in values["cafe_sessions"]]
        problems += [f"cafe_sessions: {key}: appears more than once" for key in _repeated(keys)]
        quartiers = {centre.quartier for centre in values["centres_sociaux"]}
        for referent in values["referents"]:
            problems += [
                f"referents: {referent.name}: unknown quartier '{quartier}'"
                for quartier in referent.quartiers
                if quartier not in quartiers
            ]
        series = [entry.key for entry in values["cafe_sessions"] if entry.recurring]
        for entry in values["cafe_sessions"]:
            if entry.centre not in slugs:
                problems.append(f"cafe_sessions: {entry.key}: unknown centre '{entry.centre}'")
            prefix = _DATE_SUFFIX.sub("", entry.key)
            if entry.recurring is None and prefix != entry.key and prefix in series:
                problems.append(
                    f"cafe_sessions: {entry.key}: a session of the weekly series '{prefix}' "
                    "could get this key"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return values

    def sessions(self, now: datetime) -> List[DatedSession]:
        """Every session with its own date and key, weekly series expanded from `now` on."""
        dated = []
        for entry in self.cafe_sessions:
            starts: List[Tuple[str, datetime]]
            if entry.starts_at is not None:
                starts = [(entry.key, entry.starts_at)]
            else:  # the schema requires one of the two
                assert entry.recurring is not None
                starts = [
                    (f"{entry.key}-{start.date().isoformat()}", start)
                    for start in entry.recurring.dates(now)
                ]
            dated += [
                DatedSession(key, entry.centre, start, entry.theme, entry.capacity)
                for key, start in starts
            ]
        return dated


def _repeated(items: List[str]) -> List[str]:
    return sorted({item for item in items if items.count(item) > 1})


def refuse_repeated(what: str, items: List[str]) -> None:
    """A ValueError naming the `what` (ids, terms) that appear more than once, if any."""
    repeated = _repeated(items)
    if repeated:
        raise ValueError(f"{what} appear more than once: {', '.join(repeated)}")
