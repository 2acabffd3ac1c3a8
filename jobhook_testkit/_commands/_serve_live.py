"""``jobhook serve --forward-to URL`` and ``--ui``: what serve does with each delivery
besides recording it (forward it to a local receiver, show it in the live inspector).

Kept apart from serve.py so the receiver's own loop stays as it was: serve builds a
:class:`Live` from its options, hands it every event, and lets it start and stop.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING, Protocol

from jobhook_testkit._commands import _options
from jobhook_testkit._redact import redact_url

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from jobhook_testkit._forward import Forwarder, ForwardResult
    from jobhook_testkit._inspector import Inspector
    from jobhook_testkit.recorder import Event, RecordedDelivery


class Console(Protocol):  # the part of serve's Console used here
    def event(self, event: Event, forward: str = "") -> None: ...


def configure(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("forwarding and the live inspector")
    group.add_argument(
        "--forward-to", metavar="URL",
        help="after recording, pass each delivery on to this URL (same body, Content-Type and "
        "Authorization); the path is not appended unless the URL holds {path}",
    )
    group.add_argument(
        "--forward-auth", metavar="VALUE",
        help="Authorization to forward with, instead of the one each delivery came with",
    )
    group.add_argument(
        "--forward-timeout", type=_options.seconds, default=5.0, metavar="SECONDS",
        help="hard deadline of each forward (default 5)",
    )
    group.add_argument(
        "--ui", action="store_true",
        help="show deliveries live in a page on 127.0.0.1 (its URL is printed at start)",
    )
    group.add_argument(
        "--ui-port", type=_options.port, default=None, metavar="N",
        help="port of the page (implies --ui; default: a free one); always 127.0.0.1",
    )


class UsageError(Exception):
    pass


def _is_file(path: str | None) -> bool:
    """Whether ``path`` is (or will be) a regular file: a recording to a pipe or a device
    (``/dev/stdout``) gets no companion file of forward outcomes."""
    import os
    import stat

    if path is None:
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # not there yet: serve creates it


def _points_at_self(template: str, port: int) -> bool:
    """Whether the forward URL names this machine on ``port`` (a loop)."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    from jobhook_testkit._forward import forward_url

    parts = urlsplit(forward_url(template, "/"))
    default = 443 if parts.scheme == "https" else 80
    if (parts.port or default) != port or parts.hostname is None:
        return False
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    local = {"0.0.0.0", "::"}
    with contextlib.suppress(OSError):
        local |= {str(info[4][0]) for info in socket.getaddrinfo(
            socket.gethostname(), None, type=socket.SOCK_STREAM)}
    return any(ipaddress.ip_address(str(info[4][0])).is_loopback or str(info[4][0]) in local
               for info in found)


class Live:
    """Forwarder and inspector, as the options ask; each event goes through :meth:`event`."""

    def __init__(self, args: argparse.Namespace, console: Console) -> None:
        self.console = console
        self.forwarder: Forwarder | None = None
        self.inspector: Inspector | None = None
        self.forward_timeout = args.forward_timeout
        self.forward_auth: str | None = args.forward_auth
        if args.forward_to is None and args.forward_auth is not None:
            raise UsageError("--forward-auth needs --forward-to URL")
        if args.forward_to is not None:
            from jobhook_testkit._forward import Forwarder

            try:
                self.forwarder = Forwarder(
                    args.forward_to, auth=args.forward_auth, timeout=args.forward_timeout,
                    record=args.record if _is_file(args.record) else None,
                    durable=not args.no_fsync, on_done=self._forwarded,
                )
            except ValueError as exc:
                which = ("--forward-auth" if "Authorization" in str(exc) else
                         "--forward-timeout" if str(exc).startswith("timeout") else "--forward-to")
                # The sender's words name its Python argument; here the option is named.
                said = str(exc).replace("; use auth=", ": remove 'user:password@' and give "
                                        "the Authorization value with --forward-auth")
                raise UsageError(f"{which}: {said}") from None
        self.ui_port: int | None = args.ui_port if args.ui_port is not None else (
            0 if args.ui else None)
        self._local = threading.local()

    def wrap(self, app: WSGIApplication) -> WSGIApplication:
        """The recording app, wrapped to remember each request's Authorization."""
        from jobhook_testkit._forward import remember_auth

        return remember_auth(app, self._local)

    def event(self, event: Event) -> None:
        """Called once an event is recorded (or refused), on the request's thread."""
        from jobhook_testkit.recorder import RecordedDelivery

        auth: str | None = getattr(self._local, "auth", None)
        if self.inspector is not None:
            self.inspector.publish(event, auth)
        if self.forwarder is not None and isinstance(event, RecordedDelivery):
            self.forwarder.submit(event, auth)  # its console line waits for the answer
        else:
            self.console.event(event)

    def _forwarded(self, delivery: RecordedDelivery, result: ForwardResult) -> None:
        self.console.event(delivery, f"  -> forwarded: {result.short()}")
        if self.inspector is not None:
            self.inspector.forwarded(delivery, result)

    def start(self, stack: ExitStack, port: int | None = None) -> None:
        """Start forwarding and the inspector (whose URL is printed); UsageError if its
        port cannot be listened on, or if forwards would come back to this serve (on
        ``port``) and be forwarded again, for ever."""
        if self.forwarder is not None and port is not None and _points_at_self(
            self.forwarder.url, port
        ):
            raise UsageError(f"--forward-to {redact_url(self.forwarder.url)} is this serve itself "
                             f"(port {port}): each forward would be forwarded again")
        if self.forwarder is not None:
            try:
                self.forwarder.start()
            except OSError as exc:
                raise UsageError(f"cannot record forwards to {self.forwarder.companion}: "
                                 f"{exc.strerror or exc}") from None
            stack.callback(self.forwarder.stop, 0.0)  # at once, if drain() did not run
            print(f"jobhook serve: forwarding each delivery to {redact_url(self.forwarder.url)} "
                  f"(timeout {self.forward_timeout:g} s)", file=sys.stderr)
        if self.ui_port is not None:
            from jobhook_testkit._inspector import Inspector

            replay_to = self.forwarder.url if self.forwarder is not None else ""
            inspector = Inspector(timeout=self.forward_timeout, replay_to=replay_to,
                                  auth=self.forward_auth)
            try:
                url = inspector.start(port=self.ui_port)
            except OSError as exc:
                raise UsageError(f"--ui: cannot listen on 127.0.0.1:{self.ui_port}: "
                                 f"{exc.strerror or exc}") from None
            stack.callback(inspector.close)
            self.inspector = inspector
            print(f"jobhook serve: inspector at {url}", file=sys.stderr, flush=True)

    def drain(self, timeout: float, hurry: threading.Event) -> None:
        """Once nothing more arrives: forward what is queued (up to ``timeout``)."""
        if self.forwarder is None:
            return
        waiting = self.forwarder.waiting
        if waiting:
            print(f"jobhook serve: forwarding {waiting} more (up to {timeout:g} s; "
                  "Ctrl-C again to stop now)", file=sys.stderr, flush=True)
        self.forwarder.stop(timeout, hurry)

    def summary(self) -> list[str]:
        if self.forwarder is None:
            return []
        from jobhook_testkit._forward import summary

        lines = [summary(self.forwarder.counts, self.forwarder.url)]
        if self.forwarder.file is not None:
            lines.append(f"  forward outcomes appended to {self.forwarder.file.path}")
        return lines
