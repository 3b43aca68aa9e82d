"""Content types: constants, media-type matching that ignores parameters, and Accept negotiation."""

from collections.abc import Sequence

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"  # SageMaker batch transform's JSON Lines
ANY = "*/*"


def media_type(value: str | None) -> str:
    """Return the bare lower-case media type of a header value: `Text/CSV; charset=utf-8` -> `text/csv`."""
    return (value or "").split(";", 1)[0].strip().lower()


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """Return the offered media type that Accept prefers; offered[0] when Accept is absent or `*/*`."""
    if not accept or not accept.strip():
        return offered[0]
    for wanted in _ranked(accept):
        if wanted == ANY:
            return offered[0]
        if wanted.endswith("/*"):
            match = next((item for item in offered if item.startswith(wanted[:-1])), None)
        else:
            match = wanted if wanted in offered else None
        if match:
            return match
    return None


def _ranked(accept: str) -> list[str]:
    """Return Accept's media types, best quality first, ties in the order given, q=0 left out."""
    entries = []
    for position, part in enumerate(accept.split(",")):
        media = media_type(part)
        quality = _quality(part)
        if media and quality > 0:
            entries.append((-quality, position, media))
    return [media for _, _, media in sorted(entries)]


def _quality(part: str) -> float:
    """Return the q parameter of one Accept entry (1.0 when absent or unreadable)."""
    for param in part.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 1.0
    return 1.0
