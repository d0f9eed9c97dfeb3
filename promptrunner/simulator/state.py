"""Mutable simulator state shared by the server thread and the caller's thread."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from promptrunner.simulator.recording import RecordedRequest
    from promptrunner.simulator.scenarios import Step
    from promptrunner.simulator.script import Script

__all__ = ["DEFAULT_MAX_RECORDED_REQUESTS", "SimulatorState"]

DEFAULT_MAX_RECORDED_REQUESTS = 1000
"""Number of most recent requests the simulator keeps by default."""


class SimulatorState:
    """Recorded requests, sequence positions and the response id counter, behind one lock."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
    ) -> None:
        if (
            isinstance(max_recorded_requests, bool)
            or not isinstance(max_recorded_requests, int)
            or max_recorded_requests < 1
        ):
            raise ValueError(
                f"Invalid max_recorded_requests {max_recorded_requests!r}: "
                "expected an integer of at least 1."
            )

        self.script = script
        self._lock = threading.Lock()
        self._requests: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self._positions: dict[str, int] = {}
        self._response_count = 0

    def record(self, request: RecordedRequest) -> None:
        """Keep ``request``, dropping the oldest one past the limit."""
        with self._lock:
            self._requests.append(request)

    def requests(self) -> tuple[RecordedRequest, ...]:
        """Return the kept requests, oldest first."""
        with self._lock:
            return tuple(self._requests)

    def next_step(self, model: str, steps: Sequence[Step]) -> Step:
        """Return the step for this request of ``model`` and advance its position.

        After the last step, the last step repeats.
        """
        with self._lock:
            position = self._positions.get(model, 0)
            self._positions[model] = position + 1

        return steps[min(position, len(steps) - 1)]

    def next_response_id(self) -> str:
        """Return a new response id, ``chatcmpl-sim-1`` first."""
        with self._lock:
            self._response_count += 1
            return f"chatcmpl-sim-{self._response_count}"

    def reset(self) -> None:
        """Forget recorded requests and sequence positions, and restart response ids at 1."""
        with self._lock:
            self._requests.clear()
            self._positions.clear()
            self._response_count = 0
