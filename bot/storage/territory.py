"""Load a territory file's centres sociaux and café emploi sessions into the database.

Staff add or edit sessions in the YAML file and reload it: entries are matched by centre slug and
session key, so a reload updates in place and creates nothing twice. A weekly series is expanded
from today: each reload adds the weeks that came into range. Sessions missing from the file are
kept (bookings point at them). The whole file loads or nothing does. The file's schema is the
knowledge base's `Territory` (bot/knowledge/models.py); its name is the territory's id, which
every centre (and so its sessions and bookings) carries. Centre slugs and session keys are unique
in the whole deployment: a file cannot take over another territory's centre.

    python -m bot.storage.territory [FILE…]    # default: every territory served
"""

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge import (
    KnowledgeError,
    Territory,
    load_territory_file,
    served_territories,
    territory_path,
)
from bot.storage.booking import reschedule_reminders
from bot.storage.database import database_session, transaction
from bot.storage.models import CafeSession, CentreSocial, utc_now


class TerritoryError(ValueError):
    """The file cannot be loaded; the message lists every problem, naming the entry."""


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
    """Upsert the file's centres and sessions in one transaction, or raise TerritoryError.

    Weekly series are expanded from `now`: a later reload adds the weeks that came into range.
    """
    now = now or utc_now()
    try:
        territory = load_territory_file(path)
    except KnowledgeError as error:
        raise TerritoryError(str(error)) from error
    with transaction(db):
        return _upsert(db, path, territory, now)


def _upsert(db: Session, path: Path, territory: Territory, now: datetime) -> LoadReport:
    territory_id = Path(path).stem
    problems = []
    centres = {c.slug: c for c in db.execute(select(CentreSocial)).scalars()}
    centres_created = centres_updated = 0
    for entry in territory.centres_sociaux:
        centre = centres.get(entry.slug)
        if centre is None:
            centre = centres[entry.slug] = CentreSocial(slug=entry.slug, territory=territory_id)
            db.add(centre)
            centres_created += 1
        elif centre.territory != territory_id:
            problems.append(
                f"{path}: centres_sociaux: {entry.slug}: already a centre of territory "
                f"'{centre.territory}'"
            )
            continue
        elif _differs(centre, entry.dict(exclude={"slug"})):
            centres_updated += 1
        _assign(centre, entry.dict(exclude={"slug"}))

    sessions = {
        s.key: s
        for s in db.execute(
            select(CafeSession).with_for_update().execution_options(populate_existing=True)
        ).scalars()
    }
    sessions_created = sessions_updated = 0
    for dated in territory.sessions(now):
        where = f"{path}: cafe_sessions: {dated.key}"
        centre = centres[dated.centre]  # the file's centres, checked by the schema
        session = sessions.get(dated.key)
        if session is not None and session.centre.territory != territory_id:
            problems.append(f"{where}: already a session of territory '{session.centre.territory}'")
            continue
        if session is None:
            db.add(
                CafeSession(
                    key=dated.key,
                    centre=centre,
                    starts_at=dated.starts_at,
                    theme=dated.theme,
                    capacity=dated.capacity,
                )
            )
            sessions_created += 1
            continue
        if dated.capacity < session.booked:
            problems.append(
                f"{where}: capacity {dated.capacity} is below the {session.booked} places "
                "already booked"
            )
            continue
        values = {"starts_at": dated.starts_at, "theme": dated.theme, "capacity": dated.capacity}
        moved = session.starts_at != dated.starts_at
        if _differs(session, values) or session.centre is not centre:
            sessions_updated += 1
        _assign(session, values)
        session.centre = centre
        if moved:
            db.flush()
            reschedule_reminders(db, session, now)

    if problems:
        raise TerritoryError("\n".join(problems))
    db.flush()
    return LoadReport(centres_created, centres_updated, sessions_created, sessions_updated)


def _differs(row, values: dict) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


def _assign(row, values: dict) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def main(argv: List[str]) -> int:
    paths = [Path(arg) for arg in argv] or [
        territory_path(territory=t) for t in served_territories()
    ]
    try:
        with database_session() as db:
            for path in paths:
                print(f"{path.stem}: {load_territory(db, path)}")
    except TerritoryError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
