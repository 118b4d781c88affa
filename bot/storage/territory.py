"""Load the territory file's centres sociaux and café emploi sessions into the database.

Staff add or edit sessions in the YAML file and reload it: entries are matched by centre slug and
session key, so a reload updates in place and creates nothing twice. Sessions missing from the
file are kept (bookings point at them). The whole file loads or nothing does.

    python -m bot.storage.territory [knowledge/territory/demo.yml]
"""

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional

import yaml
from pydantic import BaseModel, Extra, ValidationError, conint, constr, validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.booking import reschedule_reminders
from bot.storage.database import ROOT, make_engine, migrate, session_factory, transaction
from bot.storage.models import CafeSession, CentreSocial, utc_now

DEFAULT_TERRITORY_FILE = ROOT / "knowledge" / "territory" / "demo.yml"

Text = constr(strip_whitespace=True, min_length=1)
Slug = constr(strip_whitespace=True, regex=r"^[a-z0-9][a-z0-9-]*$", max_length=60)


class TerritoryError(ValueError):
    """The file cannot be loaded; the message lists every problem, naming the entry."""


class _Entry(BaseModel):
    class Config:
        extra = Extra.forbid


class CentreEntry(_Entry):
    slug: Slug
    name: Text
    address: Text
    quartier: Text
    accessibility: Text
    opening_hours: Text


class SessionEntry(_Entry):
    key: Slug
    centre: Slug
    starts_at: datetime
    theme: Text
    capacity: conint(gt=0)

    @validator("starts_at")
    def _with_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the UTC offset, e.g. 2026-12-03T09:30:00+01:00")
        return value


class TerritoryFile(BaseModel):
    """The keys this loader reads; the file's other keys belong to the knowledge base."""

    centres_sociaux: List[CentreEntry] = []
    cafe_sessions: List[SessionEntry] = []


@dataclass(frozen=True)
class LoadReport:
    centres_created: int
    centres_updated: int
    sessions_created: int
    sessions_updated: int

    def __str__(self) -> str:
        return (
            f"centres: {self.centres_created} created, {self.centres_updated} updated; "
            f"sessions: {self.sessions_created} created, {self.sessions_updated} updated"
        )


def load_territory(db: Session, path: Path, now: Optional[datetime] = None) -> LoadReport:
    """Upsert the file's centres and sessions in one transaction, or raise TerritoryError."""
    now = now or utc_now()
    territory = _read(path)
    with transaction(db):
        return _upsert(db, path, territory, now)


def _read(path: Path) -> TerritoryFile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return TerritoryFile.parse_obj(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise TerritoryError(f"{path}: cannot be read as YAML: {error}") from error
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        ]
        raise TerritoryError("\n".join(problems)) from error


def _upsert(db: Session, path: Path, territory: TerritoryFile, now: datetime) -> LoadReport:
    problems = _duplicates(path, territory)
    centres = {c.slug: c for c in db.execute(select(CentreSocial)).scalars()}
    centres_created = centres_updated = 0
    for entry in territory.centres_sociaux:
        centre = centres.get(entry.slug)
        if centre is None:
            centre = centres[entry.slug] = CentreSocial(slug=entry.slug)
            db.add(centre)
            centres_created += 1
        elif _differs(centre, entry, exclude={"slug"}):
            centres_updated += 1
        _assign(centre, entry, exclude={"slug"})

    sessions = {
        s.key: s
        for s in db.execute(
            select(CafeSession).with_for_update().execution_options(populate_existing=True)
        ).scalars()
    }
    sessions_created = sessions_updated = 0
    for entry in territory.cafe_sessions:
        where = f"{path}: cafe_sessions: {entry.key}"
        centre = centres.get(entry.centre)
        if centre is None:
            problems.append(f"{where}: unknown centre '{entry.centre}'")
            continue
        session = sessions.get(entry.key)
        if session is None:
            db.add(
                CafeSession(
                    key=entry.key,
                    centre=centre,
                    starts_at=entry.starts_at,
                    theme=entry.theme,
                    capacity=entry.capacity,
                )
            )
            sessions_created += 1
            continue
        if entry.capacity < session.booked:
            problems.append(
                f"{where}: capacity {entry.capacity} is below the {session.booked} places "
                "already booked"
            )
            continue
        moved = session.starts_at != entry.starts_at
        if _differs(session, entry, exclude={"key", "centre"}) or session.centre is not centre:
            sessions_updated += 1
        _assign(session, entry, exclude={"key", "centre"})
        session.centre = centre
        if moved:
            db.flush()
            reschedule_reminders(db, session, now)

    if problems:
        raise TerritoryError("\n".join(problems))
    db.flush()
    return LoadReport(centres_created, centres_updated, sessions_created, sessions_updated)


def _duplicates(path: Path, territory: TerritoryFile) -> List[str]:
    problems = []
    for section, ids in (
        ("centres_sociaux", [c.slug for c in territory.centres_sociaux]),
        ("cafe_sessions", [s.key for s in territory.cafe_sessions]),
    ):
        for repeated in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"{path}: {section}: {repeated}: appears more than once")
    return problems


def _differs(row, entry: BaseModel, exclude: set) -> bool:
    return any(getattr(row, k) != v for k, v in entry.dict(exclude=exclude).items())


def _assign(row, entry: BaseModel, exclude: set) -> None:
    for name, value in entry.dict(exclude=exclude).items():
        setattr(row, name, value)


def main(argv: List[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_TERRITORY_FILE
    migrate()
    engine = make_engine()
    try:
        with session_factory(engine)() as db:
            print(load_territory(db, path))
    except TerritoryError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
