"""Test helpers for users of the emulator: pytest fixtures."""
