"""Host an endpoint's containers: plan them, unpack model data, wait for /ping, side services."""
