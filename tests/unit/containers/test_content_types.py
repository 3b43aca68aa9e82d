"""Media-type matching ignores parameters; Accept negotiation honours absence, */*, lists and q."""

import pytest
from serving.content_types import CSV, JSON, media_type, negotiate

OFFERED = [CSV, JSON]


@pytest.mark.parametrize(
    "value, media",
    [
        ("text/csv", "text/csv"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("Text/CSV;header=present", "text/csv"),
        ("  application/json ", "application/json"),
        (None, ""),
        ("", ""),
    ],
)
def test_media_type_drops_parameters_and_case(value, media):
    assert media_type(value) == media


@pytest.mark.parametrize(
    "accept, chosen",
    [
        (None, CSV),
        ("", CSV),
        ("*/*", CSV),
        ("application/json", JSON),
        ("application/json; charset=utf-8", JSON),
        ("text/html, application/json", JSON),
        ("text/csv;q=0.5, application/json", JSON),
        ("application/*", JSON),
        ("image/png, */*;q=0.1", CSV),
        ("application/json;q=0, text/csv", CSV),
        ("image/png", None),
        ("application/json;q=0", None),
    ],
)
def test_negotiate_picks_what_accept_prefers(accept, chosen):
    assert negotiate(accept, OFFERED) == chosen
