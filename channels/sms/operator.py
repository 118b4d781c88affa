"""The operator's API: Twilio's Messages API through twilio's own client, synchronous, with a
timeout (callers run it in a worker thread). Its base URL is configurable so that the tests talk
to a local imitation of Twilio."""

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels.sms.config import SmsConfig


class Rejected(Exception):
    """The operator refused this SMS for good (a bad number, say): retrying will not help."""


class Operator:
    def __init__(self, config: SmsConfig) -> None:
        self.from_number = config.from_number
        self.client = Client(
            config.account_sid, config.auth_token,
            http_client=TwilioHttpClient(timeout=config.send_timeout),
        )
        self.client.api.base_url = config.api_base

    def send(self, to: str, body: str) -> str:
        """Hand one SMS to the operator; its message id. Raises Rejected for a permanent refusal,
        anything else for a failure worth retrying (timeout, operator down, 429, 5xx)."""
        try:
            return self.client.messages.create(to=to, from_=self.from_number, body=body).sid
        except TwilioRestException as error:
            if 400 <= error.status < 500 and error.status != 429:
                raise Rejected(f"{error.status} {error.code}: {error.msg}") from error
            raise
