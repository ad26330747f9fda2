"""JSON API v1 for HR systems, authenticated by API keys."""
