"""/settings: a user's own name, time zone, password and e-mail preferences."""
