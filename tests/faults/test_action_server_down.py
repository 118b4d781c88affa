"""The action server killed in the middle of a conversation: the resident is told in French that
the assistant cannot answer right now (channels/action_failures.py), never an empty answer nor a
traceback; once it is back, the same conversation goes on with its context."""

import json

import pytest

from tests.cluster import Resident, post
from tests.conftest import payloads, texts

NOTICE = "je ne peux pas vous répondre pour le moment"
RECEPTION_PHONE = "01 99 00 12 34"  # the demo territory's reception


def no_traceback(body: str) -> bool:
    return "Traceback" not in body and 'File "' not in body


@pytest.mark.timeout(900)
def test_the_resident_is_told_while_the_action_server_is_down_then_it_goes_on(deployment, kb):
    resident = Resident(deployment.urls)
    assert payloads(resident.say("c koi le cej"))[0]["fiche"] == "cej"

    deployment.kill_action_server()
    try:
        for url in deployment.urls:  # on both Rasa servers, on the REST and the web channels
            body = json.dumps({"sender": resident.sender, "message": "et c'est combien ?"})
            status, answer = post(f"{url}/webhooks/rest/webhook", body.encode("utf-8"))
            assert status == 200 and no_traceback(answer)
            told = " ".join(texts(json.loads(answer)))
            assert NOTICE in told and RECEPTION_PHONE in told

            web = json.dumps({"sender": "web-fault-0001", "message": "c quoi le service civique"})
            status, answer = post(f"{url}/webhooks/web/webhook", web.encode("utf-8"))
            assert status == 200 and no_traceback(answer)
            assert NOTICE in " ".join(texts(json.loads(answer)))

            # On another territory's page, the number is that territory's reception.
            port = {
                "sender": "web-fault-0002",
                "message": "c quoi le cej",
                "territory": "demo-port",
            }
            status, answer = post(f"{url}/webhooks/web/webhook", json.dumps(port).encode("utf-8"))
            told = " ".join(texts(json.loads(answer)))
            assert status == 200 and NOTICE in told
            assert (
                kb.territories["demo-port"].reception.phone in told and RECEPTION_PHONE not in told
            )
    finally:
        deployment.restart_action_server()

    amount = resident.say("et c'est combien ?")
    assert kb.fiche("cej").aspect("amount") in texts(amount)
    assert payloads(amount)[0]["aspect"] == "amount"
    assert NOTICE not in " ".join(texts(amount))
