"""The organisation's own settings, logo and lesson slots (/admin/settings, /org/...)."""
