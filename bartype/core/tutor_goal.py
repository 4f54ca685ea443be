"""Adaptive practice's goal: the target speed per key and the accuracy floor.

Their defaults and the ranges a learner may choose, apart from the tutor
(``bartype.core.tutor``) so that the command line and the settings can name
them without loading it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MIN_ACCURACY", "DEFAULT_TARGET_CPM", "MIN_ACCURACY_RANGE", "TARGET_CPM_RANGE"]

DEFAULT_TARGET_CPM = 175.0
"""keybr's target speed per key, characters a minute."""
DEFAULT_MIN_ACCURACY = 0.92
"""At most 8 % of a letter's presses wrong."""
TARGET_CPM_RANGE = (30.0, 1500.0)
"""The target speeds a learner may choose, characters a minute per key."""
MIN_ACCURACY_RANGE = (0.5, 1.0)
"""The accuracy floors a learner may choose (1.0: no error allowed)."""
