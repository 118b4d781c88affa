"""Phone numbers are kept as keyed hashes (HMAC-SHA256): enough to recognise a number again
(idempotency, rate limit, opt-out, pending choices), useless to whoever reads the database or
the logs without the key."""

from bot.storage.phone import number_hash  # noqa: F401 (the channel's modules import it here)


def log_id(hashed: str) -> str:
    """A short, stable handle for log lines, so that one number's messages can be followed."""
    return hashed[:10]
