"""``jobhook serve``: a receiver that checks and records every delivery it gets.

One line per delivery on stdout; the listening address, warnings and the closing summary
on stderr. Stops cleanly on Ctrl-C or SIGTERM (exit 0): it stops listening, answers the
deliveries it already has (a scripted delay is cut short), waits up to a few seconds for
requests still arriving, and only then closes the recording file.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from jobhook_testkit._commands import _options, _serve_live
from jobhook_testkit._text import printable, short_id

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from jobhook_testkit.recorder import Event, RecordingReceiver
    from jobhook_testkit.server import LiveServer

HELP = "run a receiver that validates and records each delivery (NDJSON), to capture real traffic"

EXIT_OK = 0
EXIT_USAGE = 2
DEFAULT_PORT = 8000
# A connection that sends nothing for this long is closed: behind a public tunnel, a
# client that opens connections and trickles nothing must not hold threads for ever.
IDLE_TIMEOUT = 30.0
DRAIN_TIMEOUT = 5.0  # seconds a stop waits for requests still being received or answered
MAX_NAMES_PER_LINE = 5  # unknown fields named on a delivery's line (a body may hold 10,000)
MAX_NAMES_IN_SUMMARY = 30


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--port", type=_options.port, default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    _options.add_auth(
        parser, "expected Authorization value; other deliveries are answered 401, not recorded"
    )
    parser.add_argument(
        "--record", metavar="FILE", type=_options.file_name,
        help="append each delivery to this NDJSON file (flushed to disk before the answer)",
    )
    parser.add_argument(
        "--status", type=_options.status_code, default=204,
        help="status code to answer with (default 204)",
    )
    parser.add_argument(
        "--delay", type=_options.seconds_or_zero, default=0.0, metavar="SECONDS",
        help="wait this long before answering (to see what a slow receiver does)",
    )
    parser.add_argument(
        "--max-body", type=_options.byte_count, default=None, metavar="BYTES",
        help="refuse larger bodies with 413 (default 1 MiB; suffixes K, M, G)",
    )
    parser.add_argument(
        "--no-fsync", action="store_true",
        help="do not wait for the disk before answering (faster; a power loss may drop lines)",
    )
    _serve_live.configure(parser)


_BIND_REASONS = {
    "EADDRINUSE": "address in use (another jobhook serve? pick --port)",
    "EACCES": "permission denied (ports below 1024 need privileges: pick --port)",
    "EADDRNOTAVAIL": "this machine has no such address (pick --host)",
}


def _bind_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, found by binding it once, as Werkzeug will
    (which would print three lines of its own before failing)."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0][4]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        name = errno.errorcode.get(exc.errno or 0, "")
        return _BIND_REASONS.get(name) or exc.strerror or str(exc)
    return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _printable(text: str, limit: int = 160) -> str:
    """Text from the wire made safe for one console line, and bounded."""
    return printable(text, one_line=True, limit=limit)


class InFlight:
    """Wraps the app to count requests being handled until their answer is written.

    Werkzeug closes the answer's iterable after writing it, so a request stops counting
    only once the sender has its answer (or the connection failed).
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._changed = threading.Condition()
        self.count = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._changed:
            self.count += 1
        try:
            answer = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return self._answer(answer)

    def _answer(self, answer: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from answer
        finally:
            self._done()

    def _done(self) -> None:
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    def wait(self, timeout: float, hurry: threading.Event) -> int:
        """Wait until no request is in progress, ``timeout`` passes or ``hurry`` is set;
        return how many are still in progress."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.count and not hurry.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, 0.05))
            return self.count


class Console:
    """Prints one line per event; shared by the server's threads.

    After :meth:`start`, lines are printed by a thread of their own, so a console that
    does not keep up (output paused with Ctrl-S, ``| less`` not scrolling) never holds a
    delivery's answer back; past ``BACKLOG`` waiting lines, further ones are dropped and
    counted (``dropped``). Without ``start`` each line is printed at once.
    """

    BACKLOG = 10_000

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.receiver: RecordingReceiver | None = None
        self.closed = False
        self.dropped = 0
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._pending: deque[str] = deque()
        self._printer: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._printer = threading.Thread(target=self._print_pending, daemon=True,
                                         name="jobhook-serve-console")
        self._printer.start()

    def stop(self, timeout: float) -> None:
        """Print what is waiting (for up to ``timeout`` seconds), then stop printing."""
        if self._printer is None:
            return
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        self._printer.join(timeout)

    def _print_pending(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._stopping:
                    self._ready.wait()
                if not self._pending:
                    return
                line = self._pending.popleft()
            self._print(line)

    def _print(self, line: str) -> None:
        if self.closed:
            return
        try:
            print(line, file=self.out, flush=True)
        except (BrokenPipeError, OSError, ValueError):
            # `jobhook serve | head`: the reader left. Keep recording and answering;
            # a console problem must never turn an acknowledged delivery into a 500.
            self.closed = True

    def event(self, event: Event, forward: str = "") -> None:
        """Print ``event``'s line (``forward``: how forwarding it went, appended)."""
        from jobhook_testkit.recorder import RecordedDelivery

        when = event.received_at.astimezone().strftime("%H:%M:%S")
        head = f"{when}  {event.method} {_printable(event.path, 60)}  {event.status}"
        if not isinstance(event, RecordedDelivery):
            verdict = "not recorded" if event.kind == "incomplete" else "refused"
            line = f"{head}  {verdict}: {_printable(event.reason)}"
            if event.kind == "unauthorized" and "Authorization" in event.headers:
                line += f" (got {_printable(event.headers['Authorization'], 40)})"
        elif event.report is None:
            line = f"{head}  MALFORMED: {_printable(event.violations[0].message)}"
        else:
            report = event.report
            kind = _printable(f"{report.get('type', '?')} {report.get('status', '?')}", 30)
            verdict = "valid"
            if event.errors:
                verdict = f"INVALID: {_printable(str(event.errors[0]))}"
                if len(event.errors) > 1:
                    verdict += f" (+{len(event.errors) - 1} more)"
            elif event.violations:
                verdict = f"valid, {_printable(str(event.violations[0]))}"
            line = f"{head}  {kind}  {short_id(report.get('id'))}  {verdict}"
            unknown = event.unknown_fields
            if unknown and self.receiver is not None:
                seen = self.receiver.unknown_field_counts
                named = ", ".join(f"{_printable(name, 40)} (×{seen.get(name, 1)})"
                                  for name in unknown[:MAX_NAMES_PER_LINE])
                line += f"  unknown fields: {named}{_more(len(unknown), MAX_NAMES_PER_LINE)}"
        line += _printable(forward, 200) if forward else ""
        with self._ready:
            if self._printer is None:
                self._print(line)
            elif len(self._pending) >= self.BACKLOG:
                self.dropped += 1
            else:
                self._pending.append(line)
                self._ready.notify()


def _more(total: int, shown: int) -> str:
    return f" and {total - shown} more" if total > shown else ""


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _summary(receiver: RecordingReceiver) -> list[str]:
    counts = receiver.counts
    lines = [
        f"jobhook serve: stopped. {_count(counts.get('recorded', 0), 'delivery', 'deliveries')}"
        " recorded "
        f"({counts.get('valid', 0)} valid, {counts.get('invalid', 0)} invalid, "
        f"{counts.get('malformed', 0)} malformed)"
    ]
    refused = [
        f"{counts[kind]} {label}"
        for kind, label in (
            ("unauthorized", "with the wrong Authorization (401)"),
            ("too_large", "too large (413)"),
            ("method", "not POST (405)"),
            ("unrecorded", "NOT recorded: the file could not be written (503)"),
        )
        if counts.get(kind)
    ]
    if refused:
        lines.append("  refused: " + ", ".join(refused))
    if counts.get("incomplete"):  # hang-ups mid-request: nothing arrived to record
        incomplete = _count(counts["incomplete"], "incomplete request", "incomplete requests")
        lines.append(f"  {incomplete}, not recorded (the sender hung up before the request "
                     "was whole)")
    unknown = receiver.unknown_field_counts
    if unknown:
        named = ", ".join(f"{_printable(name, 40)} ×{count}"
                          for name, count in list(unknown.items())[:MAX_NAMES_IN_SUMMARY])
        more = _more(len(unknown), MAX_NAMES_IN_SUMMARY)
        lines.append(f"  fields the schema does not know: {named}{more}")
    if receiver.file is not None:
        file = receiver.file
        line = f"  appended {_count(file.lines_written, 'line', 'lines')} to {file.path}"
        if file.lines_lost:
            line += (f" ({_count(file.lines_lost, 'earlier line', 'earlier lines')} went to a "
                     "file of that name that was deleted or replaced while recording)")
        lines.append(line)
    return lines


def _drain(
    server: LiveServer, receiver: RecordingReceiver, in_flight: InFlight, hurry: threading.Event
) -> None:
    """Stop listening, then let the deliveries in progress be recorded and answered."""
    server.stop()
    receiver.end_delays()
    if in_flight.wait(0.2, hurry) == 0:  # the usual case: nothing, or a quick answer
        return
    print(f"jobhook serve: stopping: waiting up to {DRAIN_TIMEOUT:g} s for "
          f"{_count(in_flight.count, 'request', 'requests')} in progress "
          "(Ctrl-C again to stop now)", file=sys.stderr, flush=True)
    left = in_flight.wait(DRAIN_TIMEOUT, hurry)
    if left:
        print(f"jobhook serve: stopped waiting for {_count(left, 'request', 'requests')} "
              "still in progress", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    import contextlib
    import io
    import signal
    import socket
    from contextlib import ExitStack

    from jobhook_testkit.recorder import DEFAULT_MAX_BODY, RecordingReceiver
    from jobhook_testkit.server import serve_wsgi

    err = sys.stderr
    problem = _options.auth_problem(args.auth)
    if args.auth is not None and not args.auth.strip():  # no delivery could carry it
        problem = ("--auth is empty: every delivery would be refused; give the value "
                   "deliveries carry, or leave --auth out")
    if problem is not None:  # as send, check and replay refuse it
        print(f"jobhook serve: {problem}", file=err)
        return EXIT_USAGE
    console = Console(sys.stdout)
    try:
        live = _serve_live.Live(args, console)
    except _serve_live.UsageError as exc:
        print(f"jobhook serve: {exc}", file=err)
        return EXIT_USAGE
    try:
        receiver = RecordingReceiver(
            auth=args.auth,
            status=args.status,
            delay=args.delay,
            max_body=args.max_body or DEFAULT_MAX_BODY,
            record=args.record,
            durable=not args.no_fsync,
            keep=False,
            on_event=live.event,
        )
    except OSError as exc:
        print(f"jobhook serve: cannot record to {args.record}: {exc.strerror or exc}", file=err)
        return EXIT_USAGE
    console.receiver = receiver

    stop, hurry = threading.Event(), threading.Event()

    def on_signal(*_: object) -> None:  # the first stops cleanly, a second stops now
        (hurry if stop.is_set() else stop).set()

    in_flight = InFlight(live.wrap(receiver))
    console.start()
    with ExitStack() as stack:
        stack.callback(console.stop, 2.0)  # last: after the final deliveries' lines
        stack.enter_context(receiver)
        try:
            # A name that does not resolve, said here: Werkzeug would print only the reason.
            socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM,
                               flags=socket.AI_PASSIVE)
            reason = _bind_problem(args.host, args.port)
            if reason is None:
                # Werkzeug prints its own lines when it cannot bind after all (a port
                # taken since the probe): one line, ours, is said below.
                with contextlib.redirect_stderr(io.StringIO()):
                    server = stack.enter_context(serve_wsgi(
                        in_flight, host=args.host, port=args.port, idle_timeout=IDLE_TIMEOUT
                    ))
        except OSError as exc:
            reason = exc.strerror or str(exc)
        if reason is not None:
            where = f"cannot listen on {args.host}:{args.port}"
            print(f"jobhook serve: {where}" + ("" if reason == where else f": {reason}"),
                  file=err)
            return EXIT_USAGE
        for sig in (signal.SIGINT, signal.SIGTERM):  # both mean "stop cleanly" here
            stack.callback(signal.signal, sig, signal.signal(sig, on_signal))
        if not _is_loopback(args.host):
            print(
                f"jobhook serve: WARNING: listening on {args.host}, not just this machine: "
                "anyone who can reach it can send deliveries"
                + ("" if args.auth else " (and no --auth is set)"),
                file=err,
            )
        try:
            live.start(stack, server.port)
        except _serve_live.UsageError as exc:
            print(f"jobhook serve: {exc}", file=err)
            return EXIT_USAGE
        where = f"recording to {args.record}" if args.record else "not recording (--record)"
        print(f"jobhook serve: listening on {server.url} ({where}; Ctrl-C to stop)",
              file=err, flush=True)
        while not stop.wait(0.25):
            pass
        _drain(server, receiver, in_flight, hurry)
        live.drain(DRAIN_TIMEOUT, hurry)
    for line in [*_summary(receiver), *live.summary()]:
        print(line, file=err)
    if console.dropped:
        print(f"  {_count(console.dropped, 'delivery line', 'delivery lines')} not printed: "
              "the console was not keeping up", file=err)
    return EXIT_OK
