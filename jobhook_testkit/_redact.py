"""Redaction of Authorization values: keep the scheme, hide the credential.

``Bearer s3cret`` -> ``Bearer [redacted]``; a value without a scheme -> ``[redacted]``.
Every printed form, report and recording goes through here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping

REDACTED = "[redacted]"
# The shortest value scrubbed out of free text. An echo shorter than this cannot be told
# from ordinary words: with ``--auth "Bearer wrong"``, scrubbing "wrong" would turn a
# receiver's "missing or wrong Authorization" into "missing or [redacted] Authorization".
# (Header values themselves are always redacted, whatever their length.)
MIN_SECRET = 8
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

# A query parameter is taken to carry a credential by the same words, and by the names
# services give the keys they put in URLs: Azure Functions' ``?code=``, signed URLs' ``sig=``.
_SECRET_QUERY_WORDS = _SECRET_WORDS | {"code", "sig", "hmac", "pass", "pwd"}


def is_secret_query_parameter(name: str) -> bool:
    """Whether a URL query parameter named ``name`` is redacted wherever the URL is shown
    (``token``, ``access_token``, ``api-key``, ``code``, ``sig``, ...)."""
    from urllib.parse import unquote_plus

    words = re.split(r"[-_.\s\[\]]+", unquote_plus(name).strip().lower())
    return any(word in _SECRET_QUERY_WORDS for word in words)


def redact_url(url: str) -> str:
    """``url`` as it may be shown: ``user:password@`` becomes ``[credentials]@`` and the
    value of each credential-named query parameter (see :func:`is_secret_query_parameter`)
    ``[redacted]``, in the query and in a fragment that holds parameters alike. Works on
    any text, a malformed URL included (error messages show those)."""
    head, authority, rest = _split_url(url)
    if "@" in authority:  # the host is after the last "@": a password may hold one
        authority = "[credentials]@" + authority.rpartition("@")[2]
    return f"{head}{authority}{_SECRET_PARAMETER.sub(_hide_value, rest)}"


def has_userinfo(url: str) -> bool:
    """Whether ``url`` (any text) holds ``user:password@`` before its host."""
    return "@" in _split_url(url)[1]


def url_secrets(url: str) -> list[str]:
    """The credentials a URL holds, as written and percent-decoded (to :func:`remember`)."""
    from urllib.parse import unquote_plus

    _, authority, rest = _split_url(url)
    found = [match["value"] for match in _SECRET_PARAMETER.finditer(rest)
             if is_secret_query_parameter(match["name"])]
    if "@" in authority:
        userinfo = authority.rpartition("@")[0]
        found += [userinfo, userinfo.partition(":")[2]]
    return [form for value in found if value for form in {value, unquote_plus(value)}]


def _split_url(url: str) -> tuple[str, str, str]:
    """``(scheme://, authority, the rest)``; the authority ends at the first ``/``, ``?``
    or ``#`` (a request path alone has none: it starts with "/")."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return scheme + sep, rest[:end], rest[end:]


# One ``name=value`` of a query (after "?") or of a fragment written as parameters.
_SECRET_PARAMETER = re.compile(r"(?P<lead>[?&;#])(?P<name>[^=&;#]+)=(?P<value>[^&;#]*)")


def _hide_value(match: re.Match[str]) -> str:
    if not match["value"] or not is_secret_query_parameter(match["name"]):
        return match[0]
    return f"{match['lead']}{match['name']}={REDACTED}"


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

    Also the forms an echo of it takes on its way into a message: in any letter case,
    whitespace folded into one space, escaped as in a JSON string or a Python repr. Forms
    shorter than :data:`MIN_SECRET` characters are left alone (see there).
    """
    if not secret or not secret.strip():
        return text
    lowered = text.lower()
    for form, lowered_form, replacement in _replacements(secret):
        if lowered_form in lowered:  # the usual case is no echo: no regex at all
            # (a replacement is "[redacted]" after letters at most: nothing re expands)
            text = re.sub(re.escape(form), replacement, text, flags=re.IGNORECASE)
            lowered = text.lower()
    return text


def scrub_all(text: str, secrets: Iterable[str | None]) -> str:
    """:func:`scrub` every one of ``secrets`` out of ``text``, longest first."""
    for secret in _longest_first(tuple(secrets)):
        text = scrub(text, secret)
    return text


@functools.lru_cache(maxsize=16)
def _longest_first(secrets: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(sorted({secret for secret in secrets if secret}, key=len, reverse=True))


@functools.lru_cache(maxsize=1024)
def _replacements(secret: str) -> tuple[tuple[str, str, str], ...]:
    """``(form, form lower-cased, replacement)`` for each form an echo of ``secret`` takes:
    the whole value's forms first (the scheme kept), then its credential part's. Cached:
    the plugin scrubs every string of a report with every credential it was given."""
    redacted = redact_authorization(secret) or REDACTED
    whole = [(form, redacted) for form in _forms(secret)]
    credential = [(form, REDACTED) for form in _forms(_split(secret.strip())[1])]
    return tuple((form, form.lower(), replacement) for form, replacement in whole + credential)


def _forms(value: str) -> Iterator[str]:
    # Stripped: whitespace around a value is no part of the secret (and left in place).
    forms = {value.strip(), " ".join(value.split())}
    for form in list(forms):  # as a JSON encoder writes it (some escape "/" too)
        escaped = json.dumps(form)[1:-1]
        forms |= {escaped, escaped.replace("/", "\\/"), json.dumps(form, ensure_ascii=False)[1:-1]}
    forms |= {repr(form)[1:-1] for form in forms}  # and as a repr() shows any of those
    forms = {form for form in forms if len(form) >= MIN_SECRET}
    yield from sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers


# Credentials handed to the library in this process, most recent last (a dict as an
# ordered set). pytest prints the arguments of a test's calls and the locals of its frames
# in a failure report; the plugin scrubs these values from every report it passes on.
_REMEMBERED: dict[str, None] = {}
_MAX_REMEMBERED = 256


def remember(*secrets: str | None) -> None:
    """Note credentials given to the library (long enough to scrub: see MIN_SECRET)."""
    for secret in secrets:
        if isinstance(secret, str) and len(secret.strip()) >= MIN_SECRET:
            _REMEMBERED.pop(secret, None)
            _REMEMBERED[secret] = None
    while len(_REMEMBERED) > _MAX_REMEMBERED:
        del _REMEMBERED[next(iter(_REMEMBERED))]


def remembered() -> tuple[str, ...]:
    """The credentials noted by :func:`remember`, oldest first."""
    return tuple(_REMEMBERED)
