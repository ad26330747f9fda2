"""Allies in Practice: a self-hosted, self-paced course on male allyship in the workplace."""

__version__ = "0.1.0"
