"""Type checks for numeric settings, shared by every class that validates its options."""

from __future__ import annotations

import math
from typing import TypeGuard

__all__ = ["is_finite_number", "is_whole_number"]


def is_finite_number(value: object) -> TypeGuard[float]:
    """Tell whether `value` is an int or float, not a bool, and neither infinite nor NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def is_whole_number(value: object) -> TypeGuard[int]:
    """Tell whether `value` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)
