"""Request bodies the checks send besides the sample: garbage, the wrong shape, and just under 6 MiB."""

import json

from .probe import media_type

UNSUPPORTED_CONTENT_TYPE = "application/x-byoc-contract-unsupported"
JSON_LINES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")
PARSED_TYPES = ("application/json", *JSON_LINES, "text/csv", "text/html", "text/plain")
GARBAGE = bytes([0x00, 0xFF, 0xFE, 0x80, 0x81, 0x1B, 0x7F, 0xC3, 0x28, 0xA0]) * 8


def unsupported_content_type(accepted: tuple[str, ...]) -> str:
    """Return a Content-Type no image should accept (and this one does not claim to)."""
    claimed = {media_type(c) for c in accepted}
    candidates = (UNSUPPORTED_CONTENT_TYPE, "application/x-byoc-contract-unsupported-2")
    return next(c for c in candidates if c not in claimed)


def wrong_shape(sample: bytes, content_type: str) -> bytes:
    """Return a well-formed body of the wrong shape: a CSV row one field short (or long), JSON of another kind."""
    kind = media_type(content_type)
    text = sample.decode("utf-8", "replace")
    if kind == "text/csv":
        first = next((line for line in text.splitlines() if line.strip()), "1")
        fields = first.split(",")
        row = fields[:-1] if len(fields) > 1 else fields + fields
        return (",".join(row) + "\n").encode()
    if kind in ("application/json", "application/jsonlines"):
        try:
            parsed = json.loads(text.splitlines()[0] if kind == "application/jsonlines" else text)
        except (ValueError, IndexError):
            parsed = None
        other = ["byoc-contract", "wrong shape"] if isinstance(parsed, dict) else {"byoc-contract": "wrong shape"}
        return json.dumps(other).encode() + b"\n"
    return sample[: max(1, len(sample) // 2)]


def large_body(sample: bytes, content_type: str, size: int) -> bytes:
    """Return a still-valid body of at most `size` bytes (and close to it), made from the sample."""
    kind = media_type(content_type)
    if kind == "application/json":
        return sample + b" " * max(0, size - len(sample))  # trailing whitespace keeps JSON valid
    if kind in ("text/csv", "application/jsonlines", "text/plain"):
        lines = [line + b"\n" for line in sample.splitlines() if line.strip()]
        return _repeat(lines[0], lines[1:] or lines, size)
    return _repeat(b"", [sample], size)


def _repeat(head: bytes, units: list[bytes], size: int) -> bytes:
    chunk = b"".join(units)
    if not chunk:
        return head
    count = max(0, (size - len(head)) // len(chunk))
    body = head + chunk * count
    for unit in units:  # top up line by line
        if len(body) + len(unit) > size:
            break
        body += unit
    return body


def spellings(content_type: str) -> list[str]:
    """Return the Content-Type as given, its bare media type, and the media type with `; charset=utf-8`."""
    bare = media_type(content_type)
    found = []
    for spelling in (content_type.strip(), bare, f"{bare}; charset=utf-8"):
        if spelling and spelling not in found:
            found.append(spelling)
    return found


def charset(content_type: str) -> str:
    """Return the charset parameter of a Content-Type, utf-8 when there is none."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def mismatch(body: bytes, content_type: str) -> str | None:
    """Return why `body` is not what `content_type` says (None when it parses); raise LookupError when unknown."""
    kind = media_type(content_type)
    if not (kind in PARSED_TYPES or kind.endswith("+json")):
        raise LookupError(kind)
    try:
        text = body.decode(charset(content_type))
    except (UnicodeDecodeError, LookupError):
        return f"the body is not {charset(content_type)} text"
    if kind == "application/json" or kind.endswith("+json"):
        return None if _json(text) is not _NOT_JSON else "the body is not JSON"
    if kind in JSON_LINES:
        bad = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() and _json(line) is _NOT_JSON]
        return f"line {bad[0]} is not JSON" if bad else None
    if kind != "text/plain" and isinstance(_json(text), (dict, list)):  # text/csv, text/html
        return "the body is JSON"
    return None


_NOT_JSON = object()


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON
