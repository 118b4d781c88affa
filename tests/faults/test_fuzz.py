"""Thousands of random and hostile requests to both Rasa servers: messages very long, with control
characters, lone surrogates, invalid UTF-8 bytes in the raw body, HTML and script, SQL-looking,
emoji only, empty; bodies that are not JSON, of the wrong types, huge. To the REST webhook and to
the web widget's webhook: never a 5xx, never a traceback in a response. Twilio-like posts to the
SMS webhook without a valid signature: always 403. Bounded in time (`DEADLINE`), seeded."""

import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.cluster import post

REQUESTS = 3000
DEADLINE = 300  # seconds of sending, at most
MINIMUM = 1500  # requests that must have been sent and checked in that time
SEED = 20261124

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "</textarea><b>gras</b>",
    "'; DROP TABLE booking; --",
    "1' OR '1'='1",
    '" UNION SELECT * FROM alert --',
    "${jndi:ldap://example.org/a}",
    "{{7*7}}",
    "%s%s%s%n",
    "../../etc/passwd",
    "😀😀😀",
    "🙏",
    "👍🏾👍🏾",
    "‮gnp.exe",
    "\u200b\u200b",
    "ﷺ",
    "𝕔𝕒𝕗𝕖 𝕖𝕞𝕡𝕝𝕠𝕚",
    '/choose_session{"session_id": "1; DROP"}',
    "/affirm",
    "/deny",
    '/stop{"x": [1,2]}',
    "/restart",
    "/session_start",
    "/inexistant_intent",
    "/choose_session{not json",
    "CE-0000",
    "AL-ZZZZ",
    "06 39 98 00 99",
    "je veux m'inscrire au café emploi",
    "stop",
    "c koi le cej",
    "et c'est combien ?",
    "rappelez-moi",
    "",
]


def random_text(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return rng.choice(HOSTILE) * rng.choice([1, 50, 2000])  # up to very long
    if kind == 1:
        return "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 40)))
    if kind == 2:
        return "".join(chr(rng.randrange(0xD800, 0xE000)) for _ in range(rng.randrange(1, 5)))
    if kind == 3:
        return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(rng.randrange(1, 30)))
    if kind == 4:
        return "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randrange(1, 300)))
    if kind == 5:
        return rng.choice(["", " ", "\n", "\t\t", "\x00"])
    if kind == 6:
        return " ".join(rng.choice(HOSTILE) for _ in range(rng.randrange(1, 6)))
    if kind == 7:
        return "a" * rng.choice([1_001, 20_000, 200_000])
    return rng.choice(HOSTILE)


def dumps(value) -> bytes:
    """JSON as a client may send it: lone surrogates escaped (\\ud800), which is valid JSON."""
    return json.dumps(value).encode("ascii")


def random_body(rng: random.Random, sender: str) -> tuple:
    """(body bytes, content type)."""
    kind = rng.randrange(14)
    if kind <= 4:
        return dumps({"sender": sender, "message": random_text(rng)}), "application/json"
    if kind == 5:  # invalid UTF-8 in the raw body
        return (
            b'{"sender": "' + sender.encode() + b'", "message": "caf\xe9 \xff\xfe\xc3"}',
            "application/json",
        )
    if kind == 6:  # not JSON
        return rng.choice(
            [
                b"",
                b"{",
                b"null",
                b"sender=x&message=y",
                b"\x00\x01\x02",
                b"<xml/>",
                b"[1, 2",
                b'{"sender": }',
            ]
        ), rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded"])
    if kind == 7:  # JSON of the wrong shape
        return dumps(
            rng.choice(
                [
                    [],
                    [1, 2],
                    "texte",
                    42,
                    None,
                    True,
                    {},
                    {"message": "sans sender"},
                    {"sender": sender},
                    {"sender": None, "message": "x"},
                ]
            )
        ), "application/json"
    if kind == 8:  # fields of the wrong types
        value = rng.choice([None, 42, 3.5, True, [], ["a"], {"a": 1}, {"text": "x"}])
        field = rng.choice(["sender", "message"])
        body = {"sender": sender, "message": "bonjour", field: value}
        return dumps(body), "application/json"
    if kind == 9:  # odd extra fields Rasa's REST channel reads
        return dumps(
            {
                "sender": sender,
                "message": "bonjour",
                rng.choice(["input_channel", "metadata"]): rng.choice(
                    [42, [], "sms", {"x": 1}, "x" * 5000, None]
                ),
            }
        ), "application/json"
    if kind == 10:  # huge
        return dumps(
            {"sender": sender, "message": "x" * rng.choice([100_000, 2_000_000])}
        ), "application/json"
    if kind == 11:  # hostile senders
        return dumps(
            {
                "sender": rng.choice(
                    [
                        "",
                        " ",
                        "../../x",
                        "a" * 5000,
                        "<script>",
                        "\x00",
                        "\ud800",
                        "😀",
                        "id; DROP",
                    ]
                ),
                "message": "bonjour",
            }
        ), "application/json"
    if kind == 12:  # deep nesting
        return (
            b'{"sender": "' + sender.encode() + b'", "message": ' + b"[" * 5000 + b"]" * 5000 + b"}"
        ), "application/json"
    return dumps({"sender": sender, "message": rng.choice(HOSTILE)}), "application/json"


def traceback_in(body: str) -> bool:
    return "Traceback" in body or 'File "' in body


@pytest.mark.timeout(900)
def test_random_and_hostile_requests_never_get_a_5xx_nor_a_traceback(deployment):
    rng = random.Random(SEED)
    senders = [f"fuzz-{n:04d}-resident" for n in range(40)]
    requests = []
    for n in range(REQUESTS):
        url = deployment.urls[n % 2]
        path = rng.choice(["/webhooks/rest/webhook", "/webhooks/web/webhook"])
        body, content_type = random_body(rng, rng.choice(senders))
        requests.append((url + path, body, content_type))
    deadline = time.monotonic() + DEADLINE
    problems, statuses = [], Counter()

    def send(request):
        url, body, content_type = request
        if time.monotonic() > deadline:
            return None
        try:
            status, answer = post(url, body, content_type, timeout=120)
        except OSError as error:  # a connection closed without an answer is a failure too
            problems.append((url, body[:200], "no answer", repr(error)))
            return -1
        if status >= 500 or traceback_in(answer):
            problems.append((url, body[:200], status, answer[:300]))
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        for status in pool.map(send, requests, timeout=DEADLINE + 240):
            if status is not None and status >= 0:
                statuses[status] += 1

    sent = sum(statuses.values())
    assert problems == [], problems[:10]
    assert sent >= MINIMUM, (sent, statuses)
    assert statuses[200] > sent // 3 and set(statuses) <= {200, 400, 403, 413, 429}, statuses


@pytest.mark.timeout(300)
def test_unsigned_or_badly_signed_sms_posts_are_forbidden(deployment):
    rng = random.Random(SEED)
    forms = [
        b"",
        b"From=%2B33639980081&Body=bonjour&MessageSid=SM" + b"0" * 32,
        b"Body=" + b"x" * 100_000,
        b"\xff\xfe\x00",
        b"From=&Body=&MessageSid=",
        b'{"From": "+33639980081", "Body": "bonjour"}',
        b"From=%ZZ&Body=%",
    ]
    for n in range(300):
        url = deployment.urls[n % 2] + "/webhooks/sms/webhook"
        body = rng.choice(forms)
        headers = rng.choice(
            [
                {},
                {"X-Twilio-Signature": "faux"},
                {"X-Twilio-Signature": "A" * 28 + "="},
                {"X-Twilio-Signature": ""},
            ]
        )
        content_type = rng.choice(
            ["application/x-www-form-urlencoded", "application/json", "text/plain"]
        )
        status, answer = post(url, body, content_type, timeout=60, headers=headers)
        assert status == 403 and not traceback_in(answer), (headers, body[:80], status, answer)
