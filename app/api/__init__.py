"""The REST side server (aiohttp): routes of API.md, auth, health, metrics, OpenAPI, CLI."""
