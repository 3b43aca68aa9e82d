"""pytest glue for the contract checks (filled in by the contract-tests work)."""
