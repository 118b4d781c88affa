"""The coordinators' view of the local offer: their territory's services, and a warning on those
whose data is over a year old (residents get them last, without the warning)."""

from pathlib import Path

import pytest

from bot.offer.importer import import_file
from tests.console.conftest import sign_in

pytestmark = pytest.mark.anyio
OFFER = Path(__file__).resolve().parents[2] / "knowledge" / "offer"


async def test_a_coordinator_sees_their_territorys_offer_with_stale_data_flagged(client, db):
    import_file(db, OFFER / "demo.json", "demo")
    import_file(db, OFFER / "demo-port.json", "demo-port")
    await sign_in(client)  # the coordinator of `demo`
    page = await (await client.get("/offre-locale")).text()
    assert "Aide au financement du permis (démo)" in page
    assert "(plus d'un an : à vérifier)" in page
    assert "Val-Fictif" in page and "Port-Fictif" not in page
