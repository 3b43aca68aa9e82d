"""Field checks shared by the definition parsers: each broken rule names the field path and the rule."""


class Invalid(Exception):
    """One broken rule: the field path, the rule, and optionally what to do."""

    def __init__(self, field: str, rule: str, hint: str | None = None):
        super().__init__(f"{field}: {rule}" if field else rule)
        self.hint = hint


def check_keys(data: dict, known: tuple[str, ...], where: str, what: str) -> None:
    """Raise Invalid naming every key of `data` that is not in `known`."""
    unknown = [k for k in data if k not in known]
    if unknown:
        raise Invalid(
            where,
            f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(known)}",
            "fix the spelling (names are case-sensitive, as in the CreateModel API)",
        )


def expect(value, kind: type, where: str, what: str):
    """Return `value` when it is a `kind` (bools are not ints), else raise Invalid."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(where, f"must be {what}, got {type(value).__name__} {value!r:.60}")
    return value
