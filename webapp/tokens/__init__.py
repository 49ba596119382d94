"""Personal API tokens: list, name, revoke."""
