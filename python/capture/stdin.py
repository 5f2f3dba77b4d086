"""A stdin reader for the session's background thread that holds no interpreter-level I/O lock.

`sys.stdin.buffer` takes a lock while a thread blocks in it, and interpreter shutdown aborts
("could not acquire lock ... daemon threads") if a daemon thread still holds it. This reader
buffers by itself on top of `os.read`, so a reader thread blocked at exit is harmless.
"""

from __future__ import annotations

import os

_CHUNK = 1 << 16


class FdReader:
    """Minimal binary reader (`readline`, `read`) over a file descriptor."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._eof = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = os.read(self._fd, _CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def readline(self) -> bytes:
        """One line including its newline; the remainder at EOF; b'' once exhausted."""
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            start = len(self._buffer)
            if not self._fill():
                line = bytes(self._buffer)
                self._buffer.clear()
                return line

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all remaining for -1); fewer only at EOF."""
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
