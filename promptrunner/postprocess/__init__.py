"""Deterministic post-processors: pure, idempotent functions from text to text.

Each function leaves code and links it does not own byte for byte. Bind options with the
matching factory (or `functools.partial`) to get the one-argument function that
`PostPass(processors=[...])` takes.
"""

from promptrunner.postprocess._booking_link import (
    booking_link_enforcer,
    enforce_canonical_booking_link,
)
from promptrunner.postprocess._em_dash import em_dash_replacer, replace_em_dashes_with_comma_space

__all__ = [
    "booking_link_enforcer",
    "em_dash_replacer",
    "enforce_canonical_booking_link",
    "replace_em_dashes_with_comma_space",
]
