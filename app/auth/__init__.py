"""Sign-in, sign-out, throttling, invitations and password reset, role checks, kept forms."""
