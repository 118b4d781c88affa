"""The local offer on a real database (SQLite and PostgreSQL): data·inclusion exports imported,
bad records reported and skipped, upserts, the command line, and the ranking of `services_for`."""

import copy
import json
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from bot.gsm7 import SINGLE_SEGMENT_SEPTETS, septets, to_sms_text
from bot.offer.importer import (
    ExportError,
    UnknownTerritoryError,
    import_file,
    import_records,
    read_export,
    records_of,
)
from bot.offer.query import services_for
from bot.storage.database import make_engine
from bot.storage.models import LocalService, LocalStructure
from tests.storage.conftest import FIXTURES, alembic_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "knowledge" / "offer" / "demo.json"
DEMO_PORT = ROOT / "knowledge" / "offer" / "demo-port.json"
INVALID = FIXTURES / "offer_invalid.json"
TODAY = date(2026, 12, 2)  # a Wednesday
LATER = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
PERMIS = "mobilite--preparer-un-permis"


def count(db, model, territory="demo") -> int:
    return db.execute(
        select(func.count()).select_from(model).where(model.territory == territory)
    ).scalar_one()


def test_the_demo_export_loads_and_a_second_import_creates_nothing(db):
    first = import_file(db, DEMO, "demo")
    assert (first.count("structure", "created"), first.count("service", "created")) == (7, 8)
    assert first.problems == []
    again = import_file(db, DEMO, "demo")
    assert again.count("structure", "created") == again.count("service", "created") == 0
    assert (again.count("structure", "unchanged"), again.count("service", "unchanged")) == (7, 8)
    assert (count(db, LocalStructure), count(db, LocalService)) == (7, 8)
    row = db.execute(
        select(LocalService).where(LocalService.record_id == "demo--vf-halte-garderie")
    )
    service = row.scalar_one()
    assert json.loads(service.thematiques) == ["famille--garde-denfants"]
    assert service.date_maj == date(2026, 10, 20)


def test_a_changed_record_is_updated_with_its_date_maj(db):
    import_file(db, DEMO, "demo")
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    changed = document["services"]["items"][0]
    changed.update(date_maj="2026-11-30", frais="gratuit", frais_precisions=None)
    report = import_records(db, records_of(document), "demo", now=LATER)
    assert report.count("service", "updated") == 1 and report.count("service", "created") == 0
    assert report.count("service", "unchanged") == 7
    db.expire_all()
    row = db.execute(
        select(LocalService).where(LocalService.record_id == changed["id"])
    ).scalar_one()
    assert (row.date_maj, row.frais, row.imported_at) == (date(2026, 11, 30), "gratuit", LATER)
    assert count(db, LocalService) == 8


def test_each_bad_record_is_reported_with_its_field_and_skipped(db):
    report = import_file(db, INVALID, "demo")
    found = {(problem.id, problem.field) for problem in report.problems}
    assert found == {
        ("demo--bad-date", "date_maj"),  # 30 February
        ("demo--date-as-number", "date_maj"),
        ("demo--missing-description", "description"),  # required
        ("demo--wrong-type", "telephone"),  # a number, not a text
        ("demo--unknown-thematique", "thematiques"),  # not in the vocabulary
        ("demo--phone-too-long", "telephone"),  # longer than its column
    }
    messages = {problem.id: str(problem) for problem in report.problems}
    assert "required field missing" in messages["demo--missing-description"]
    assert "'mobilite--apprendre-a-voler'" in messages["demo--unknown-thematique"]
    assert messages["demo--wrong-type"].startswith("service demo--wrong-type (source demo)")
    assert (report.count("structure", "skipped"), report.count("service", "skipped")) == (2, 4)
    # The good ones are loaded, the bad ones not at all.
    assert [r.record_id for r in db.execute(select(LocalStructure)).scalars()] == [
        "demo--ok-structure"
    ]
    assert [r.record_id for r in db.execute(select(LocalService)).scalars()] == ["demo--ok-service"]
    assert "skipped records:" in str(report) and "demo--phone-too-long" in str(report)


def test_the_api_search_page_and_plain_lists_load_too(db):
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    structures = {s["id"]: s for s in document["structures"]["items"]}
    # GET /api/v1/search/services: each service with its structure, and a distance.
    search_page = {
        "items": [
            {
                "service": {**service, "structure": structures[service["structure_id"]]},
                "distance": 3,
            }
            for service in document["services"]["items"][:3]
        ],
        "total": 3,
        "page": 1,
        "size": 3,
        "pages": 1,
    }
    report = import_records(db, records_of(search_page), "demo")
    assert (report.count("service", "created"), report.count("structure", "created")) == (3, 2)
    # The data.gouv.fr files: a plain list of structures, then one of services.
    plain = import_records(db, records_of(list(structures.values())), "demo")
    assert (plain.count("structure", "created"), plain.count("structure", "unchanged")) == (5, 2)
    services = import_records(db, records_of(document["services"]["items"]), "demo")
    assert (services.count("service", "created"), services.count("service", "unchanged")) == (5, 3)


def test_an_unreadable_file_or_an_unknown_territory_is_refused(db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": [', encoding="utf-8")
    with pytest.raises(ExportError, match="broken.json"):
        read_export(broken)
    wrong_shape = tmp_path / "wrong.json"
    wrong_shape.write_text('"structures"', encoding="utf-8")
    with pytest.raises(ExportError, match="expected a list of records"):
        read_export(wrong_shape)
    with pytest.raises(UnknownTerritoryError, match="'nowhere'.*demo, demo-port"):
        import_file(db, DEMO, "nowhere")
    assert count(db, LocalService) == 0


def test_the_command_line_end_to_end(database_url, tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "bot.offer", "import", *args, "--database-url", database_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )

    loaded = run(str(DEMO), "--territory", "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "services: 8 created, 0 updated, 0 unchanged, 0 skipped" in loaded.stdout
    invalid = run(str(INVALID), "--territory", "demo-port")
    assert invalid.returncode == 0, invalid.stderr
    assert "services: 1 created, 0 updated, 0 unchanged, 4 skipped" in invalid.stdout
    assert "service demo--unknown-thematique (source demo) [#3]: thematiques:" in invalid.stdout
    not_json = tmp_path / "export.json"
    not_json.write_text("<html>502 Bad Gateway</html>", encoding="utf-8")
    unreadable = run(str(not_json), "--territory", "demo")
    assert unreadable.returncode == 1 and "cannot read a JSON export" in unreadable.stderr
    unknown = run(str(DEMO), "--territory", "val-fictif")
    assert unknown.returncode == 2 and "unknown territory 'val-fictif'" in unknown.stderr
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(LocalService.territory, func.count()).group_by(LocalService.territory)
            )
            assert dict(rows.all()) == {"demo": 8, "demo-port": 1}
    finally:
        engine.dispose()


def _service(record_id, publics, frais, modes_accueil, date_maj="2026-11-01", source="test"):
    return {
        "source": source,
        "id": record_id,
        "structure_id": "test--structure",
        "nom": record_id.replace("-", " "),
        "description": "Un service pour vérifier le classement.",
        "date_maj": date_maj,
        "thematiques": [PERMIS],
        "publics": publics,
        "frais": frais,
        "modes_accueil": modes_accueil,
        "horaires_accueil": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
    }


def test_ranking_qpv_then_free_then_in_person_and_stale_last(db):
    services = [
        _service("remote-paid", ["tous-publics"], "payant", ["a-distance"]),
        _service(
            "stale-qpv-free", ["residents-qpv-frr"], "gratuit", ["en-presentiel"], "2025-11-30"
        ),
        _service("in-person-paid", ["tous-publics"], "payant", ["en-presentiel"]),
        _service("free", ["jeunes"], "gratuit", ["en-presentiel"]),
        _service("qpv-paid", ["residents-qpv-frr", "jeunes"], "payant", ["en-presentiel"]),
    ]
    import_records(db, records_of({"services": services}), "demo")
    elsewhere = _service("port-qpv-free", ["residents-qpv-frr"], "gratuit", ["en-presentiel"])
    import_records(db, records_of({"services": [elsewhere]}), "demo-port")

    ranked = services_for(db, "demo", [PERMIS], TODAY, limit=10)
    assert [offer.id for offer in ranked] == [
        "qpv-paid",
        "free",
        "in-person-paid",
        "remote-paid",
        "stale-qpv-free",
    ]
    assert [offer.stale for offer in ranked] == [False, False, False, False, True]
    assert [offer.id for offer in services_for(db, "demo", [PERMIS], TODAY)] == [
        "qpv-paid",
        "free",
        "in-person-paid",
    ]
    assert [o.id for o in services_for(db, "demo-port", [PERMIS], TODAY)] == ["port-qpv-free"]
    assert services_for(db, "demo", ["famille--garde-denfants"], TODAY) == []
    assert services_for(db, "demo", [], TODAY) == []


def test_the_demo_offers_as_the_assistant_shows_them(db):
    import_file(db, DEMO, "demo")
    import_file(db, DEMO_PORT, "demo-port")

    permis = services_for(db, "demo", [PERMIS, "mobilite--financer-ma-mobilite"], TODAY)
    assert [offer.id for offer in permis] == [
        "demo--vf-permis-solidaire",
        "demo--vf-aide-permis-ancienne",  # open to QPV residents and free, but a year old
    ]
    first = permis[0]
    assert first.address == "8 rue des Exemples, 99000 Val-Fictif"
    assert first.phone == "01 99 00 13 01"
    assert first.hours_today == "ouvert aujourd'hui de 9 h à 12 h et de 14 h à 17 h"
    assert first.how_to_go == ("venir sur place", "appeler le 01 99 00 13 01")
    assert first.accessibility == "https://www.example.org/acceslibre/auto-ecole-solidaire-tilleuls"
    assert (first.for_qpv, first.free, first.stale) == (True, False, False)
    assert first.date_maj == date(2026, 10, 5)
    assert permis[1].stale and permis[1].date_maj == date(2025, 5, 20)

    # A service of demo-port never comes back for demo, and the other way round.
    french = "lecture-ecriture-calcul--maitriser-le-francais"
    assert [o.id for o in services_for(db, "demo", [french], TODAY)] == ["demo--vf-cours-francais"]
    assert [o.id for o in services_for(db, "demo-port", [french], TODAY)] == [
        "demo--pf-ateliers-sociolinguistiques"
    ]

    remote = services_for(db, "demo", ["trouver-un-emploi--repondre-a-des-offres-demploi"], TODAY)
    assert [o.id for o in remote] == ["demo--vf-coaching-emploi-telephone"]
    assert remote[0].remote_only and remote[0].address is None
    assert "À distance (téléphone ou internet)." in remote[0].web_text()

    on_christmas = services_for(db, "demo", [PERMIS], date(2026, 12, 25))[0]
    assert on_christmas.hours_today == "fermé aujourd'hui (jour férié)"

    everything = {
        offer.id: offer
        for territory in ("demo", "demo-port")
        for offer in services_for(db, territory, _all_thematiques(db, territory), TODAY, 20)
    }
    assert len(everything) == 15
    for offer in everything.values():
        sms = offer.sms_text()
        assert septets(to_sms_text(sms)) <= SINGLE_SEGMENT_SEPTETS, sms
        assert sms.startswith(offer.name) and offer.phone in sms
        web = offer.web_text()
        assert offer.name in web and offer.hours[1:] in web and "data·inclusion" in web


def _all_thematiques(db, territory):
    rows = db.execute(select(LocalService.thematiques).where(LocalService.territory == territory))
    return {value for (row,) in rows for value in json.loads(row)}


def test_the_migration_adds_the_local_offer_to_a_database_at_0008(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0008")
    engine = make_engine(empty_database_url)
    try:
        assert "local_service" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        inspector = inspect(engine)
        assert {"local_structure", "local_service"} <= set(inspector.get_table_names())
        unique = inspector.get_unique_constraints("local_service")
        assert [c["column_names"] for c in unique] == [["territory", "source", "record_id"]]
        command.downgrade(config, "0008")
        assert "local_structure" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_same_record_in_two_territories_is_two_rows(db):
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    import_records(db, records_of(document), "demo")
    report = import_records(db, records_of(copy.deepcopy(document)), "demo-port")
    assert report.count("service", "created") == 8
    assert (count(db, LocalService, "demo"), count(db, LocalService, "demo-port")) == (8, 8)
