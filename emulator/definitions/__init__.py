"""Pipeline definitions: CreateModel-shaped requests, their validation and the [Local] section."""
