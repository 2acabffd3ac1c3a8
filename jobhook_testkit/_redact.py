"""Redaction of Authorization values: keep the scheme, hide the credential.

``Bearer s3cret`` -> ``Bearer [redacted]``; a value without a scheme -> ``[redacted]``.
Every printed form, report and recording goes through here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping

REDACTED = "[redacted]"
_MIN_ECHO = 4
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# A header whose name holds one of these words (split at "-" and "_", case-free) is taken
# to carry a credential: X-Api-Key, X-Auth-Token, X-Gateway-Secret, Private-Token, ...
_SECRET_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "token",
        "secret",
        "key",
        "apikey",
        "password",
        "passwd",
        "credential",
        "credentials",
        "cookie",
        "session",
        "signature",
        "jwt",
    }
)


def is_secret_header(name: str) -> bool:
    """Whether a header named ``name`` is redacted wherever it is printed or written."""
    lowered = name.strip().lower()
    if lowered in SECRET_HEADERS:
        return True
    return any(word in _SECRET_WORDS for word in re.split(r"[-_\s]+", lowered))


def redact_authorization(value: str | None) -> str | None:
    """Return ``value`` with its credential replaced, keeping a leading auth scheme."""
    if value is None:
        return None
    stripped = value.strip()
    if not stripped:
        return value  # an empty value hides nothing and says something useful
    scheme, credential = _split(stripped)
    if credential and scheme.isascii() and scheme.isalpha() and len(scheme) <= 20:
        return f"{scheme} {REDACTED}"
    return REDACTED


def _split(value: str) -> tuple[str, str]:
    """``(scheme, credential)`` split at the first run of whitespace (a tab counts)."""
    parts = value.split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (value, "")


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """Copy headers with every secret-bearing value redacted (names compared case-free)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name: (redact_authorization(value) or "") if is_secret_header(name) else value
        for name, value in items
    }


def scrub(text: str, secret: str | None) -> str:
    """Remove any occurrence of ``secret`` (and of its credential part) from text.

    Also the forms an echo of it takes on its way into a message: whitespace folded into
    one space, escaped as in a JSON string or a Python repr.
    """
    if not secret or not secret.strip():
        return text
    redacted = redact_authorization(secret) or REDACTED
    for form in _forms(secret):
        text = text.replace(form, redacted)
    for form in _forms(_split(secret.strip())[1]):
        text = text.replace(form, REDACTED)
    return text


def _forms(value: str) -> Iterator[str]:
    forms = {value, value.strip(), " ".join(value.split())}
    for form in list(forms):  # as a JSON encoder writes it (some escape "/" too)
        escaped = json.dumps(form)[1:-1]
        forms |= {escaped, escaped.replace("/", "\\/"), json.dumps(form, ensure_ascii=False)[1:-1]}
    forms |= {repr(form)[1:-1] for form in forms}  # and as a repr() shows any of those
    # An echo shorter than this is indistinguishable from ordinary text: replacing every
    # "h" of a message because the configured value is "h" hides nothing and garbles all.
    forms = {form for form in forms if len(form) >= _MIN_ECHO}
    yield from sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers
