"""A coordinator sees their territory, a regional account sees them all: the inbox, one
message's page and its status, the unmet needs and the dashboard, through the real console."""

import pytest
from sqlalchemy import select

from bot.storage.models import ReviewItem
from bot.storage.review import record_danger, record_review, record_turn
from console.accounts import AccountError, create_account
from tests.console.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.anyio

PORT_EMAIL = "hugo.demo@example.org"
REGIONAL_EMAIL = "region@example.org"


@pytest.fixture
def two_territories(db):
    """A message and activity in each demo territory, and the accounts of the other two roles."""
    create_account(db, PORT_EMAIL, "coordinator", PASSWORD, "demo-port")
    create_account(db, REGIONAL_EMAIL, "regional", PASSWORD)
    here = record_review(
        db, territory="demo", reason="fallback", text="aide pour la cantine", channel="web"
    )
    there = record_review(
        db, territory="demo-port", reason="fallback", text="navette pour le port", channel="sms"
    )
    for territory, count in (("demo", 2), ("demo-port", 5)):
        for n in range(count):
            record_turn(
                db,
                territory=territory,
                channel="web",
                conversation=f"{territory}-{n}",
                kind="answer",
            )
    record_danger(db, territory="demo-port", channel="sms", category="suicide")
    return here, there


async def test_a_coordinator_sees_only_their_territorys_inbox(client, db, two_territories):
    here, there = two_territories
    token = await sign_in(client)  # the coordinator of `demo`
    inbox = await (await client.get("/boite")).text()
    assert "aide pour la cantine" in inbox and "navette pour le port" not in inbox
    assert (await client.get(f"/boite/{here.id}")).status == 200
    assert (await client.get(f"/boite/{there.id}")).status == 404
    changed = await client.post(
        f"/boite/{there.id}/statut", data={"csrf_token": token, "statut": "ignored"}
    )
    assert changed.status == 404
    taught = await client.post(
        f"/boite/{there.id}/enseigner", data={"csrf_token": token, "intention": "info_cej"}
    )
    assert taught.status == 404
    db.expire_all()
    assert db.get(ReviewItem, there.id).status == "todo"


async def test_the_other_coordinator_sees_the_other_territory(client, two_territories):
    here, there = two_territories
    await sign_in(client, PORT_EMAIL)
    inbox = await (await client.get("/boite")).text()
    assert "navette pour le port" in inbox and "aide pour la cantine" not in inbox
    assert (await client.get(f"/boite/{here.id}")).status == 404
    page = await (await client.get(f"/boite/{there.id}")).text()
    assert "Le Phare" in page and "Les Tilleuls" not in page  # its quartiers, for unmet needs


async def test_unmet_needs_and_the_dashboard_count_the_territory_only(client, db, two_territories):
    here, there = two_territories
    token = await sign_in(client, PORT_EMAIL)
    await client.post(
        f"/boite/{there.id}/statut",
        data={"csrf_token": token, "statut": "unmet", "theme": "mobilite", "quartier": "Le Phare"},
    )
    refused = await client.post(
        f"/boite/{there.id}/statut",
        data={
            "csrf_token": token,
            "statut": "unmet",
            "theme": "argent",
            "quartier": "Les Tilleuls",
        },
    )
    assert refused.status == 400  # a quartier of another territory
    needs = await (await client.get("/besoins")).text()
    assert "Le Phare" in needs
    assert "Idées suicidaires" in await (await client.get("/tableau-de-bord")).text()

    await client.post("/deconnexion", data={"csrf_token": token})
    await sign_in(client)  # the coordinator of `demo`
    assert "Le Phare" not in await (await client.get("/besoins")).text()
    assert "Idées suicidaires" not in await (await client.get("/tableau-de-bord")).text()
    db.expire_all()
    marked = db.execute(select(ReviewItem).where(ReviewItem.id == there.id)).scalar_one()
    assert (marked.status, marked.quartier) == ("unmet", "Le Phare")


async def test_a_regional_account_sees_every_territory(client, two_territories):
    here, there = two_territories
    await sign_in(client, REGIONAL_EMAIL)
    inbox = await (await client.get("/boite")).text()
    assert "aide pour la cantine" in inbox and "navette pour le port" in inbox
    assert (await client.get(f"/boite/{here.id}")).status == 200
    assert (await client.get(f"/boite/{there.id}")).status == 200


async def test_an_account_belongs_to_a_served_territory_unless_regional(db):
    with pytest.raises(AccountError, match="territoire"):
        create_account(db, "sans.territoire@example.org", "coordinator", PASSWORD)
    with pytest.raises(AccountError, match="territoire"):
        create_account(db, "ailleurs@example.org", "staff", PASSWORD, "nulle-part")
    with pytest.raises(AccountError, match="tous les territoires"):
        create_account(db, "region2@example.org", "regional", PASSWORD, "demo")
