"""Pydantic models that the command-line tests pass to `--schema`."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["SimAnswer"]


class SimAnswer(BaseModel):
    """The object the simulator's JSON scenarios return."""

    answer: str
    confidence: float
