"""`byoc contract` and `byoc push` (filled in by the contract-tests work)."""


def register(sub) -> None:
    """Add the contract subcommands to the CLI."""
