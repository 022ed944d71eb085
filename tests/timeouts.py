"""A guard for tests of inputs that could hang: fail instead of blocking the test run."""
import signal
from contextlib import contextmanager


@contextmanager
def alarm(seconds):
    """Raise TimeoutError when the block runs longer than ``seconds`` (main thread, POSIX)."""
    def ring(*_):
        raise TimeoutError(f"still running after {seconds} s")
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
