"""The metric instruments: GenAI client duration and token usage, and runs by outcome."""

from __future__ import annotations

from opentelemetry.metrics import Meter

from promptrunner.telemetry import _names as names

__all__ = ["Instruments"]

# The bucket boundaries the GenAI conventions advise for these two histograms.
_DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
_TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip


class Instruments:
    """The instruments promptrunner records to, created once per meter."""

    def __init__(self, meter: Meter) -> None:
        self.operation_duration = meter.create_histogram(
            names.OPERATION_DURATION,
            unit="s",
            description="Duration of GenAI client operations (one per transport attempt).",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.token_usage = meter.create_histogram(
            names.TOKEN_USAGE,
            unit="{token}",
            description="Input and output tokens used per GenAI client operation.",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.runs = meter.create_counter(
            names.RUNS,
            unit="{run}",
            description="Runs finished, by step, outcome status and category.",
        )
