"""Personal data redaction: what residents type is stored for review only after this.

Messages kept for the coordinator console (misunderstood questions, "pas utile" feedback) are
useful for their wording, never for who wrote them. Email addresses, IBANs, social security
numbers (NIR), French phone numbers and postal addresses are replaced by a placeholder naming
what was there ("[téléphone]"), so a reader still understands the question.

The order matters: an IBAN or a NIR contains runs of digits a phone pattern would half-match,
so the longer, more specific patterns go first. Amounts, dates, ages and short numbers are left
alone (see tests/test_redaction.py and its corpus).
"""

import re

EMAIL = "[email]"
IBAN = "[IBAN]"
NIR = "[NIR]"
PHONE = "[téléphone]"
ADDRESS = "[adresse]"
PLACEHOLDERS = (EMAIL, IBAN, NIR, PHONE, ADDRESS)

_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}\s?@\s?(?:[\w-]{1,63}\.)+[a-z]{2,24}\b", re.IGNORECASE
)

# Two letters, two check digits, then up to 30 letters or digits, in groups of four.
_IBAN = re.compile(
    r"\b[a-z]{2}\d{2}(?:[ \-]?[a-z0-9]{4}){2,7}(?:[ \-]?[a-z0-9]{1,3})?(?![a-z0-9])", re.IGNORECASE
)

# NIR: sex, year, month (or 20-99 for unknown), département (2A/2B for Corsica), commune,
# order number, and the two-digit key that people sometimes leave out.
_SEP = r"[ .\-]?"
_NIR = re.compile(
    rf"(?<![\w+])[1-478]{_SEP}\d\d{_SEP}(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}(?:\d\d|2[ab])"
    rf"{_SEP}\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d\d)?(?!\d)",
    re.IGNORECASE,
)

# A French number: 0 or +33 / 0033 / (+33) (optionally "(0)"), then nine digits, with or
# without spaces, dots or dashes between them.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|\(\+33\)\s?|0[ .\-]?)[1-9](?:[ .\-]?\d){8}(?!\d)"
)

_STREET_TYPES = (
    r"rue|avenue|av\.?|boulevard|bd|bld|place|pl\.|impasse|all[ée]e|chemin|route|quai|square"
    r"|passage|r[ée]sidence|cit[ée]|sentier|esplanade|parvis|promenade|faubourg|villa|hameau"
    r"|lotissement|chauss[ée]e|rond-point|mail|voie|venelle|ruelle|cours"
)
# Words that end a street name: what comes next is the rest of the sentence.
_STOP_WORDS = (
    r"et|je|j'|j’|mais|pour|car|donc|svp|stp|merci|avec|depuis|qui|que|qu'|c'est|mon|ma|mes|est"
    r"|suis|ai|pr[èe]s|vers|dans|chez|au-dessus|bonjour|ou|o[uù]|on|il|elle|nous|vous|tel|t[ée]l"
    r"|num[ée]ro|mail|email|appelez|appeler|rappelez|[àa]|en|sur|pas|ne|n'|y|c|ca|ça|comment"
)
_NAME_WORD = rf"(?!(?:{_STOP_WORDS})\b)[\w'’.-]+"
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}\s?(?:bis|ter|quater|[abc])?\b,?\s+(?:{_STREET_TYPES})\b\.?"
    rf"(?:\s+{_NAME_WORD}){{1,6}}"
    r"(?:,?\s+\d{5}(?:\s+[\w'’-]+)?)?",
    re.IGNORECASE,
)
# "cours" is also "lessons" ("j'ai 20 cours de français"): only with a capital, as on a sign.
_LESSONS = re.compile(r"\d+\s+cours\b")


def _address(match: re.Match) -> str:
    return match.group(0) if _LESSONS.match(match.group(0)) else ADDRESS


def redact(text: str) -> str:
    """`text` with emails, IBANs, NIRs, French phone numbers and street addresses replaced."""
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(
        lambda m: IBAN if any(c.isdigit() for c in m.group(0)[4:]) else m.group(0), text
    )
    text = _NIR.sub(NIR, text)
    text = _PHONE.sub(PHONE, text)
    return _ADDRESS.sub(_address, text)
