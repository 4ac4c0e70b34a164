"""Real Raspberry Pi drivers. Pi-only libraries are imported lazily, so this imports anywhere."""
