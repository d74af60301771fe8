"""Keep the emulator's own notion of time, which tests can move forward."""

from __future__ import annotations

import threading
import time


class EmulatorClock:
    """Give wall-clock time plus an offset that ``advance`` grows.

    Moving the clock lets a test age tokens by hours without waiting: new
    tokens get later ``iat``/``exp`` claims and older ones start to fail the
    expiry check.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the emulator's current UNIX time in seconds."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
