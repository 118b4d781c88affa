"""Which local services to show a resident: up to three of their territory, for some thematiques.

Ranked for residents of quartiers prioritaires: services open to them (`residents-qpv-frr`)
first, then free ones, then those given in person, the most recently updated next; a service whose
data is more than a year old always comes after every fresh one, whatever else it has.
"""

import json
from datetime import date
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.offer.opening_hours import hours_today
from bot.offer.view import LocalOffer, display_phone, how_to_go
from bot.storage.models import LocalService, LocalStructure
from bot.storage.scope import Territories, within

QPV = "residents-qpv-frr"
FREE = "gratuit"
IN_PERSON = "en-presentiel"


def services_for(
    db: Session, territory: str, thematiques: Iterable[str], today: date, limit: int = 3
) -> List[LocalOffer]:
    """Up to `limit` services of `territory` matching any of `thematiques`, best first (see the
    module docstring), with today's hours for `today` (a Paris date)."""
    wanted = set(thematiques)
    if not wanted:
        return []
    services = [
        service
        for service in db.execute(
            select(LocalService).where(LocalService.territory == territory)
        ).scalars()
        if wanted & set(_list(service.thematiques))
    ]
    structures = _structures(db, territory, services)
    offers = [_offer(s, structures.get((s.source, s.structure_id)), today) for s in services]
    offers.sort(key=_rank)
    return offers[:limit]


def offer_of(db: Session, territories: Territories, today: date) -> List[Tuple[str, LocalOffer]]:
    """Every service of the reader's territories with its territory, for coordinators: those
    whose data is over a year old first (to check with the structure), then by name."""
    services = db.execute(
        select(LocalService).where(within(LocalService.territory, territories))
    ).scalars()
    by_territory: Dict[str, List[LocalService]] = {}
    for service in services:
        by_territory.setdefault(service.territory, []).append(service)
    listed = []
    for territory, rows in by_territory.items():
        structures = _structures(db, territory, rows)
        for row in rows:
            listed.append(
                (territory, _offer(row, structures.get((row.source, row.structure_id)), today))
            )
    return sorted(listed, key=lambda item: (not item[1].stale, item[0], item[1].name))


def is_stale(date_maj: date, today: date) -> bool:
    """More than a year old on `today`."""
    try:
        a_year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        a_year_ago = today.replace(year=today.year - 1, day=28)
    return date_maj < a_year_ago


def _rank(offer: LocalOffer) -> Tuple:
    return (
        offer.stale,
        not offer.for_qpv,
        offer.free is not True,
        not offer.in_person,
        -offer.date_maj.toordinal(),
        offer.name,
    )


def _structures(
    db: Session, territory: str, services: List[LocalService]
) -> Dict[Tuple[str, str], LocalStructure]:
    ids = {service.structure_id for service in services}
    if not ids:
        return {}
    rows = db.execute(
        select(LocalStructure).where(
            LocalStructure.territory == territory, LocalStructure.record_id.in_(ids)
        )
    ).scalars()
    return {(row.source, row.record_id): row for row in rows}


def _offer(service: LocalService, structure: Optional[LocalStructure], today: date) -> LocalOffer:
    modes_accueil = _list(service.modes_accueil)
    remote_only = bool(modes_accueil) and IN_PERSON not in modes_accueil
    phone = display_phone(service.telephone or (structure.telephone if structure else None))
    email = service.courriel or (structure.courriel if structure else None)
    hours = service.horaires_accueil or (structure.horaires_accueil if structure else None)
    return LocalOffer(
        source=service.source,
        id=service.record_id,
        name=service.nom,
        structure_name=structure.nom if structure else None,
        address=None if remote_only else _address(service) or _address(structure),
        phone=phone,
        email=email,
        link=service.lien_mobilisation,
        hours_today=hours_today(hours, today),
        accessibility=structure.accessibilite_lieu if structure else None,
        how_to_go=how_to_go(
            _list(service.modes_mobilisation), phone, email, service.lien_mobilisation
        ),
        thematiques=tuple(_list(service.thematiques)),
        free=None if service.frais is None else service.frais == FREE,
        fee_details=service.frais_precisions,
        in_person=IN_PERSON in modes_accueil,
        remote_only=remote_only,
        for_qpv=QPV in _list(service.publics),
        date_maj=service.date_maj,
        stale=is_stale(service.date_maj, today),
    )


def _address(row) -> Optional[str]:
    """ "12 rue des Exemples, 99000 Val-Fictif"; None without a street address."""
    if row is None or not row.adresse:
        return None
    town = " ".join(part for part in (row.code_postal, row.commune) if part)
    street = ", ".join(part for part in (row.adresse, row.complement_adresse) if part)
    return ", ".join(part for part in (street, town) if part)


def _list(value: Optional[str]) -> List[str]:
    return json.loads(value) if value else []
