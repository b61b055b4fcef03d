"""Taking the signals that end a session (SIGINT, SIGTERM, SIGHUP) for the length of a block, the same way for the
guide and the kiosk: handlers installed on entry and the previous ones put back on exit, SIGINT taken even when it
was inherited ignored (a background start), and SIGHUP left alone when ignored on purpose (``nohup``)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

Handler = Callable[[int, FrameType | None], None]


@contextmanager
def taken(on_int: Handler, on_term: Handler, on_hup: Handler) -> Iterator[None]:
    """Within the block, each signal runs its handler (SIGHUP only if it is not ignored). Main thread only."""
    wanted: dict[int, Handler] = {signal.SIGINT: on_int, signal.SIGTERM: on_term}
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        wanted[signal.SIGHUP] = on_hup
    previous = {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
