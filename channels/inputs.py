"""What the public webhooks (REST, web) accept before Rasa or the database sees it: the body as a
JSON object within a size limit, and texts cleaned so that nothing downstream fails. A refusal is
a `BadInput`: a 400 with a code for programs and a French message for whoever integrates them."""

import json
import re
from typing import Any, Dict, Optional

from bot.texts import text

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class BadInput(ValueError):
    """A request the endpoint refuses: `code` for programs, `message` in French for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_json(self) -> Dict[str, str]:
        return {"error": self.code, "message": self.message}


def read_json_object(body: Optional[bytes], max_bytes: int, example: str) -> Dict[str, Any]:
    """The body as a JSON object (`example` shows its fields in the refusal)."""
    if body and len(body) > max_bytes:
        raise BadInput("trop_long", text("inputs.too_long", limit=max_bytes))
    try:
        data = json.loads((body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: [[[[…]]]]
        raise BadInput("pas_json", text("inputs.not_json")) from None
    if not isinstance(data, dict):
        raise BadInput("pas_json", text("inputs.not_an_object", example=example))
    return data


def clean_text(value: str) -> str:
    """Lone surrogates (valid in JSON, not in UTF-8) become U+FFFD and NUL characters go, so that
    nothing downstream (spaCy, logs, PostgreSQL, Redis) fails on the text."""
    return LONE_SURROGATE.sub("\ufffd", value).replace("\x00", "")
