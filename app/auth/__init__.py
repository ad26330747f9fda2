"""Sign-in, sign-out, throttling, invites and password reset."""
