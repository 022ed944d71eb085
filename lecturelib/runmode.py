"""Whether the book's code runs for the static HTML book or in a live kernel.

The book's build sets the environment variable ``LECTURELIB_STATIC=1``; then explorers draw offline
animations instead of sliders and training loops show no progress bars. Its own module, so that
the training loop can ask without loading the figures module.
"""
from __future__ import annotations

import os


def is_static() -> bool:
    """True when outputs are made for the static HTML book rather than a live kernel."""
    return os.environ.get("LECTURELIB_STATIC", "").lower() not in ("", "0", "false", "no")
