"""A process-local "something changed" signal with bounded waits.

The unit of work notifies it after every commit; the outbox relay and read-your-writes
queries wait on it, so neither has a poll interval as its latency floor. Waits are
always bounded: another process (a replica, a CLI command) can commit without
notifying us, and the waiter's own timeout covers that.
"""
import threading


class ChangeSignal:
    def __init__(self):
        self._cond = threading.Condition()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until a change after generation ``seen`` or ``timeout``; return the generation."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != seen, timeout=timeout)
            return self._generation
