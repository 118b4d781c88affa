"""The references residents are given: "CE-7K3P-9QX2" for a café emploi booking, "AL-…" for a
call-back alert. Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L): about
770 billion values, so that a reference cannot be found by guessing, and still read aloud or
typed back however people write it ("ce 7k3p 9qx2", "CE7K3P9QX2", "7k3p-9qx2"). Letters and
digits are always mixed."""

import re
import secrets
from dataclasses import dataclass
from typing import Optional

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_HALF = LENGTH // 2
_BODY = rf"([{ALPHABET}]{{{_HALF}}})\s*[-–]?\s*([{ALPHABET}]{{{_HALF}}})"


@dataclass(frozen=True)
class ReferenceKind:
    prefix: str  # "CE", "AL"

    def new(self) -> str:
        """Always letters and digits mixed: a reference never looks like words ("JBUU SSEZ"),
        which the danger detector and the bare look-up both rely on (still ≈ 7.7·10^11)."""
        while True:
            body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
            if any(c.isdigit() for c in body) and any(c.isalpha() for c in body):
                return self._format(body)

    def find(self, text: str, bare: bool = False) -> Optional[str]:
        """The reference written in `text`; with `bare`, a message that is only its eight
        characters counts too (if it has a digit: "ANNULERA" is a word, not a reference)."""
        found = re.search(rf"\b{self.prefix}\s*[-–]?\s*{_BODY}\b", text, re.IGNORECASE)
        if found is None and bare:
            found = re.match(rf"^\s*{_BODY}\s*$", text, re.IGNORECASE)
            if found and not any(c.isdigit() for c in found.group(1) + found.group(2)):
                found = None
        return self._format((found.group(1) + found.group(2)).upper()) if found else None

    def normalise(self, text: str) -> str:
        """The stored form of a reference as typed, for a look-up (unknown ones included)."""
        compact = re.sub(r"[\s\-–]", "", text).upper()
        if compact.startswith(self.prefix) and len(compact) != LENGTH:
            compact = compact[len(self.prefix) :]
        return self._format(compact) if len(compact) == LENGTH else f"{self.prefix}-{compact}"

    def _format(self, body: str) -> str:
        return f"{self.prefix}-{body[:_HALF]}-{body[_HALF:]}"


BOOKING = ReferenceKind("CE")
ALERT = ReferenceKind("AL")
