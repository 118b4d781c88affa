"""Alerts and their deliveries on both backends: stored once per request, each target sent once,
a failing target retried after its backoff."""

from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.storage.alerts import PENDING, TRANSMITTED, alert_status, deliver_due_alerts, raise_alert
from bot.storage.database import make_engine, migrate, session_factory
from bot.storage.models import Alert, AlertDelivery, utc_now
from bot.storage.retention import ALERT_RETENTION, purge_alerts

ROOT = Path(__file__).resolve().parents[2]

DETAILS = {
    "first_name": "Awa",
    "phone": "+33639980071",
    "email": None,
    "theme": "emploi",
    "quartier": "Les Tilleuls",
    "availability": "le matin",
    "summary": "« c koi le cej »",
    "channel": "rest",
    "on_behalf": False,
    "referent_name": "Karim Fictif (démo)",
    "referent_email": "referent-emploi-tilleuls@example.org",
    "territory": "demo",
}


def test_an_alert_is_stored_once_and_each_target_is_sent_once(empty_database_url):
    migrate(empty_database_url)
    engine = make_engine(empty_database_url)
    factory = session_factory(engine)
    try:
        with factory() as db:
            reference = raise_alert(db, idempotency_key="replayed", **DETAILS).reference
            assert raise_alert(db, idempotency_key="replayed", **DETAILS).reference == reference
            assert alert_status(db, reference) == PENDING
        sent, attempts = [], {"webhook": 0}

        def failing(alert):
            attempts["webhook"] += 1
            raise ConnectionError("receiver down")

        now = utc_now()
        assert deliver_due_alerts(factory, {"email": sent.append, "webhook": failing}, now) == 1
        assert deliver_due_alerts(factory, {"email": sent.append, "webhook": failing}, now) == 0
        later = now + timedelta(hours=2)
        assert (
            deliver_due_alerts(factory, {"email": sent.append, "webhook": sent.append}, later) == 1
        )
        assert [a.reference for a in sent] == [reference, reference] and attempts["webhook"] == 1
        with factory() as db:
            assert len(db.execute(select(Alert)).scalars().all()) == 1
            deliveries = db.execute(select(AlertDelivery)).scalars().all()
            assert sorted((d.target, d.attempts) for d in deliveries) == [
                ("email", 1),
                ("webhook", 2),
            ]
            assert all(d.sent_at for d in deliveries)
            assert alert_status(db, reference.lower()) == TRANSMITTED
    finally:
        engine.dispose()


def test_alerts_are_deleted_after_the_retention_the_resident_was_told(empty_database_url):
    migrate(empty_database_url)
    engine = make_engine(empty_database_url)
    factory = session_factory(engine)
    try:
        with factory() as db:
            old = raise_alert(db, **DETAILS).reference
            recent = raise_alert(db, **DETAILS).reference
            alert = db.execute(select(Alert).where(Alert.reference == old)).scalar_one()
            alert.created_at = utc_now() - ALERT_RETENTION - timedelta(minutes=1)
            db.commit()
        with factory() as db:
            assert purge_alerts(db) == (
                1,
                1,
            )  # the old one was never delivered: counted for the log
            assert purge_alerts(db) == (0, 0)
            assert alert_status(db, old) is None
            assert alert_status(db, recent) == PENDING
            assert db.execute(select(AlertDelivery)).scalars().all()
    finally:
        engine.dispose()


def test_the_consent_question_states_the_retention():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    variants = domain["responses"]["utter_ask_alert_consent"]
    assert all(f"effacé {ALERT_RETENTION.days} jours après" in v["text"] for v in variants)
