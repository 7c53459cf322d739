"""Text every database can store: the one rule, and the one way to make text fit.

Valid JSON (and a Python str) can carry what a database cannot keep: PostgreSQL refuses
NUL in text, and a lone surrogate cannot be encoded as UTF-8 at all. Edges refuse such
text (``text_problems``); what a service records on its own account is made to fit
(``storable``).
"""


def text_problems(value: str, size: int | None = None) -> list[str]:
    """Why ``value`` cannot be stored (in a column of ``size`` characters); empty if it can."""
    problems = []
    if "\x00" in value:
        problems.append("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problems.append("must be valid Unicode text")
    if size is not None and len(value) > size:
        problems.append(f"Longer than maximum length {size}.")
    return problems


def storable(value, size: int) -> str | None:
    """``value`` as text a column of ``size`` characters takes: NUL and lone surrogates
    replaced (U+FFFD), cut to size; None and empty stay None."""
    if value is None:
        return None
    text = str(value).replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return text[:size] or None
