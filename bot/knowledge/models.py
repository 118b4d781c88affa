"""Schemas of a fiche and of a territory file, with the rules that make knowledge trustworthy.

See knowledge/README.md for the file format. Validation errors carry the field's location; the
loader adds the file name.
"""

import re
from datetime import date
from typing import Dict, List, Literal

from pydantic import BaseModel, Extra, HttpUrl, constr, root_validator, validator

from bot.gsm7 import septets, to_gsm7, unsupported_characters

SMS_MAX_SEPTETS = 306  # two concatenated GSM-7 SMS segments (2 x 153)

THEMES = (
    "emploi", "jeunes", "formation", "numerique", "enfants", "mobilite",
    "logement", "argent", "sante", "reseau", "entreprise",
)

# Aspects a resident can ask about once a dispositif is in context, and the field that answers.
ASPECT_FIELDS = {
    "overview": "answer",
    "amount": "benefits",
    "eligibility": "eligibility",
    "how_to_apply": "how_to_apply",
    "contact": "contact",
}

Text = constr(strip_whitespace=True, min_length=1)

# "552,29 €", "1 200 €", "5 000 euros": an amount in euros, whatever the spacing.
_EURO_AMOUNT = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f.]\d{3})*(?:,\d+)?)\s*(?:€|euros?\b)")


def euro_amounts(text: str) -> set:
    """Euro amounts written in a text, normalised ("1 200,5")."""
    return {re.sub(r"[ \u00a0\u202f.]", " ", m) for m in _EURO_AMOUNT.findall(text)}


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


class Figure(_Strict):
    label: Text
    value: Text
    applies_from: date
    source: Text


class Fiche(_Strict):
    id: Text
    title: Text
    themes: List[Literal[THEMES]]  # type: ignore[valid-type]
    status: Literal["open", "closed"]
    sms: Text
    answer: Text
    eligibility: Text
    benefits: Text
    how_to_apply: Text
    contact: Text
    documents: List[Text] = []
    figures: List[Figure]
    sources: List[Source]

    @validator("themes", "sources")
    def _not_empty(cls, value: list) -> list:
        if not value:
            raise ValueError("at least one entry is required")
        return value

    @validator("sms")
    def _fits_two_sms(cls, value: str) -> str:
        unsupported = unsupported_characters(value)
        if unsupported:
            raise ValueError(f"characters outside GSM-7: {''.join(sorted(unsupported))}")
        length = septets(to_gsm7(value))
        if length > SMS_MAX_SEPTETS:
            raise ValueError(f"{length} GSM-7 characters, more than {SMS_MAX_SEPTETS} (two SMS)")
        return value

    @root_validator(skip_on_failure=True)
    def _figures_are_sourced(cls, values: Dict) -> Dict:
        source_urls = {str(source.url) for source in values["sources"]}
        for index, figure in enumerate(values["figures"]):
            if figure.source not in source_urls:
                raise ValueError(
                    f"figures[{index}].source: {figure.source} is not the url of one of the sources"
                )
        declared = set().union(*(euro_amounts(f.value) for f in values["figures"]))
        for field in ("sms", "answer", "eligibility", "benefits", "how_to_apply", "contact"):
            undeclared = euro_amounts(values[field]) - declared
            if undeclared:
                raise ValueError(
                    f"{field}: amount(s) {', '.join(sorted(undeclared))} € not declared in figures"
                )
        return values

    @property
    def verified(self) -> date:
        """The fiche is only as fresh as its least recently checked source."""
        return min(source.verified for source in self.sources)

    def aspect(self, aspect: str) -> str:
        """The text answering one aspect (overview, amount, eligibility, how_to_apply, contact)."""
        return getattr(self, ASPECT_FIELDS[aspect])


class Contact(_Strict):
    name: Text
    phone: Text
    email: Text
    address: Text
    hours: Text


class Territory(_Strict):
    name: Text
    reception: Contact
