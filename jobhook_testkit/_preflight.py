"""Before anything is judged: is something there, and is it the webhook's endpoint?

:func:`preflight` only asks whether anything answers (``jobhook replay`` uses it);
:func:`first_delivery` delivers one ordinary report before the suite runs and stops it
when the answer says nothing handles reports at that URL (404, 405, a redirect): every
rejection the checks would then see would prove nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jobhook_testkit._check_context import scrub_secrets
from jobhook_testkit._redact import redact_url
from jobhook_testkit._seeds import derive_seed
from jobhook_testkit._suite_types import EndpointNotFoundError, ReceiverUnreachableError
from jobhook_testkit.delivery import describe

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery

__all__ = ["first_delivery", "no_endpoint_cause", "preflight"]


def preflight(
    url: str,
    *,
    auth: str | None,
    timeout: float,
    verify: bool | str = True,
    headers: Mapping[str, str] | None = None,
) -> Delivery:
    """One GET to see that something answers; raise ReceiverUnreachableError otherwise."""
    from jobhook_testkit.delivery import Outcome
    from jobhook_testkit.sender import FakeSender

    sender = FakeSender(url, auth=auth, timeout=timeout, verify=verify, headers=headers)
    delivery = sender.deliver(body=b"", method="GET", content_type=None)
    if delivery.outcome in (Outcome.CONNECTION_FAILED, Outcome.TIMED_OUT):
        raise ReceiverUnreachableError(
            f"receiver unreachable at {redact_url(url)}: {delivery.reason}", delivery
        )
    return delivery


def no_endpoint_cause(delivery: Delivery, *, path_hint: str) -> str | None:
    """Why ``delivery``'s answer means no endpoint takes reports at its URL, or None.

    ``path_hint`` names the setting to look at (``--path``, ``path=``...).
    """
    code = delivery.status_code
    if code is None or str(delivery.outcome) not in ("acknowledged", "rejected"):
        return None
    path = urlsplit(delivery.request.url).path or "/"
    if code == 404:
        return f"no endpoint at {path}: check {path_hint}"
    if code == 405:
        return f"no endpoint takes POST at {path}: check {path_hint}"
    if 300 <= code < 400:
        location = next(
            (v for k, v in delivery.response_headers.items() if k.lower() == "location"), ""
        )
        to = f" to {redact_url(location)}" if location else ""  # a ?token= stays hidden
        return (
            f"{path} redirects ({code}{to}) and the platform does not follow redirects: "
            f"check {path_hint} and the URL's scheme"
        )
    return None


def first_delivery(
    url: str,
    *,
    auth: str | None,
    timeout: float,
    seed: int,
    verify: bool | str,
    headers: Mapping[str, str] | None,
    path_hint: str,
    silence_is_unreachable: bool,
) -> Delivery:
    """Deliver one ordinary report before the suite runs, and return that delivery.

    No option has a default: each front (``check_receiver``, ``jobhook check``,
    ``ReceiverContract``) says how it verifies, what it calls the path and whether the
    receiver is served for the run.

    Raises :class:`ReceiverUnreachableError` when the connection fails (or, with
    ``silence_is_unreachable``, nothing answers in time) and
    :class:`EndpointNotFoundError` when the answer is a 404, 405 or redirect: one message
    with what was sent, what came back and the likely cause.
    """
    from jobhook_testkit.factory import JobReportFactory
    from jobhook_testkit.sender import FakeSender

    sender = FakeSender(url, auth=auth, timeout=timeout, verify=verify, headers=headers)
    report = JobReportFactory(seed=derive_seed(seed, "preflight")).build(
        status="SUCCESS", type="export"
    )
    delivery = sender.deliver(report)
    outcome = str(delivery.outcome)
    if outcome == "connection_failed" or (outcome == "timed_out" and silence_is_unreachable):
        raise ReceiverUnreachableError(
            scrub_secrets(f"receiver unreachable at {redact_url(url)}: {delivery.reason}",
                          auth, headers),
            delivery,
        )
    cause = no_endpoint_cause(delivery, path_hint=path_hint)
    if cause is not None:
        story = describe(
            delivery,
            headline=f"{cause} (nothing was checked)",
            expected="a 2xx answer to an ordinary job report (the suite starts with one)",
        )
        raise EndpointNotFoundError(scrub_secrets(story, auth, headers), delivery)
    return delivery
