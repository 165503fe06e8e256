"""Ctrl-C during training, handled at safe points by both loops.

While a loop runs inside :class:`InterruptGuard`, the first SIGINT (Ctrl-C, or
Jupyter's "interrupt the kernel") only records the request; the loop stops at its
next safe point -- after a whole optimizer step, after a validation batch, after the
epoch-start bookkeeping or the epoch-end snapshot -- so no update is ever half
applied. A second SIGINT raises ``KeyboardInterrupt`` at once, for a loop that no
longer reaches a safe point (a model that hangs). A ``KeyboardInterrupt`` raised by
code the loop calls (a callback, the data, a learning-rate schedule) is handled the
same way, at whatever phase it arrives.

The handler is installed only in the main thread (Python allows no other) and the
previous one is always put back.
"""

from __future__ import annotations

import signal
import threading

PHASES = ("epoch start", "training", "validation", "epoch end")
"""Where an epoch can be when the interrupt arrives, in order."""


class InterruptGuard:
    """Defers SIGINT to the loop's next :meth:`check`; tracks the phase for the report."""

    def __init__(self) -> None:
        self.requested = False
        self.phase = PHASES[0]
        self._previous = None

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> bool:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False

    def _handle(self, signum, frame) -> None:
        if self.requested:  # a second Ctrl-C: stop now, safe point or not
            raise KeyboardInterrupt
        self.requested = True

    def check(self) -> None:
        """A safe point: raise ``KeyboardInterrupt`` here if Ctrl-C was pressed."""
        if self.requested:
            raise KeyboardInterrupt

    def reason(self, epoch: int, steps: int | None = None, total: int | None = None) -> str:
        """The ``stopped_reason`` for an interrupt in ``epoch`` (1-based) at the current phase."""
        head = f"interrupted (KeyboardInterrupt) during epoch {epoch}"
        if self.phase == "epoch start" or (self.phase == "training" and not steps):
            return f"{head}, before its first step: epoch {epoch} is not recorded"
        if self.phase == "training":
            of = f" of {total}" if total else ""
            return (
                f"{head}, after {steps}{of} training steps: epoch {epoch} is recorded as "
                f"partial (history.partial[{epoch}] == {steps})"
            )
        if self.phase == "validation":
            return (
                f"{head}, during validation: its training is recorded, its validation "
                "metrics are NaN"
            )
        return f"{head}, after it was recorded"
