"""Outbound e-mail: the SMTP mailer, the outbox requests queue into, and its background sender."""
