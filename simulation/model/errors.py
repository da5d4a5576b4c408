"""Errors that are the user's to fix: the CLI prints their message alone, with no traceback."""


class UserError(Exception):
    """A mistake in the user's input (a file, a field, an option). The message says what is wrong,
    where, and what is allowed."""


def explain(exc, prefix: str = "", every: bool = False) -> str:
    """A pydantic ``ValidationError`` as 'field.path: message' (the one explainer of every file
    tipsim validates): the first error, or with ``every`` all of them joined by '; '. ``prefix``
    goes before each path (the table the document was found in); pydantic's own steps
    (``function-after[...]``, ``list[...]``) are left out of the path."""
    parts = []
    for err in exc.errors() if every else exc.errors()[:1]:
        loc = ".".join([prefix] * bool(prefix) + [
            str(p) for p in err["loc"] if not str(p).startswith(("function-", "list[", "dict["))])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "missing (required)"
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(dict.fromkeys(parts))
