"""The web kit: what every route uses, and nothing about any one feature (docs/architecture.md)."""
