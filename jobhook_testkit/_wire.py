"""A minimal HTTP/1.1 client over a raw socket with one hard deadline (private).

Why not ``requests`` or ``http.client``: their timeouts apply to each socket operation, so
a receiver that trickles a byte every 200 ms keeps them waiting forever. Here every connect,
TLS handshake, send and receive is given only the time left before a single monotonic
deadline, so the sender hangs up on time whatever the receiver does.

Platform behaviour: a fresh connection per request, ``Connection: close``, no redirects
followed, no retries. The response body is read up to ``max_body`` bytes and no further.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import ssl
import threading
import time
from typing import Any

from jobhook_testkit._transport import Exchange, Request, answered, describe_error, remaining
from jobhook_testkit.delivery import Outcome

_MAX_HEAD = 64 * 1024  # status line + headers; beyond this the answer is not HTTP we accept
_MAX_LINE = 8 * 1024  # one chunk-size or trailer line
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([0-9]{3})(?: ([^\r\n]*))?")


class _Expired(Exception):
    """The deadline passed (raised by our own checks, like socket timeouts)."""


class _Closed(Exception):
    """The receiver closed the connection before the answer was complete."""


class _Malformed(Exception):
    """The answer is not HTTP/1.x we can read."""


class _Reader:
    """Buffered reads from a socket, each bounded by the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = bytearray()
        self.eof = False

    def fill(self) -> bool:
        """Read what is available (waiting at most until the deadline); False at EOF."""
        if self.eof:
            return False
        left = remaining(self.deadline)
        if left <= 0:
            raise _Expired
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
            data = b""  # closed without a TLS close_notify: an end of stream all the same
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def head(self) -> bytes:
        """Everything up to the blank line ending the headers (which is consumed)."""
        return self._until(
            b"\r\n\r\n", _MAX_HEAD, f"no end of headers within the first {_MAX_HEAD} bytes"
        )

    def line(self) -> bytes:
        return self._until(b"\n", _MAX_LINE, "a chunk-size line longer than 8 KiB").rstrip(b"\r")

    def _until(self, delimiter: bytes, limit: int, too_long: str) -> bytes:
        """The bytes before ``delimiter`` (which is consumed), read within ``limit``."""
        while True:
            end = self.buffer.find(delimiter)
            if end >= 0:
                found = bytes(self.buffer[:end])
                del self.buffer[: end + len(delimiter)]
                return found
            if len(self.buffer) > limit:
                raise _Malformed(too_long)
            if not self.fill():
                raise _Closed

    def take(self, count: int) -> bytes:
        """Up to ``count`` bytes: what is buffered, or else one read's worth."""
        if not self.buffer and not self.fill():
            raise _Closed
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data


class _Progress:
    """Where the exchange got to, so a timeout or a failure can be told in words."""

    def __init__(self, body_size: int) -> None:
        self.phase = "connect"
        self.body_size = body_size
        self.body_sent = 0
        self.status_code: int | None = None
        self.interim = 0  # 1xx answers seen (100 Continue, 103 Early Hints)
        self.status_text = ""
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.reader: _Reader | None = None  # set once the answer is being read

    def head_so_far(self) -> str:
        """What the answer's head held when it stopped arriving, in words."""
        received = bytes(self.reader.buffer) if self.reader is not None else b""
        if b"\n" in received:
            return "the status line arrived but the headers did not finish"
        shown = received[:40].decode("latin-1")
        more = "..." if len(received) > 40 else ""
        return f"only part of the status line arrived ({len(received)} bytes: {shown!r}{more})"

    def exchange(self, outcome: Outcome, reason: str) -> Exchange:
        return Exchange(
            outcome, reason, self.status_code, self.status_text, self.headers, bytes(self.body)
        )

    def timed_out(self, timeout_text: str) -> Exchange:
        reasons = {
            "resolve": f"the host name was not resolved within {timeout_text}",
            "connect": f"no connection within {timeout_text}",
            "tls": f"the TLS handshake did not finish within {timeout_text}",
            "send": (
                f"the receiver did not take the whole request within {timeout_text} "
                f"({self.body_sent} of {self.body_size} body bytes sent)"
            ),
            "slow-send": (
                f"the deadline passed while the body was still being sent slowly "
                f"({self.body_sent} of {self.body_size} body bytes sent)"
            ),
            "status": f"no answer within {timeout_text} (the whole request was sent)",
            "head": f"{self.head_so_far()} within {timeout_text}",
            "body": (
                f"the status line and headers arrived, but the body was still arriving "
                f"after {timeout_text} ({len(self.body)} bytes read)"
            ),
        }
        reason = reasons[self.phase]
        if self.interim and self.phase in ("status", "head"):
            reason = (
                f"only interim 1xx answers ({self.interim}) arrived within {timeout_text}, "
                "never a final one"
            )
        return self.exchange(Outcome.TIMED_OUT, reason)


# How the reasons of deliveries that never reached the receiver begin or end (the name did
# not resolve, no connection, no TLS session): nothing was sent. Kept next to the code that
# words them; the commands call such a receiver unreachable (exit 2).
_UNREACHED = re.compile(
    r"^(?:cannot resolve |the host name was not resolved within |no connection within "
    r"|TLS certificate verification failed|TLS failed during the handshake"
    r"|the TLS handshake did not finish within )|\(connecting\)$"
)


def never_reached(reason: str) -> bool:
    """True when a delivery's ``reason`` says it never reached the receiver at all."""
    return _UNREACHED.search(reason) is not None


class _ResolutionFailed(OSError):
    """The host name could not be resolved (told apart from a refused connection)."""


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str, port: int, deadline: float) -> list[Any]:
    """``getaddrinfo`` bounded by the deadline (it has no timeout of its own).

    An IP literal needs no lookup. A name is resolved on a daemon thread, waited for only
    until the deadline; a lookup still running then ends on its own, unobserved.
    """
    if _is_ip_literal(host):
        try:
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:  # e.g. an IPv6 zone naming no interface
            raise _ResolutionFailed(f"cannot resolve {host!r}: {describe_error(exc)}") from None
    outcome: list[Any] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting sender
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name="jobhook-resolve", daemon=True).start()
    if not done.wait(max(0.0, remaining(deadline))):
        raise _Expired
    result = outcome[0]
    if isinstance(result, BaseException):
        if isinstance(result, OSError | UnicodeError):  # UnicodeError: a bad IDNA label
            raise _ResolutionFailed(f"cannot resolve {host!r}: {describe_error(result)}")
        raise result
    return list(result)


def _connect(host: str, infos: list[Any], deadline: float) -> socket.socket:
    last_error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            left = remaining(deadline)
            if left <= 0:
                raise _Expired
            sock.settimeout(left)
            sock.connect(address)
        except BaseException as exc:
            sock.close()
            if isinstance(exc, TimeoutError):
                raise _Expired from None
            if not isinstance(exc, OSError) or isinstance(exc, ssl.SSLError):
                raise
            last_error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise last_error or OSError(f"no address found for {host}")


def _send(
    sock: socket.socket,
    data: bytes | memoryview,
    deadline: float,
    progress: _Progress | None = None,
    head_size: int = 0,
) -> int:
    """Send all of ``data`` before the deadline; ``progress.body_sent`` follows along
    (``data`` being ``head_size`` bytes of request head, then body bytes)."""
    view = memoryview(data)
    sent = 0
    while sent < len(view):
        left = remaining(deadline)
        if left <= 0:
            raise _Expired
        sock.settimeout(left)
        sent += sock.send(view[sent:])
        if progress is not None:
            progress.body_sent = max(0, sent - head_size)
    return sent


class WireTransport:
    """Delivers over TCP (and TLS when ``ssl_context`` is given) to ``host:port``."""

    def __init__(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, timeout: float
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.timeout_text = f"{timeout:g} s"

    def exchange(self, request: Request, *, deadline: float, max_body: int) -> Exchange:
        progress = _Progress(len(request.body))
        sock: socket.socket | None = None
        try:
            progress.phase = "resolve"
            infos = _resolve(self.host, self.port, deadline)
            progress.phase = "connect"
            sock = _connect(self.host, infos, deadline)
            if self.ssl_context is not None:
                progress.phase = "tls"
                sock = self._handshake(sock, deadline)
            hung_up = self._send_request(sock, request, deadline, max_body, progress)
            if hung_up is not None:
                return hung_up
            progress.phase = "status"
            return self._read_answer(_Reader(sock, deadline), request, max_body, progress)
        except (_Expired, TimeoutError):
            return progress.timed_out(self.timeout_text)
        except _Closed:
            return self._closed(progress)
        except _Malformed as exc:
            return progress.exchange(
                Outcome.CONNECTION_FAILED, f"the answer is not valid HTTP/1.1: {exc}"
            )
        except ssl.SSLCertVerificationError as exc:
            return progress.exchange(
                Outcome.CONNECTION_FAILED,
                f"TLS certificate verification failed: {describe_error(exc)}",
            )
        except ssl.SSLError as exc:
            during = "the handshake" if progress.phase == "tls" else progress.phase
            reason = f"TLS failed during {during}: {describe_error(exc)}"
            if progress.phase == "tls" and "WRONG_VERSION_NUMBER" in str(exc):
                reason += " (the port seems to speak plain HTTP: try http://)"
            return progress.exchange(Outcome.CONNECTION_FAILED, reason)
        except ConnectionResetError:
            return self._reset(progress)
        except _ResolutionFailed as exc:
            return progress.exchange(Outcome.CONNECTION_FAILED, str(exc))
        except OSError as exc:
            where = "connecting" if progress.phase == "connect" else progress.phase
            return progress.exchange(
                Outcome.CONNECTION_FAILED, f"{describe_error(exc)} ({where})"
            )
        finally:
            if sock is not None:
                sock.close()

    def _handshake(self, sock: socket.socket, deadline: float) -> socket.socket:
        assert self.ssl_context is not None
        try:
            tls = self.ssl_context.wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        except BaseException:
            sock.close()
            raise
        try:
            left = remaining(deadline)
            if left <= 0:
                raise _Expired
            tls.settimeout(left)
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls

    def _send_request(
        self,
        sock: socket.socket,
        request: Request,
        deadline: float,
        max_body: int,
        progress: _Progress,
    ) -> Exchange | None:
        """Send the request (or the fault asked for); an Exchange if it ends the attempt."""
        head = f"{request.method} {request.target} HTTP/1.1\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in request.headers)
        body = request.body
        progress.phase = "send"
        try:
            head_bytes = head.encode("latin-1") + b"\r\n"
            if request.hang_up_after is not None:
                cut = max(0, min(request.hang_up_after, len(body)))
                _send(sock, head_bytes + body[:cut], deadline, progress, len(head_bytes))
                return progress.exchange(
                    Outcome.CONNECTION_FAILED,
                    f"the sender hung up after {cut} of {len(body)} body bytes, as asked "
                    f"(hang_up_after={request.hang_up_after})",
                )
            if request.send_rate is None:
                _send(sock, head_bytes + body, deadline, progress, len(head_bytes))
                return None
            _send(sock, head_bytes, deadline)
            size, pause = request.send_rate
            for start in range(0, len(body), max(1, size)):
                if start:
                    progress.phase = "slow-send"
                    left = remaining(deadline)
                    if left <= pause:
                        time.sleep(max(0.0, left))
                        raise _Expired
                    time.sleep(pause)
                    progress.phase = "send"
                progress.body_sent += _send(sock, body[start : start + max(1, size)], deadline)
            return None
        except (BrokenPipeError, ConnectionResetError):
            # The receiver may have answered early (401 before reading the body) and
            # closed: what it said is worth more than the broken pipe.
            progress.phase = "status"
            try:
                return self._read_answer(_Reader(sock, deadline), request, max_body, progress)
            except (_Closed, _Malformed, OSError):
                return progress.exchange(
                    Outcome.CONNECTION_FAILED,
                    f"the receiver closed the connection while the request was being sent "
                    f"({progress.body_sent} of {progress.body_size} body bytes sent)",
                )

    def _read_answer(
        self, reader: _Reader, request: Request, max_body: int, progress: _Progress
    ) -> Exchange:
        progress.reader = reader
        while True:
            progress.phase = "status"
            if not reader.buffer and not reader.fill():
                raise _Closed
            progress.phase = "head"
            lines = reader.head().split(b"\r\n")
            match = _STATUS_LINE.fullmatch(lines[0])
            if match is None:
                raise _Malformed(f"status line {lines[0][:80]!r}")
            code = int(match.group(1))
            headers: dict[str, str] = {}
            last = ""
            for raw in lines[1:]:
                if raw[:1] in (b" ", b"\t") and last:  # obsolete line folding: continues
                    headers[last] += " " + raw.decode("latin-1").strip()
                    continue
                name, sep, value = raw.decode("latin-1").partition(":")
                if not sep or not name or name != name.strip():
                    raise _Malformed(f"header line {raw[:80]!r}")
                value = value.strip()
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
                last = name
            if 100 <= code < 200:
                progress.interim += 1
                continue  # an interim answer (100 Continue, 103 Early Hints): wait for the real one
            break
        progress.status_code = code
        progress.status_text = (match.group(2) or b"").decode("latin-1").strip()
        progress.headers = headers
        progress.phase = "body"
        lowered = {name.lower(): value for name, value in headers.items()}
        if request.method == "HEAD" or code in (204, 304):
            pass
        elif "chunked" in lowered.get("transfer-encoding", "").lower():
            self._read_chunked(reader, max_body, progress)
        elif "content-length" in lowered:
            try:
                length = int(lowered["content-length"])
            except ValueError:
                raise _Malformed(f"Content-Length {lowered['content-length'][:40]!r}") from None
            if length < 0:
                raise _Malformed(f"Content-Length {length}")
            self._read_sized(reader, min(length, max_body), progress)
        else:
            with contextlib.suppress(_Closed, ConnectionResetError):
                self._read_sized(reader, max_body, progress)  # ends when the connection does
        return answered(code, progress.status_text, headers, bytes(progress.body))

    @staticmethod
    def _read_sized(reader: _Reader, wanted: int, progress: _Progress) -> None:
        while len(progress.body) < wanted:
            progress.body += reader.take(wanted - len(progress.body))

    @staticmethod
    def _read_chunked(reader: _Reader, max_body: int, progress: _Progress) -> None:
        while True:
            size_text = reader.line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Malformed(f"chunk size {size_text[:40]!r}") from None
            if size < 0:
                raise _Malformed(f"chunk size {size_text[:40]!r}")
            if size == 0:
                while reader.line():
                    pass  # trailers, up to the blank line
                return
            left_in_chunk = size
            while left_in_chunk:
                data = reader.take(left_in_chunk)
                left_in_chunk -= len(data)
                progress.body += data[: max(0, max_body - len(progress.body))]
                if len(progress.body) >= max_body:
                    return  # enough: the rest is not read
            if reader.line():
                raise _Malformed("no line break after a chunk")

    def _closed(self, progress: _Progress) -> Exchange:
        reader = progress.reader
        if progress.status_code is None and progress.phase == "head" and reader and reader.buffer:
            return progress.exchange(
                Outcome.CONNECTION_FAILED,
                f"the receiver closed the connection before its answer was complete: "
                f"{progress.head_so_far()}",
            )
        if progress.status_code is None:
            return progress.exchange(
                Outcome.CONNECTION_FAILED, "the receiver closed the connection without answering"
            )
        return progress.exchange(
            Outcome.CONNECTION_FAILED,
            f"the receiver closed the connection in the middle of the body "
            f"({len(progress.body)} bytes read)",
        )

    def _reset(self, progress: _Progress) -> Exchange:
        if progress.status_code is None:
            return progress.exchange(
                Outcome.CONNECTION_FAILED,
                "the receiver reset the connection before answering",
            )
        return progress.exchange(
            Outcome.CONNECTION_FAILED,
            f"the receiver reset the connection in the middle of the body "
            f"({len(progress.body)} bytes read)",
        )
