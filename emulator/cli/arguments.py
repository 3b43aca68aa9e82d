"""Argument types shared by the subcommands: a bad value is refused while parsing, before anything starts."""

import argparse
import math

MAX_PORT = 65535


def port(text: str) -> int:
    """Return a TCP port, 0 (pick a free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to {MAX_PORT})") from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{value} is not a port number: give 0 (any free port) to {MAX_PORT}")
    return value


def region(text: str) -> str:
    """Return an AWS region name such as us-east-1 (the form botocore accepts; checked before any client)."""
    from emulator.definitions.local import REGION_RE

    if not REGION_RE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a region name such as us-east-1 or eu-west-1")
    return text


def seconds(text: str) -> float:
    """Return a finite number of seconds above 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} seconds: give a number above 0")
    return value


def at_least_zero(text: str) -> float:
    """Return a finite number, 0 or more (a tolerance)."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number, 0 or more")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def media_type(text: str) -> str:
    """Return a Content-Type or Accept value as given; an empty one (sent as none at all) is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty value is sent as no header at all: give one such as text/csv")
    return text


def repeated(keys: list[str]) -> list[str]:
    """Return the keys given more than once (KEY=VALUE options), sorted: only one value of each can be used."""
    return sorted({key for key in keys if keys.count(key) > 1})
