"""HTTP framing checks and bounded body reads: a malformed request is a 400, never a 5xx or a hang.

The rules: one Content-Length of ASCII digits or none; never both Content-Length and chunked
(a smuggling vector); a body shorter than announced, or chunked without its final chunk, is never
handed on; at most `limit + 1` bytes are ever read, whatever the headers say.
"""

import re

from emulator.api.errors import ValidationError
from emulator.invocation.chain import oversize_body

DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() accepts "²"
READ_CHUNK_BYTES = 1 << 20


class Incomplete(ValidationError):
    """The body ended before its framing said it would."""


def framing_problem(content_length: str | None, transfer_encoding: str | None) -> str | None:
    """Return why the request's framing headers are unacceptable, or None when they are fine.

    Repeated headers arrive joined with ", " (RFC 9110 5.3), so two Content-Lengths fail the digits check.
    """
    lengths = [content_length] if content_length is not None else []
    encodings = (transfer_encoding or "").lower()
    if lengths and not DIGITS.fullmatch(lengths[0].strip()):
        return f"Content-Length {lengths[0]!r} is not a number of bytes; send the body's size in ASCII digits."
    if encodings and encodings.replace(" ", "") != "chunked":
        return f"Transfer-Encoding {encodings!r} is not supported; send chunked or a Content-Length."
    if lengths and encodings:
        return "The request has both Content-Length and Transfer-Encoding: chunked; send only one of them."
    return None


def read_body(stream, content_length: int | None, chunked: bool, limit: int, request_id: str) -> bytes:
    """Read the whole body, at most `limit` bytes; raise ValidationError when it is too big or cut short."""
    if content_length is not None and content_length > limit:
        raise oversize_body(content_length, request_id)
    if content_length is None and not chunked:
        return b""
    want = content_length if content_length is not None else limit + 1
    parts, size = [], 0
    while size < want:
        try:
            chunk = stream.read(min(READ_CHUNK_BYTES, want - size))
        except (OSError, ValueError) as err:
            raise Incomplete(f"The request body could not be read: {err}. Send a well-formed body.") from None
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if chunked and size > limit:
        raise oversize_body(size, request_id)
    if content_length is not None and size < content_length:
        raise Incomplete(
            f"The request body ended after {size} of the {content_length} bytes its "
            "Content-Length announced; send the whole body."
        )
    return b"".join(parts)
