"""summarize: counts, latency percentiles, tokens and cost over a set of records."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from promptrunner.records._record import InteractionRecord

__all__ = ["UNCATEGORIZED", "RecordSummary", "summarize"]

UNCATEGORIZED = "uncategorized"
"""The `by_category` key of degraded or failed records that have no category."""

_STATUSES = ("ok", "degraded", "failed")


class RecordSummary(BaseModel):
    """Totals over a set of interaction records.

    Latency percentiles interpolate linearly between the two nearest records, as
    `statistics.quantiles(method="inclusive")` and numpy's default do. They are None
    when there are no records.
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    total: int
    by_status: dict[str, int]
    """Record counts for `ok`, `degraded` and `failed`, zeros included."""

    by_category: dict[str, int]
    """Degraded and failed record counts per category, most frequent first."""

    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    input_tokens: int
    output_tokens: int
    """Output tokens, reasoning tokens included."""

    reasoning_tokens: int
    cost_usd: float | None
    """Summed cost of the records whose cost is known, None when no record's cost is known."""

    records_without_cost: int
    """Records whose cost is unknown and therefore missing from `cost_usd`."""

    first_recorded_at: datetime | None
    last_recorded_at: datetime | None


def summarize(records: Iterable[InteractionRecord]) -> RecordSummary:
    """Count and total a set of records, in any order."""
    records = list(records)
    latencies = sorted(record.latency_ms for record in records)
    costs = [record.cost_usd for record in records if record.cost_usd is not None]
    statuses: Counter[str] = Counter(record.status for record in records)
    categories = Counter(
        record.category or UNCATEGORIZED for record in records if record.status != "ok"
    )
    times = [record.recorded_at for record in records]
    p50, p90, p99 = _percentiles(latencies, (50, 90, 99))

    return RecordSummary(
        total=len(records),
        by_status={status: statuses[status] for status in _STATUSES},
        by_category=dict(categories.most_common()),
        latency_p50_ms=p50,
        latency_p90_ms=p90,
        latency_p99_ms=p99,
        latency_max_ms=latencies[-1] if latencies else None,
        input_tokens=sum(record.input_tokens for record in records),
        output_tokens=sum(record.output_tokens for record in records),
        reasoning_tokens=sum(record.reasoning_tokens for record in records),
        cost_usd=sum(costs) if costs else None,
        records_without_cost=len(records) - len(costs),
        first_recorded_at=min(times) if times else None,
        last_recorded_at=max(times) if times else None,
    )


def _percentiles(ordered: list[float], percents: tuple[int, ...]) -> list[float | None]:
    if not ordered:
        return [None for _ in percents]
    if len(ordered) == 1:
        # statistics.quantiles needs two data points before Python 3.13.
        return [ordered[0] for _ in percents]
    cut_points = statistics.quantiles(ordered, n=100, method="inclusive")
    return [cut_points[percent - 1] for percent in percents]
