"""Print a ready-to-run curl command posting a correctly signed SMS to the local SMS webhook, as
Twilio would (same form fields, `X-Twilio-Signature` computed with the configured auth token for
the URL Twilio would call).

    python -m channels.sms.example [--server http://127.0.0.1:5005] [--body "c koi le cej"]
"""

import argparse
import shlex
import sys
import uuid
from typing import List, Optional

from twilio.request_validator import RequestValidator

from bot.transports.sms_config import WEBHOOK_PATH, SmsConfig

DEMO_RESIDENT = "+33639980101"  # ARCEP fiction range


def curl_command(
    server: str, body: str, sender: str = DEMO_RESIDENT, config: Optional[SmsConfig] = None
) -> str:
    config = config or SmsConfig.load()
    local_url = server.rstrip("/") + WEBHOOK_PATH
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": config.account_sid,
        "From": sender,
        "To": config.from_number,
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(config.auth_token).compute_signature(
        config.webhook_url(local_url), params
    )
    fields = " ".join(f"--data-urlencode {shlex.quote(f'{k}={v}')}" for k, v in params.items())
    return (
        f"curl -s -X POST {shlex.quote(local_url)} "
        f"-H {shlex.quote(f'X-Twilio-Signature: {signature}')} {fields}"
    )


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="http://127.0.0.1:5005", help="the Rasa server")
    parser.add_argument("--body", default="c koi le cej", help="the SMS text")
    parser.add_argument("--sender", default=DEMO_RESIDENT, help="the resident's number (E.164)")
    args = parser.parse_args(argv)
    print(curl_command(args.server, args.body, args.sender))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
