"""Import a data·inclusion export into a territory's local offer: validate, then upsert.

The file is JSON as data·inclusion publishes it (API v1, https://api.data.inclusion.gouv.fr):

- a page of its API, `{"items": [...], "total": …, "page": …, "size": …, "pages": …}`, from
  `GET /api/v1/structures`, `GET /api/v1/services` or `GET /api/v1/search/services` (whose items
  are `{"service": {..., "structure": {...}}, "distance": …}`);
- a plain list of records, as in the JSON files of the data.gouv.fr dataset
  ("structures-inclusion-<date>.json", "services-inclusion-<date>.json");
- or both resources in one file, `{"structures": <page or list>, "services": <page or list>}`
  (knowledge/offer/*.json are such files).

A record with `structure_id` is a service, one without is a structure; structures embedded in
services (`service.structure`) and services embedded in structures (`structure.services`) are
read too. Each record is validated against the schema (bot/offer/schema.py); a bad record is
reported, naming the record and the field, and skipped. The good ones are upserted in one
transaction, keyed by territory, source and id: an import run twice creates nothing twice, and a
record whose content changed (its `date_maj` with it) is updated. A record is written whole or
not at all. Records missing from a later export are kept (their `date_maj` ages: the query ranks
stale ones last).

    python -m bot.offer import FILE --territory ID

Exit code 0 with a report (created, updated, unchanged, skipped, and why each was skipped) even
when records were skipped; 1 when the file cannot be read (not there, not JSON, not one of the
shapes above); 2 for a wrong command line, an unknown territory included.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge import served_territories
from bot.offer.schema import RecordProblem, Service, Structure, validate_record
from bot.storage.database import transaction
from bot.storage.models import LocalService, LocalStructure, utc_now

STRUCTURE, SERVICE = "structure", "service"
MODELS: Dict[str, Any] = {STRUCTURE: LocalStructure, SERVICE: LocalService}
# The schema's list fields, stored as JSON arrays.
LIST_FIELDS = ("thematiques", "publics", "modes_accueil", "modes_mobilisation", "zone_eligibilite")


class ExportError(ValueError):
    """The file itself cannot be read: nothing was imported."""


class UnknownTerritoryError(ValueError):
    """The territory id names no file of knowledge/territory/ this deployment serves."""


@dataclass
class ImportReport:
    """What an import did, per kind of record, and why each skipped record was refused."""

    counts: Dict[str, Counter] = field(
        default_factory=lambda: {STRUCTURE: Counter(), SERVICE: Counter()}
    )
    problems: List[RecordProblem] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> int:
        """How many records of `kind` were "created", "updated", "unchanged" or "skipped"."""
        return self.counts[kind][outcome]

    def __str__(self) -> str:
        lines = [
            f"{kind}s: "
            + ", ".join(
                f"{self.count(kind, outcome)} {outcome}"
                for outcome in ("created", "updated", "unchanged", "skipped")
            )
            for kind in (STRUCTURE, SERVICE)
        ]
        if self.problems:
            lines.append("skipped records:")
            lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class RawRecord:
    kind: str
    position: int  # its index in the list it came from
    data: Any


def check_territory(territory: str, knowledge_dir: Optional[Path] = None) -> None:
    """UnknownTerritoryError unless this deployment serves `territory`."""
    served = served_territories(knowledge_dir)
    if territory not in served:
        raise UnknownTerritoryError(
            f"unknown territory {territory!r}: this deployment serves {', '.join(served)} "
            "(the file names of knowledge/territory/, or TERRITORIES)"
        )


def read_export(path: Path) -> List[RawRecord]:
    """The records of the file, not yet validated; ExportError if the file cannot be read."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{path}: cannot read a JSON export ({error})") from error
    return records_of(document, str(path))


def records_of(document: Any, name: str = "export") -> List[RawRecord]:
    """The records of a decoded export, in any of the shapes the module docstring lists."""
    if isinstance(document, dict) and ("structures" in document or "services" in document):
        records = []
        for key, kind in (("structures", STRUCTURE), ("services", SERVICE)):
            if key in document:
                records += list(_records(_items(document[key], f"{name}: {key}"), kind))
        return records
    return list(_records(_items(document, name), None))


def _items(value: Any, name: str) -> List[Any]:
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return value["items"]
    if isinstance(value, list):
        return value
    raise ExportError(
        f"{name}: expected a list of records or a page of the data·inclusion API "
        '({"items": [...]}), not ' + type(value).__name__
    )


def _records(items: List[Any], kind: Optional[str]) -> Iterator[RawRecord]:
    for position, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("service"), dict):
            item = item["service"]  # a search result: {"service": {...}, "distance": …}
            item_kind = SERVICE
        elif kind is not None:
            item_kind = kind
        else:
            item_kind = SERVICE if isinstance(item, dict) and "structure_id" in item else STRUCTURE
        yield RawRecord(item_kind, position, item)
        if isinstance(item, dict) and isinstance(item.get("structure"), dict):
            yield RawRecord(STRUCTURE, position, item["structure"])
        if isinstance(item, dict) and isinstance(item.get("services"), list):
            for inner, service in enumerate(item["services"]):
                yield RawRecord(SERVICE, inner, service)


def import_file(
    db: Session,
    path: Path,
    territory: str,
    now: Optional[datetime] = None,
    knowledge_dir: Optional[Path] = None,
) -> ImportReport:
    """Read, validate and upsert the export at `path` into `territory`'s local offer."""
    check_territory(territory, knowledge_dir)
    return import_records(db, read_export(path), territory, now)


def import_records(
    db: Session, records: List[RawRecord], territory: str, now: Optional[datetime] = None
) -> ImportReport:
    """Validate every record, then upsert the valid ones in one transaction."""
    now = now or utc_now()
    report = ImportReport()
    valid: Dict[Tuple[str, str, str], Tuple[str, Dict[str, Any]]] = {}
    for record in records:
        parsed, problems = validate_record(record.kind, record.data, record.position)
        values = _values(parsed) if parsed is not None else None
        if values is not None:
            problems = _too_long(record, values)
        if problems or parsed is None or values is None:
            report.problems += problems
            report.counts[record.kind]["skipped"] += 1
            continue
        # The same record twice (a structure embedded in each of its services): the last wins.
        valid[(record.kind, parsed.source, parsed.id)] = (record.kind, values)

    with transaction(db):
        existing = {
            (kind, row.source, row.record_id): row
            for kind, model in MODELS.items()
            for row in db.execute(select(model).where(model.territory == territory)).scalars()
        }
        for key, (kind, values) in valid.items():
            row = existing.get(key)
            if row is None:
                db.add(MODELS[kind](territory=territory, imported_at=now, **values))
                report.counts[kind]["created"] += 1
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.imported_at = now
                report.counts[kind]["updated"] += 1
            else:
                row.imported_at = now
                report.counts[kind]["unchanged"] += 1
    return report


def _values(record: Any) -> Optional[Dict[str, Any]]:
    """The columns of the record's row."""
    common = {
        "source": record.source,
        "record_id": record.id,
        "nom": record.nom,
        "adresse": record.adresse,
        "complement_adresse": record.complement_adresse,
        "code_postal": record.code_postal,
        "commune": record.commune,
        "telephone": record.telephone,
        "courriel": record.courriel,
        "horaires_accueil": record.horaires_accueil,
        "date_maj": record.date_maj,
    }
    if isinstance(record, Structure):
        return {
            **common,
            "site_web": _url(record.site_web),
            "accessibilite_lieu": _url(record.accessibilite_lieu),
        }
    if isinstance(record, Service):
        return {
            **common,
            "structure_id": record.structure_id,
            "description": record.description,
            "frais": record.frais,
            "frais_precisions": record.frais_precisions,
            "lien_mobilisation": _url(record.lien_mobilisation),
            "mobilisation_precisions": record.mobilisation_precisions,
            **{
                name: json.dumps(getattr(record, name) or [], ensure_ascii=False)
                for name in LIST_FIELDS
            },
        }
    return None


def _url(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _too_long(record: RawRecord, values: Dict[str, Any]) -> List[RecordProblem]:
    """Texts longer than their column: the schema has no bound there, the database has."""
    columns = MODELS[record.kind].__table__.c
    problems = []
    for name, value in values.items():
        length = getattr(columns[name].type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            problems.append(
                RecordProblem(
                    record.kind,
                    record.position,
                    values["source"],
                    values["record_id"],
                    "id" if name == "record_id" else name,
                    f"longer than {length} characters",
                )
            )
    return problems
