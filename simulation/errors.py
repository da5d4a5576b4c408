"""Errors that are the user's to fix: the CLI prints their message alone, with no traceback."""


class UserError(Exception):
    """A mistake in the user's input (a file, a field, an option). The message says what is wrong,
    where, and what is allowed."""
