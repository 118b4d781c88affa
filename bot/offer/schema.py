"""data·inclusion schema v1 records (`structure`, `service`), validated with pydantic v1.

The schema's own package (data-inclusion-schema) needs pydantic 2, which Rasa 3.6 forbids, so the
fields, types and required fields are restated here from its v1 models (data-inclusion-schema
1.0.10: src/data_inclusion/schema/v1/structures.py and services.py), and the closed vocabularies
are read from vocabularies.yml, a copy of the schema repository's lists. Fields the API adds to
the schema's (`score_qualite`, `adresse_certifiee`, `doublons`…) are ignored.

A record that breaks the schema gives `RecordProblem`s naming the record (kind, source, id, its
position in the file) and the field, so that whoever exported it can fix it at the source.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Type, Union

import yaml
from pydantic import (
    BaseModel,
    Extra,
    HttpUrl,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    constr,
    validator,
)

VOCABULARIES = Path(__file__).with_name("vocabularies.yml")
OLDEST_DATE = date(2000, 1, 1)  # the schema's own bound: "date_maj doit être au 21e siècle"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# zone_eligibilite: commune, département, EPCI (SIREN) or pays codes of the COG, or "france".
_ZONE = re.compile(r"^(?:\w{5}|\w{2,3}|\d{9}|99[0-5]\d{2}|france)$")

if TYPE_CHECKING:  # pydantic's constrained types are classes made at run time: mypy sees these
    Name = str
    Description = str
    CodePostal = str
    CodeCommune = str
    Siret = str
else:
    Name = constr(strict=True, strip_whitespace=True, min_length=3, max_length=150)
    Description = constr(strict=True, strip_whitespace=True, min_length=5, max_length=10000)
    CodePostal = constr(strict=True, regex=r"^\d{5}$")
    CodeCommune = constr(strict=True, regex=r"^\w{5}$")
    Siret = constr(strict=True, regex=r"^\d{14}$")


@lru_cache(maxsize=1)
def vocabularies() -> Dict[str, Dict[str, str]]:
    """Each closed vocabulary of the schema: {field: {value: label}}."""
    data = yaml.safe_load(VOCABULARIES.read_text(encoding="utf-8"))
    return {field: dict(values) for field, values in data.items()}


def vocabulary(field: str) -> Tuple[str, ...]:
    """The values a field may take ("thematiques", "publics", "frais"…)."""
    return tuple(vocabularies()[field])


def check_values(field: str, values: List[str]) -> List[str]:
    """`values` without duplicates, or ValueError naming each value not in `field`'s vocabulary
    (the schema's lists are sets)."""
    known = vocabularies()[field]
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ValueError(
            f"{', '.join(map(repr, unknown))} not in the data·inclusion v1 vocabulary of {field}"
        )
    return list(dict.fromkeys(values))


def _iso_date(value: Any) -> Any:
    """The schema's dates are ISO strings ("2025-02-14"): a number is not one (pydantic v1 would
    read it as a Unix time)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("not a date written YYYY-MM-DD")
    return value


def _date_in_range(value: date) -> date:
    if value < OLDEST_DATE:
        raise ValueError(f"{value.isoformat()} is before {OLDEST_DATE.isoformat()}")
    if value > date.today():
        raise ValueError(f"{value.isoformat()} is in the future")
    return value


def _email(value: Optional[str]) -> Optional[str]:
    if value is not None and not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _vocabulary(field: str):
    def check(cls, value):
        if value is None or isinstance(value, list):
            return value if value is None else check_values(field, value)
        return check_values(field, [value])[0]

    return validator(field, allow_reuse=True)(check)


def _not_empty(value: Optional[list]) -> Optional[list]:
    if value is not None and not value:
        raise ValueError("at least one value, or no field at all")
    return value


class _Record(BaseModel):
    class Config:
        extra = Extra.ignore  # the API adds its own fields (score_qualite, adresse_certifiee…)
        anystr_strip_whitespace = True

    source: StrictStr
    id: StrictStr
    nom: Name
    date_maj: date

    commune: Optional[StrictStr] = None
    code_postal: Optional[CodePostal] = None
    code_insee: Optional[CodeCommune] = None
    adresse: Optional[StrictStr] = None
    complement_adresse: Optional[StrictStr] = None
    longitude: Optional[Union[StrictFloat, StrictInt]] = None
    latitude: Optional[Union[StrictFloat, StrictInt]] = None
    telephone: Optional[StrictStr] = None
    courriel: Optional[StrictStr] = None
    lien_source: Optional[HttpUrl] = None
    # OpenStreetMap opening_hours; not checked here: unreadable hours are simply not shown.
    horaires_accueil: Optional[StrictStr] = None

    _date_format = validator("date_maj", pre=True, allow_reuse=True)(_iso_date)
    _date_range = validator("date_maj", allow_reuse=True)(_date_in_range)
    _courriel = validator("courriel", allow_reuse=True)(_email)

    @validator("source", "id")
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("empty")
        return value


class Structure(_Record):
    """A place that receives the public: a centre social, an association, an agency."""

    description: Optional[Description] = None
    siret: Optional[Siret] = None
    site_web: Optional[HttpUrl] = None
    # A link to the place's page on Accèslibre (https://acceslibre.beta.gouv.fr/).
    accessibilite_lieu: Optional[HttpUrl] = None
    reseaux_porteurs: Optional[List[StrictStr]] = None

    _reseaux = _vocabulary("reseaux_porteurs")


class Service(_Record):
    """What a structure offers: driving-licence help, French lessons, a digital workshop…"""

    structure_id: StrictStr
    description: Description
    type: Optional[StrictStr] = None
    thematiques: Optional[List[StrictStr]] = None
    frais: Optional[StrictStr] = None
    frais_precisions: Optional[StrictStr] = None
    publics: Optional[List[StrictStr]] = None
    publics_precisions: Optional[StrictStr] = None
    conditions_acces: Optional[StrictStr] = None
    modes_accueil: Optional[List[StrictStr]] = None
    zone_eligibilite: Optional[List[StrictStr]] = None
    contact_nom_prenom: Optional[StrictStr] = None
    lien_mobilisation: Optional[HttpUrl] = None
    modes_mobilisation: Optional[List[StrictStr]] = None
    mobilisable_par: Optional[List[StrictStr]] = None
    mobilisation_precisions: Optional[StrictStr] = None
    volume_horaire_hebdomadaire: Optional[Union[StrictFloat, StrictInt]] = None
    nombre_semaines: Optional[StrictInt] = None

    _type = _vocabulary("type")
    _thematiques = _vocabulary("thematiques")
    _frais = _vocabulary("frais")
    _modes_accueil = _vocabulary("modes_accueil")
    _modes_mobilisation = _vocabulary("modes_mobilisation")
    _mobilisable_par = _vocabulary("mobilisable_par")
    _non_empty = validator(
        "publics", "zone_eligibilite", "modes_mobilisation", "mobilisable_par", allow_reuse=True
    )(_not_empty)

    @validator("publics")
    def _publics(cls, value: Optional[List[str]]) -> Optional[List[str]]:
        if value is None:
            return None
        value = check_values("publics", value)
        if "tous-publics" in value and len(value) > 1:
            raise ValueError("'tous-publics' cannot be used with other values")
        return value

    @validator("zone_eligibilite", each_item=True)
    def _zone(cls, value: str) -> str:
        if not _ZONE.match(value):
            raise ValueError(
                f"{value!r} is not an INSEE code (municipality, department, EPCI, country)"
            )
        return value

    @validator("volume_horaire_hebdomadaire")
    def _hours(cls, value: Optional[float]) -> Optional[float]:
        if value is not None and value < 0:
            raise ValueError("negative")
        return value

    @validator("nombre_semaines")
    def _weeks(cls, value: Optional[int]) -> Optional[int]:
        if value is not None and value < 1:
            raise ValueError("below 1")
        return value


Record = Union[Structure, Service]
KINDS: Dict[str, Union[Type[Structure], Type[Service]]] = {
    "structure": Structure,
    "service": Service,
}


@dataclass(frozen=True)
class RecordProblem:
    """Why one record was refused: which record, which field, what is wrong."""

    kind: str  # "structure" or "service"
    position: int  # the record's index in the file's list, from 0
    source: Optional[str]
    id: Optional[str]
    field: str
    message: str

    def __str__(self) -> str:
        who = f"{self.kind} {self.id or '(no id)'}"
        if self.source:
            who += f" (source {self.source})"
        return f"{who} [#{self.position}]: {self.field}: {self.message}"


def validate_record(
    kind: str, raw: Any, position: int = 0
) -> Tuple[Optional[Record], List[RecordProblem]]:
    """The record as a `Structure` or `Service`, or None and every problem found in it."""
    if not isinstance(raw, dict):
        problem = RecordProblem(kind, position, None, None, "(record)", "not a JSON object")
        return None, [problem]
    source, record_id = _text_or_none(raw.get("source")), _text_or_none(raw.get("id"))
    try:
        return KINDS[kind].parse_obj(raw), []
    except ValidationError as error:
        problems = [
            RecordProblem(
                kind,
                position,
                source,
                record_id,
                ".".join(str(part) for part in detail["loc"]),
                _message(detail, raw),
            )
            for detail in error.errors()
        ]
        return None, problems


def _text_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _message(detail: Mapping[str, Any], raw: Dict[str, Any]) -> str:
    if detail["type"] == "value_error.missing":
        return "required field missing"
    field = str(detail["loc"][0])
    if detail["type"].startswith("type_error") and field in raw:
        return f"{detail['msg']} (got {type(raw[field]).__name__} {raw[field]!r})"
    return str(detail["msg"])
