"""Read-your-writes: how long a read of something the caller just wrote may wait for it."""
from shared.config import READ_YOUR_WRITES_TIMEOUT, RPC_TIMEOUT


def wait_budget() -> float:
    """How long a read-your-writes query may wait: inside the RPC deadline with a margin for
    the round trip, so a resource that never shows up is a 404, not a 504."""
    deadline = float(RPC_TIMEOUT.get())
    return min(float(READ_YOUR_WRITES_TIMEOUT.get()), max(deadline / 2, deadline - 1))
