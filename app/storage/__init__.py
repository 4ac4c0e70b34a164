"""Storage: the SQLite historian (samples, events, audit), API tokens and history export."""
