"""Request bodies the checks send besides the sample: garbage, the wrong shape, and just under 6 MiB."""

import json

from .probe import media_type

UNSUPPORTED_CONTENT_TYPE = "application/x-byoc-contract-unsupported"
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
