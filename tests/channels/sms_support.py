"""What the SMS tests share: the fake operator, the real servers configured to use it, and a
client that posts webhooks signed as Twilio signs them."""

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Callable, Dict, Optional, Tuple

import pytest
from twilio.request_validator import RequestValidator

from bot.launcher import DEFAULT_MODEL, Assistant
from bot.transports.sms_config import WEBHOOK_PATH
from tests.channels.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.conftest import LOG_DIR, free_port

# The URL Twilio would call, through a proxy: not the one the server sees.
PUBLIC_URL = "https://sms.cites-emploi.example.org"
OPERATOR_NUMBER = "+33639980000"
RATE_LIMIT = 4

SMS_ENV = {
    "SMS_ACCOUNT_SID": ACCOUNT_SID,
    "SMS_AUTH_TOKEN": AUTH_TOKEN,
    "SMS_FROM_NUMBER": OPERATOR_NUMBER,
    "SMS_PUBLIC_URL": PUBLIC_URL,
    "SMS_HASH_KEY": "test-hash-key",
    "SMS_RATE_LIMIT_MESSAGES": str(RATE_LIMIT),
    "SMS_RATE_LIMIT_MINUTES": "10",
    "SMS_RETRY_INTERVAL": "1",
    "SMS_SEND_TIMEOUT": "5",
}


@pytest.fixture(scope="session")
def fake_operator():
    operator = FakeTwilio().start()
    yield operator
    operator.stop()


@pytest.fixture(scope="session")
def sms_assistant(fake_operator, tmp_path_factory):
    """The real Rasa and action servers (as the `assistant` fixture), their SMS channel talking
    to the fake operator."""
    assert DEFAULT_MODEL.exists(), "no trained model: run the tests with `make test`"
    database = tmp_path_factory.mktemp("sms") / "bookings.db"
    servers = Assistant(
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=LOG_DIR,
        database_url=f"sqlite:///{database}",
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**SMS_ENV, "SMS_API_BASE": fake_operator.base_url}.items():
            patch.setenv(name, value)
        servers.prepare_database()
        servers.start_action_server()
        servers.start_rasa_server()
    servers.wait_until_ready(400)
    yield servers
    servers.stop()


_used_numbers: set = set()


def new_number() -> str:
    """A resident's number in the ARCEP fiction range (06 39 98 xx xx: 10 000 numbers), never
    the same twice in a test session (another test's replies would count as this one's)."""
    while True:
        number = f"+3363998{secrets.randbelow(10_000):04d}"
        if number not in _used_numbers:
            _used_numbers.add(number)
            return number


class SmsClient:
    """Posts to the SMS webhook as Twilio does, signed for the public URL."""

    def __init__(self, assistant: Assistant, number: Optional[str] = None) -> None:
        self.url = assistant.rasa_url + WEBHOOK_PATH
        self.number = number or new_number()

    def form(self, body: str, **extra: str) -> Dict[str, str]:
        return {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": OPERATOR_NUMBER,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }

    def post(
        self, form: Dict[str, str], signature: Optional[str] = "sign", signed_url: str = ""
    ) -> Tuple[int, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = RequestValidator(AUTH_TOKEN).compute_signature(
                signed_url or PUBLIC_URL + WEBHOOK_PATH, form
            )
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        request = urllib.request.Request(
            self.url, data=urllib.parse.urlencode(form).encode("utf-8"), headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def say(self, body: str, **extra: str) -> Tuple[int, str]:
        return self.post(self.form(body, **extra))


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
