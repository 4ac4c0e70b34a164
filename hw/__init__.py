"""Hardware roles, real Raspberry Pi drivers and the machine simulator (no UI or web imports)."""
