"""Which web sites may call the widget's endpoints from their pages: an allow-list of origins.

The widget runs on partners' pages, so its requests are cross-origin. Browsers only let a page
read the answer when the server names its origin in `Access-Control-Allow-Origin`; naming only
the configured origins keeps other sites from putting the assistant (and its feedback table) in
their pages. The demo page is served by the channel itself: same origin, always allowed.
"""

from typing import Dict, Iterable, Optional
from urllib.parse import urlsplit

PREFLIGHT_MAX_AGE_SECONDS = 600


def normalize_origin(origin: str) -> str:
    """`scheme://host[:port]`, lower case; ValueError for anything else (a path, a wildcard)."""
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"origine invalide {origin!r} : attendu https://site.exemple[:port]")
    if parts.query or parts.fragment or parts.username:
        raise ValueError(f"origine invalide {origin!r} : attendu https://site.exemple[:port]")
    return f"{parts.scheme}://{parts.netloc}"


class CorsPolicy:
    """The allow-list, and the CORS headers an origin gets."""

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self.allowed = frozenset(normalize_origin(origin) for origin in allowed_origins)

    def allows(self, origin: Optional[str], host: str) -> bool:
        """No Origin (not a browser page), the server's own host, or an origin of the list."""
        if not origin:
            return True
        try:
            normalized = normalize_origin(origin)
        except ValueError:
            return False
        return normalized in self.allowed or urlsplit(normalized).netloc == host.lower()

    def headers(self, origin: Optional[str], preflight: bool = False) -> Dict[str, str]:
        """The headers for a response to `origin`: none unless it is in the list."""
        try:
            normalized = normalize_origin(origin or "")
        except ValueError:
            return {"Vary": "Origin"}
        if normalized not in self.allowed:
            return {"Vary": "Origin"}
        headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if preflight:
            headers.update(
                {
                    "Access-Control-Allow-Methods": "POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
                }
            )
        return headers
