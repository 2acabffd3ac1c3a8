"""Redaction of Authorization values: keep the scheme, hide the credential.

``Bearer s3cret`` -> ``Bearer [redacted]``; a value without a scheme -> ``[redacted]``.
Every printed form, report and recording goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def redact_authorization(value: str | None) -> str | None:
    """Return ``value`` with its credential replaced, keeping a leading auth scheme."""
    if value is None:
        return None
    stripped = value.strip()
    if not stripped:
        return value  # an empty value hides nothing and says something useful
    scheme, sep, credential = stripped.partition(" ")
    if sep and credential.strip() and scheme.isascii() and scheme.isalpha() and len(scheme) <= 20:
        return f"{scheme} {REDACTED}"
    return REDACTED


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """Copy headers with every secret-bearing value redacted (names compared case-free)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name: (redact_authorization(value) or "") if name.lower() in SECRET_HEADERS else value
        for name, value in items
    }


def scrub(text: str, secret: str | None) -> str:
    """Remove any verbatim occurrence of ``secret`` (and its credential part) from text."""
    if not secret:
        return text
    text = text.replace(secret, redact_authorization(secret) or REDACTED)
    credential = secret.strip().partition(" ")[2].strip()
    if len(credential) >= 4:
        text = text.replace(credential, REDACTED)
    return text
