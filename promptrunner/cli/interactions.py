"""`promptrunner interactions`: list recent interaction records and summarize a time window."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import click

from promptrunner.errors import ConfigurationError
from promptrunner.records import (
    DEFAULT_RECORD_STORE,
    RECORD_STORE_ENV,
    InteractionRecord,
    RecordStoreError,
    RecordStoreNotFoundError,
    RecordSummary,
    display_location,
    summarize,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "SUMMARY_MAX_RECORDS", "interactions", "parse_time"]

DEFAULT_LIMIT = 20
"""Default number of recent records listed."""

MAX_LIMIT = 1_000
"""Maximum number of records `--limit` may list."""

SUMMARY_MAX_RECORDS = 50_000
"""Maximum number of records the summary covers, the newest ones in the window."""

_STORE_ADVICE = (
    f"Pass --store PATH_OR_URL or set {RECORD_STORE_ENV} to the store your application writes to."
)

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_time(value: str, now: datetime) -> datetime:
    """Parse a duration before `now` (such as 15m, 1h, 7d) or an ISO 8601 time, into UTC.

    A time without a UTC offset is taken as UTC. Raises `ValueError` naming the forms
    accepted.
    """
    text = value.strip()
    match = _DURATION.fullmatch(text)
    if match is not None:
        seconds = float(match[1]) * _UNIT_SECONDS[match[2]]
        try:
            return now - timedelta(seconds=seconds)
        except OverflowError as error:
            raise ValueError(f"{value!r} reaches back before the year 1") from error

    try:
        # datetime.fromisoformat accepts a trailing Z only from Python 3.11 on.
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError as error:
        raise ValueError(
            f"{value!r} is neither a duration such as 30s, 15m, 1h, 7d or 2w, nor an ISO 8601 "
            f"time such as 2025-06-01T12:00:00Z"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """Parse --since or --until into an aware UTC time, or raise a usage error."""
    if value is None:
        return None
    try:
        return parse_time(value, datetime.now(timezone.utc))
    except ValueError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error


@click.command()
@click.option(
    "--store",
    envvar=RECORD_STORE_ENV,
    default=DEFAULT_RECORD_STORE,
    show_default=True,
    metavar="PATH_OR_URL",
    help=f"SQLite file or postgresql:// URL to read the records from [env {RECORD_STORE_ENV}].",
)
@click.option(
    "--since",
    metavar="DURATION_OR_TIME",
    default="24h",
    callback=_time_option,
    show_default=True,
    help="Start of the time window: a duration before now (30s, 15m, 1h, 7d, 2w) or an "
    "ISO 8601 time, UTC unless it has an offset.",
)
@click.option(
    "--until",
    metavar="DURATION_OR_TIME",
    callback=_time_option,
    help="End of the time window, in the same forms as --since [default: now].",
)
@click.option("--step", help="Only records of this step.")
@click.option(
    "--limit",
    type=click.IntRange(0, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help=f"Number of recent records to list, at most {MAX_LIMIT:,}; the summary covers "
    f"the whole window.",
)
@click.option(
    "--output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help='Print a table and a summary, or one JSON object {"records": [...], "summary": {...}}.',
)
def interactions(
    store: str,
    since: datetime,
    until: datetime | None,
    step: str | None,
    limit: int,
    output: str,
) -> None:
    """List recent interaction records, newest first, and summarize the time window.

    The summary covers the newest 50,000 records of the window at most.

    Exit status: 0 on success, also when no record matches; 1 when the store or its
    table is missing or cannot be read; 2 for bad usage.
    """
    if until is not None and since >= until:
        # No final period: the usage error line goes on with "(see '... --help')".
        raise click.UsageError(
            f"--since must be earlier than --until, got --since {_format_time(since)} UTC "
            f"and --until {_format_time(until)} UTC"
        )

    records = _read_records(store, since=since, until=until, step=step)
    if len(records) > SUMMARY_MAX_RECORDS:
        records = records[:SUMMARY_MAX_RECORDS]
        click.echo(
            f"note: the summary covers only the newest {SUMMARY_MAX_RECORDS:,} records of "
            f"the window; narrow it with --since, --until or --step.",
            err=True,
        )
    summary = summarize(records)
    recent = records[:limit]

    if output == "json":
        document = {
            "records": [record.model_dump(mode="json") for record in recent],
            "summary": summary.model_dump(mode="json"),
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_table(recent, summary)


def _read_records(
    target: str, *, since: datetime, until: datetime | None, step: str | None
) -> list[InteractionRecord]:
    """Read up to one more record than the summary takes, so a cut can be reported.

    The store is opened read-only, so reading never creates or changes a database.
    """
    # Imported here because they load SQLAlchemy, which `--help` does not need.
    from promptrunner.records import open_record_store
    from promptrunner.records._sql import TABLE_NAME

    try:
        store = open_record_store(target, read_only=True)
    except RecordStoreNotFoundError as error:
        raise click.ClickException(f"{error} {_STORE_ADVICE}") from error
    except ConfigurationError as error:
        if isinstance(error.__cause__, ImportError):
            # A missing database driver is a broken installation, not a bad --store value.
            raise click.ClickException(str(error)) from error
        # No final period: the usage error line goes on with "(see '... --help')".
        raise click.UsageError(f"Invalid --store: {str(error).rstrip('.')}") from error

    try:
        records = store.query(since=since, until=until, step=step, limit=SUMMARY_MAX_RECORDS + 1)
        # An empty result may come from a database that has no table at all.
        if not records and not store.has_table():
            raise click.ClickException(
                f"No record store at {display_location(target)}: it has no {TABLE_NAME} "
                f"table, so no records were written there yet. {_STORE_ADVICE}"
            )
    except RecordStoreError as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.close()
    return records


def _print_table(records: Sequence[InteractionRecord], summary: RecordSummary) -> None:
    if summary.total == 0:
        click.echo("No interaction records in this time window.")
        return

    headers = [
        "time (UTC)",
        "step",
        "model",
        "status",
        "latency ms",
        "tokens in/out",
        "attempts",
        "effort",
        "trace id",
    ]
    rows = [_table_row(record) for record in records]
    if rows:
        for line in _align([headers, *rows], right_aligned={4, 5, 6}):
            click.echo(line)
        click.echo()
    for line in _summary_lines(summary, listed=len(rows)):
        click.echo(line)


def _table_row(record: InteractionRecord) -> list[str]:
    status = record.status if record.category is None else f"{record.status} ({record.category})"
    effort = record.effective_effort or "-"
    if record.requested_effort and record.requested_effort != record.effective_effort:
        effort = f"{record.requested_effort}->{effort}"
    return [
        _format_time(record.recorded_at),
        record.step,
        record.model,
        status,
        f"{record.latency_ms:,.0f}",
        f"{record.input_tokens:,}/{record.output_tokens:,}",
        str(record.attempts),
        effort,
        record.trace_id or "-",
    ]


def _align(rows: Sequence[Sequence[str]], *, right_aligned: set[int]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if column in right_aligned else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _summary_lines(summary: RecordSummary, *, listed: int) -> list[str]:
    first = _format_time(summary.first_recorded_at) if summary.first_recorded_at else "-"
    last = _format_time(summary.last_recorded_at) if summary.last_recorded_at else "-"
    lines = [
        f"{_records(summary.total)} from {first} to {last} UTC ({listed} newest listed)",
        "status      " + _counts(summary.by_status),
    ]
    if summary.by_category:
        lines.append("categories  " + _counts(summary.by_category))
    lines.append(
        f"latency ms  p50 {_number(summary.latency_p50_ms)}, p90 {_number(summary.latency_p90_ms)}"
        f", p99 {_number(summary.latency_p99_ms)}, max {_number(summary.latency_max_ms)}"
    )
    lines.append(
        f"tokens      input {summary.input_tokens:,}, output {summary.output_tokens:,} "
        f"(reasoning {summary.reasoning_tokens:,})"
    )
    if summary.cost_usd is None:
        lines.append("cost        unknown")
    else:
        unknown = summary.records_without_cost
        note = f" ({_records(unknown)} without cost)" if unknown else ""
        lines.append(f"cost        ${summary.cost_usd:,.4f}{note}")
    return lines


def _records(count: int) -> str:
    return f"{count:,} record" if count == 1 else f"{count:,} records"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counts.items())


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
