"""One factor that scales every timeout in the suite, for slow CI machines."""

from __future__ import annotations

import os

TIMEOUT_FACTOR = float(os.environ.get("BARTYPE_TEST_TIMEOUT_FACTOR", "1"))
"""Set ``BARTYPE_TEST_TIMEOUT_FACTOR=3`` to give every wait three times as long."""
