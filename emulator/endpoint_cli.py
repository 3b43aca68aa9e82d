"""`byoc up`, `byoc invoke`, `byoc down` (filled in by the emulator work)."""


def register(sub) -> None:
    """Add the endpoint subcommands to the CLI."""
