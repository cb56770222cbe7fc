"""JSON API under /api/v1/ with bearer tokens, described by /api/v1/openapi.json."""
