"""display_location: a store's path or URL as people should see it, with secrets hidden."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["SECRET_QUERY_KEYS", "display_location", "hide_secrets"]

SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
"""URL query keys whose values are hidden, compared without regard to case.

They are the secrets among PostgreSQL's connection parameters: `password`, and
`sslpassword`, the passphrase of the client's private key.
"""

_HIDDEN = "***"

_PASSWORD_IN_USERINFO = re.compile(r"(://[^:/@\s]*:)[^/?#\s]*@")

# Matches a key=value pair with a secret key, as a URL query parameter or as a libpq
# connection string entry in a driver's message, whose value may be single-quoted.
_SECRET_PARAMETER = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(SECRET_QUERY_KEYS)) + r")(\s*=\s*)"
    r"(?:'(?:[^'\\]|\\.)*'?|[^&#\s]*)",
    re.IGNORECASE,
)


def display_location(target: str | os.PathLike[str]) -> str:
    """Render a record store target (file path or database URL) for people to read.

    A path becomes an absolute path. A URL keeps its form, but its password and the
    values of the query keys in `SECRET_QUERY_KEYS` become `***`. Nothing is opened or
    checked, so any text is accepted.
    """
    text = os.fspath(target).strip()
    if not text or "://" in text:
        return hide_secrets(text)
    return str(Path(text).expanduser().absolute())


def hide_secrets(text: str) -> str:
    """Replace the password of every URL in `text`, and every secret query value, with `***`."""
    text = _PASSWORD_IN_USERINFO.sub(rf"\g<1>{_HIDDEN}@", text)
    return _SECRET_PARAMETER.sub(rf"\g<1>\g<2>{_HIDDEN}", text)
