"""The contract suite: one test per hosting rule and target (collected only when a --byoc-* option asks)."""
