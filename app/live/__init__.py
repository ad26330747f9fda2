"""Facilitated live group sessions: participants vote from phones, the room discusses results."""
