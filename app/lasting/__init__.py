"""Learning that lasts: if-then commitments and check-ins, the nudge schedule and sender, HR figures."""
