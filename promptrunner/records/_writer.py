"""RecordWriter: writes records to a store on a background thread, so no run waits for it."""

from __future__ import annotations

import atexit
import collections
import logging
import threading
import time

from pydantic import ValidationError
from tenacity import Retrying, stop_after_attempt, stop_when_event_set, wait_fixed

from promptrunner._checks import is_finite_number, is_whole_number
from promptrunner._logging import log_rate_limited
from promptrunner.errors import ConfigurationError
from promptrunner.records._record import InteractionRecord
from promptrunner.records._store import RecordStore

__all__ = [
    "ATEXIT_FLUSH_TIMEOUT",
    "BATCH_SIZE",
    "CLOSE_TIMEOUT",
    "LINGER",
    "MAX_PENDING",
    "RETRY_DELAY",
    "WRITE_ATTEMPTS",
    "RecordWriter",
]

logger = logging.getLogger("promptrunner.records")

MAX_PENDING = 10_000
"""Default maximum number of records waiting to be written. Further records are dropped."""

BATCH_SIZE = 500
"""Default maximum number of records written in one `store.write` call."""

WRITE_ATTEMPTS = 2
"""Default number of `store.write` calls per batch before its records count as failed."""

RETRY_DELAY = 1.0
"""Default seconds between two write attempts of the same batch."""

LINGER = 1.0
"""Default seconds the writer gathers records after the first one arrives, before writing.

One write per second instead of one per run keeps the writer thread from competing with
the event loop for the GIL on every run. `flush` and `close` cut the wait short.
"""

CLOSE_TIMEOUT = 5.0
"""Default maximum seconds `close` waits for pending records and the thread to stop."""

ATEXIT_FLUSH_TIMEOUT = 5.0
"""Maximum seconds the interpreter waits at exit for an open writer's pending records."""


class RecordWriter:
    """Writes interaction records to a store in batches, on one daemon thread.

    `submit` never waits for the store and never raises. When `max_pending` records are already
    waiting, it drops the new record and counts it in `dropped`. The thread starts on the
    first `submit`. It gathers records for up to `linger` seconds after the first one
    arrives, then writes up to `batch_size` records per `store.write` call and makes
    at most `write_attempts` calls per batch, `retry_delay` seconds apart. When they all
    fail, the batch's records count as `failed`, a warning is logged on the
    `promptrunner.records` logger (rate-limited), and the writer goes on with the next
    batch. A failed batch that contains records which skipped validation (built with
    `model_construct` or `model_copy(update=...)`) gets another round of attempts without
    the invalid ones.

    The writer owns the store: `close` flushes with a bound, stops the thread and closes
    the store. An open writer also flushes at interpreter exit, for at most
    `ATEXIT_FLUSH_TIMEOUT` seconds. All methods are thread-safe.
    """

    def __init__(
        self,
        store: RecordStore,
        *,
        max_pending: int = MAX_PENDING,
        batch_size: int = BATCH_SIZE,
        write_attempts: int = WRITE_ATTEMPTS,
        retry_delay: float = RETRY_DELAY,
        linger: float = LINGER,
    ) -> None:
        if not isinstance(store, RecordStore):
            raise ConfigurationError(
                f"RecordWriter needs a RecordStore with write, query and close methods, got "
                f"{store!r}; pass open_record_store(...) or your own store."
            )
        for name, value in (
            ("max_pending", max_pending),
            ("batch_size", batch_size),
            ("write_attempts", write_attempts),
        ):
            if not (is_whole_number(value) and value >= 1):
                raise ConfigurationError(
                    f"RecordWriter {name} must be a whole number of 1 or more, got {value!r}."
                )
        for name, seconds in (("retry_delay", retry_delay), ("linger", linger)):
            if not (is_finite_number(seconds) and seconds >= 0):
                raise ConfigurationError(
                    f"RecordWriter {name} must be seconds of 0 or more, got {seconds!r}."
                )

        self.store = store
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.write_attempts = write_attempts
        self.retry_delay = float(retry_delay)
        self.linger = float(linger)

        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._progress = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._pending: collections.deque[InteractionRecord] = collections.deque()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._flushing = 0
        self._accepted = 0
        self._settled = 0
        self._written = 0
        self._dropped = 0
        self._failed = 0

    @property
    def written(self) -> int:
        """Records the store accepted."""
        return self._written

    @property
    def dropped(self) -> int:
        """Records never handed to the store: the queue was full, or the writer was closed.

        A record still queued when `close` stops waiting is counted here as soon as
        `close` returns.

        Objects passed to `submit` that are not `InteractionRecord`s are counted here too.
        """
        return self._dropped

    @property
    def failed(self) -> int:
        """Records lost because every write attempt of their batch raised, or they were invalid."""
        return self._failed

    @property
    def pending(self) -> int:
        """Records submitted but not yet written, failed or dropped.

        After `close` gave up on a hung store, these are the records of the write call
        that has not returned. They count as written or failed if it returns.
        """
        with self._lock:
            return self._accepted - self._settled

    def submit(self, record: InteractionRecord) -> None:
        """Queue a record for writing, or drop and count it.

        A record is dropped when the queue is full or the writer is closed, and so is an
        object that is not an `InteractionRecord`.
        """
        with self._lock:
            reason = self._drop_reason(record)
            # NOTE: a process forked after the first submit inherits a writer whose thread
            # does not exist there, so its records queue up and are then dropped.
            if reason is None and self._thread is None:
                reason = self._start_thread()
            if reason is None:
                self._pending.append(record)
                self._accepted += 1
                # The thread waits for the first record, and for a full batch after it.
                if len(self._pending) in (1, self.batch_size):
                    self._has_work.notify()
            else:
                self._dropped += 1
            pending = len(self._pending)

        if reason is not None:
            log_rate_limited(
                logger,
                logging.WARNING,
                "Dropped an interaction record: %s (%d pending)",
                reason,
                pending,
            )

    def flush(self, timeout: float) -> bool:
        """Wait until every record submitted so far is settled, or return False after `timeout`.

        A record is settled once it is written, counted as failed, or dropped by `close`.
        Check `failed` to learn whether all of them reached the store.
        """
        if not (is_finite_number(timeout) and timeout >= 0):
            raise ConfigurationError(
                f"flush timeout must be seconds of 0 or more, got {timeout!r}."
            )

        with self._lock:
            target = self._accepted
            self._flushing += 1
            self._has_work.notify()
            try:
                return self._progress.wait_for(lambda: self._settled >= target, timeout)
            finally:
                self._flushing -= 1

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Flush for at most `timeout` seconds, stop the thread and close the store.

        Later `submit` calls drop their records. Records still queued when the time is
        up count as dropped. If a `store.write` call is still running then, its records
        stay in `pending` until it returns, and the store is left open, because closing
        it under that call is not safe.
        """
        if not (is_finite_number(timeout) and timeout >= 0):
            raise ConfigurationError(
                f"close timeout must be seconds of 0 or more, got {timeout!r}."
            )

        deadline = time.monotonic() + timeout
        with self._lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self._close_at_exit)

        self.flush(timeout)
        with self._lock:
            self._stopping.set()
            self._has_work.notify_all()
        thread = self._thread
        if thread is not None:
            thread.join(max(deadline - time.monotonic(), 0.0))
            if thread.is_alive():
                with self._lock:
                    queued = self._drop_queued()
                    in_flight = self._accepted - self._settled
                log_rate_limited(
                    logger,
                    logging.WARNING,
                    "Stopped waiting for %r after %.1f s and dropped %s still queued. "
                    "The store was left open because a write of %s has not returned",
                    self.store,
                    timeout,
                    _records(queued),
                    _records(in_flight),
                )
                return

        try:
            self.store.close()
        except Exception as error:  # A custom store may raise anything; closing goes on.
            log_rate_limited(logger, logging.WARNING, "Could not close %r: %r", self.store, error)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _drop_reason(self, record: InteractionRecord) -> str | None:
        """Return why a record cannot be queued, or None when it can."""
        if self._closed:
            return "the writer is closed"
        if not isinstance(record, InteractionRecord):
            return f"expected an InteractionRecord, got {type(record).__name__}"
        if len(self._pending) >= self.max_pending:
            return f"the queue is full (max_pending={self.max_pending})"
        return None

    def _start_thread(self) -> str | None:
        """Start the writer thread and the exit hook, and return why starting failed, or None."""
        thread = threading.Thread(target=self._run, name="promptrunner-records", daemon=True)
        try:
            thread.start()
        except RuntimeError as error:  # No new threads, e.g. during interpreter shutdown.
            return f"the writer thread could not start ({error})"
        self._thread = thread
        atexit.register(self._close_at_exit)
        return None

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            written = self._write(batch)
            with self._lock:
                self._written += written
                self._failed += len(batch) - written
                self._settled += len(batch)
                self._progress.notify_all()

    def _drop_queued(self) -> int:
        """Count every queued record as dropped and return how many there were.

        The caller holds the lock.
        """
        count = len(self._pending)
        self._dropped += count
        self._settled += count
        self._pending.clear()
        self._progress.notify_all()
        return count

    def _next_batch(self) -> list[InteractionRecord] | None:
        """Wait for records and take up to `batch_size` of them, or return None once stopping."""
        with self._lock:
            while not self._pending and not self._stopping.is_set():
                self._has_work.wait()
            if self._stopping.is_set():
                # close has given up waiting, so what is left is dropped, not written.
                self._drop_queued()
                return None

            gather_until = time.monotonic() + self.linger
            while len(self._pending) < self.batch_size and not (
                self._flushing or self._stopping.is_set()
            ):
                left = gather_until - time.monotonic()
                if left <= 0:
                    break
                self._has_work.wait(left)

            count = min(len(self._pending), self.batch_size)
            return [self._pending.popleft() for _ in range(count)]

    def _write(self, batch: list[InteractionRecord]) -> int:
        """Write one batch with bounded retries, and return how many records the store accepted.

        When the batch fails and some of its records are invalid, the valid ones get
        another round of attempts on their own, so one bad record does not lose the rest.
        """
        # NOTE: a valid record can still fail its whole batch when the database rejects
        # a value, such as a NUL character in a text field on PostgreSQL.
        error = self._write_with_retries(batch)
        if error is None:
            return len(batch)

        valid = [record for record in batch if _is_valid(record)]
        if valid and len(valid) < len(batch):
            log_rate_limited(
                logger,
                logging.WARNING,
                "Leaving out %s that failed validation, and retrying the rest of the batch "
                "that %r rejected: %s: %s",
                _records(len(batch) - len(valid)),
                self.store,
                type(error).__name__,
                error,
            )
            error = self._write_with_retries(valid)
            if error is None:
                return len(valid)

        log_rate_limited(
            logger,
            logging.WARNING,
            "Could not write %s to %r (%d lost so far): %s: %s",
            _records(len(batch)),
            self.store,
            self._failed + len(batch),
            type(error).__name__,
            error,
        )
        return 0

    def _write_with_retries(self, batch: list[InteractionRecord]) -> Exception | None:
        """Call `store.write` up to `write_attempts` times, and return the last error or None."""
        retrying = Retrying(
            stop=stop_after_attempt(self.write_attempts) | stop_when_event_set(self._stopping),
            wait=wait_fixed(self.retry_delay),
            sleep=self._sleep_unless_stopping,
            reraise=True,
        )
        try:
            retrying(self.store.write, batch)
        except Exception as error:  # Counted and logged instead of raised, whatever the store.
            return error
        return None

    def _sleep_unless_stopping(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _close_at_exit(self) -> None:
        self.close(ATEXIT_FLUSH_TIMEOUT)


def _is_valid(record: InteractionRecord) -> bool:
    """Tell whether a record passes validation again, as one built by `model_construct` may not."""
    try:
        InteractionRecord.model_validate(record.model_dump(warnings=False))
    except (ValidationError, ConfigurationError):
        return False
    return True


def _records(count: int) -> str:
    return f"{count:,} interaction record" if count == 1 else f"{count:,} interaction records"
