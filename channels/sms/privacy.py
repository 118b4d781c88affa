"""Phone numbers are kept as keyed hashes (HMAC-SHA256): enough to recognise a number again
(idempotency, rate limit, opt-out, pending choices), useless to whoever reads the database or
the logs without the key."""

import hashlib
import hmac


def number_hash(key: str, number: str) -> str:
    return hmac.new(key.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()


def log_id(hashed: str) -> str:
    """A short, stable handle for log lines, so that one number's messages can be followed."""
    return hashed[:10]
