"""The durable NDJSON appender behind ``RecordingReceiver(record=...)``.

Guarantees, in the order a crash could break them:

* one record = one line, written with a single ``os.write`` on an ``O_APPEND`` descriptor
  while holding a lock, so concurrent deliveries never interleave within a line (and other
  processes appending to the same file cannot land inside it either);
* the file is only ever appended to: never truncated, never rewritten;
* with ``durable=True`` the line is ``fsync``-ed before :meth:`RecordingFile.append`
  returns, so a caller that acknowledges only afterwards never acknowledges a delivery the
  disk does not hold;
* a torn last line left by a crash (or a full disk) stays a line of its own: the next
  append starts on a fresh line, so earlier lines stay intact and later ones parse;
* a file deleted (or replaced) while recording is not written to in the dark: the next
  append opens the path again, so what is acknowledged is in the file the path names.

The path may also name a pipe or a device (``/dev/stdout``, ``>(gzip > x.gz)``): lines
are written the same way, without the ``fsync`` those cannot do.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["RecordingFile", "encode_line"]


def encode_line(record: Mapping[str, Any]) -> bytes:
    """One NDJSON line (newline included) for ``record``: compact UTF-8, one physical line.

    ``json.dumps`` escapes control characters inside strings, so a line break inside a
    value cannot split the record. Text that cannot be UTF-8 (a lone surrogate, which JSON
    escapes allow) is written with ASCII escapes instead, so every line stays valid UTF-8.
    """
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(record, separators=(",", ":"), allow_nan=False).encode("ascii")
    return data + b"\n"


def _ends_without_newline(path: Path) -> bool:
    """True when the file is a regular, non-empty file whose last byte is not a newline.

    Only regular files are looked into: opening a FIFO to read it would block until
    someone writes to it, and a device has no last byte to speak of. A file that may be
    appended to but not read (mode 0200) counts as torn: an extra newline is harmless
    (blank lines are skipped), a record glued to a torn line is not.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return False
        with path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False
    except PermissionError:
        return True


def _fsync_directory(directory: Path) -> None:
    """Make a newly created file's directory entry durable (best effort where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class RecordingFile:
    """Append-only, line-atomic NDJSON writer; thread-safe; opened on construction.

    ``durable=False`` skips the ``fsync`` (faster, and still line-atomic and append-only,
    but an OS crash or power loss can drop lines that were already acknowledged).
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        self._lock = threading.Lock()
        self._fresh_line_needed = False
        self._regular = True
        self._fd: int | None = self._open()
        # Lines appended to the file the path names now; lines that went to a file deleted
        # or replaced since (their file is gone, or no longer under this name).
        self.lines_written = 0
        self.lines_lost = 0

    def _open(self) -> int:
        """Open ``path`` for appending; note whether a torn last line must be cut off."""
        existed = self.path.exists()
        # Checked before opening for append: a torn line from an earlier crash must not
        # swallow the first new record.
        self._fresh_line_needed = _ends_without_newline(self.path)
        # O_NONBLOCK only for the open itself: a FIFO nobody reads fails at once (ENXIO)
        # instead of blocking the start (or a delivery) forever.
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
        fd = os.open(self.path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            os.set_blocking(fd, True)
            self._regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except OSError:
            os.close(fd)
            raise
        if not existed and self.durable:
            _fsync_directory(self.path.resolve().parent)
        return fd

    def _deleted(self, fd: int) -> bool:
        """True when the open file no longer has a name (deleted or replaced meanwhile)."""
        return self._regular and os.fstat(fd).st_nlink == 0

    @property
    def closed(self) -> bool:
        return self._fd is None

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one line; with ``durable``, return only once it is on disk.

        Raises ``OSError`` (disk full, file closed, ...): the caller must then not
        acknowledge. Whatever part of a failed line reached the file is cut off from the
        next record by a newline.
        """
        line = encode_line(record)
        with self._lock:
            fd = self._fd
            if fd is None:
                raise OSError("the recording file is closed")
            if self._deleted(fd):
                # Writing on would acknowledge deliveries into a file nobody can read:
                # record to the path again (a new file), or refuse while that fails.
                try:
                    reopened = self._open()
                except OSError as exc:
                    raise OSError(
                        f"{self.path} was deleted and cannot be created again: "
                        f"{exc.strerror or exc}"
                    ) from None
                os.close(fd)
                fd = self._fd = reopened
                self._forget_lines()
            if self._fresh_line_needed:
                line = b"\n" + line
            self._fresh_line_needed = True  # until the whole line is known to be written
            written = os.write(fd, line)
            while written < len(line):  # only on a short write (e.g. disk nearly full)
                step = os.write(fd, line[written:])
                if step <= 0:  # pragma: no cover - the OS raises instead in practice
                    raise OSError(f"could not append to {self.path}")
                written += step
            self._fresh_line_needed = False
            self.lines_written += 1
            if not self.durable or not self._regular:  # a pipe or device cannot fsync
                return
            # Duplicate the descriptor so close() cannot pull it away mid-fsync; the fsync
            # itself runs outside the lock, so concurrent deliveries share disk flushes
            # (group commit) instead of queueing one fsync behind the other.
            sync_fd = os.dup(fd)
        try:
            os.fsync(sync_fd)
        finally:
            os.close(sync_fd)

    def _forget_lines(self) -> None:
        """The lines written so far went to a file the path no longer names."""
        self.lines_lost += self.lines_written
        self.lines_written = 0

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None:
                try:
                    if self._deleted(fd):  # deleted after the last append, not re-created
                        self._forget_lines()
                except OSError:
                    pass
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> RecordingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


RECORD_KEYS = frozenset({"report", "path", "headers", "received_at", "violations"})


def is_recording_line(value: object) -> bool:
    """True when ``value`` looks like a line written by the recording receiver.

    A job report has no ``report``/``received_at``/``violations`` keys, so a plain report
    (``jobhook generate`` output) is never mistaken for a recording.
    """
    return isinstance(value, Mapping) and value.keys() >= RECORD_KEYS


FORWARD_KEYS = frozenset({"forward_of", "to", "outcome", "elapsed"})


def is_forward_line(value: object) -> bool:
    """True when ``value`` is a line of ``FILE.forwards``, the forward outcomes that
    ``jobhook serve --record FILE --forward-to URL`` writes next to its recording."""
    return (isinstance(value, Mapping) and value.keys() >= FORWARD_KEYS
            and isinstance(value["forward_of"], Mapping))


def forward_file_message(where: str, source: str) -> str:
    """Why ``source`` (a ``.forwards`` companion, found at ``where``) is not read as reports."""
    recording = source[: -len(".forwards")] if source.endswith(".forwards") else "FILE"
    return (f"{where}: this is a forward-outcome file (the FILE.forwards that jobhook serve "
            f"--record FILE --forward-to URL writes), not job reports; give the recording "
            f"{recording} instead")
