"""French phone numbers as residents type them, normalised to E.164 for storage and SMS."""

import hashlib
import hmac
import re
from typing import Optional

import phonenumbers

# ARCEP reserves 06 39 98 xx xx for fiction (films, demos), but phonenumbers' metadata does not
# list it as a valid mobile range (01 99 00 xx xx, the other one the demo uses, it does accept).
# The demo territory and the tests use it, so a possible French number in it is accepted.
FICTION_PREFIXES = ("63998",)


# Something that may be a phone number as typed, from any country ("06 39 98 00 11", "+44 20…"):
# what the forms try to read as a number and what an alert summary hides.
PHONE_LIKE = re.compile(r"(?:\+|00)?\d[\d\s.\-/()]{7,}\d")


class InvalidPhone(ValueError):
    """The text is not a valid French phone number."""


def normalise_french_phone(text: str) -> str:
    """ "06 12 34 56 78", "06.12.34.56.78", "+33612345678" → "+33612345678"; else InvalidPhone."""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(text) from error
    national = str(number.national_number)
    fiction = number.country_code == 33 and national.startswith(FICTION_PREFIXES)
    if fiction:
        valid = phonenumbers.is_possible_number(number)
    else:
        valid = (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == "FR"
        )
    if not valid:
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def french_mobile(text: str) -> Optional[str]:
    """The number in E.164 when `text` is a French mobile number (06…, 07…), else None: the only
    numbers an SMS can be sent to from the reception desk."""
    try:
        number = normalise_french_phone(text)
    except InvalidPhone:
        return None
    return number if number.startswith(("+336", "+337")) else None


def log_id(hashed: str) -> str:
    """A short, stable handle of a number's hash for log lines, so that one number's messages
    can be followed without the number."""
    return hashed[:10]


def number_hash(key: str, number: str) -> str:
    """A number kept as a keyed hash (HMAC-SHA256): enough to recognise it again (the SMS
    channel's senders, opt-outs), useless to whoever reads it without the key."""
    return hmac.new(key.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()
