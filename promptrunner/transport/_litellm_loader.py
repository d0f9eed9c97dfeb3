"""Import litellm once, offline and quiet."""

from __future__ import annotations

import logging
import sys
from types import ModuleType

from promptrunner.transport._offline import prepare_offline_environment

__all__ = ["load_litellm"]

# litellm writes to these loggers through a console handler of its own.
_LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")

_forward_logger = logging.getLogger("promptrunner.transport.litellm")


class _ForwardAsDebug(logging.Handler):
    """Re-emit litellm's log records on promptrunner's logger at DEBUG level."""

    def emit(self, record: logging.LogRecord) -> None:
        if _forward_logger.isEnabledFor(logging.DEBUG):
            _forward_logger.debug("litellm %s: %s", record.levelname, record.getMessage())


def load_litellm() -> ModuleType:
    """Import litellm with its network fetches off and its console output muted.

    litellm's banners ("Give Feedback / Get Help", debug hints) are switched off with
    `suppress_debug_info`, and its log records go to the `promptrunner.transport.litellm`
    logger at DEBUG level instead of litellm's own console handler.
    """
    first_import = "litellm" not in sys.modules
    levels: dict[str, int] = {}
    if first_import:
        prepare_offline_environment()
        levels = _quiet_while_importing()

    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    _mute_console_loggers()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    if first_import:
        _warm_up(litellm)
    return litellm


def _quiet_while_importing() -> dict[str, int]:
    """Raise litellm's loggers to WARNING for the import, and return their levels before.

    litellm attaches its console handler during the import and logs debug lines right
    away, before `_mute_console_loggers` can take the handler over. An application that
    logs at DEBUG would otherwise see them on standard output.
    """
    levels = {}
    for name in _LITELLM_LOGGERS:
        litellm_logger = logging.getLogger(name)
        levels[name] = litellm_logger.level
        litellm_logger.setLevel(logging.WARNING)
    return levels


def _warm_up(litellm: ModuleType) -> None:
    # litellm imports about forty more modules on its first completion call, which takes
    # most of a second. A mocked completion (litellm's `mock_response`, no network) does
    # that work here instead of inside the first run's budget.
    try:
        litellm.completion(
            model="openai/promptrunner-warm-up",
            messages=[{"role": "user", "content": "warm-up"}],
            mock_response="ok",
            api_key="warm-up",
        )
    except Exception:
        logging.getLogger("promptrunner.transport.litellm").debug(
            "litellm warm-up call failed; the first run will load the rest of litellm",
            exc_info=True,
        )


def _mute_console_loggers() -> None:
    for name in _LITELLM_LOGGERS:
        litellm_logger = logging.getLogger(name)
        if any(isinstance(handler, _ForwardAsDebug) for handler in litellm_logger.handlers):
            continue
        for handler in list(litellm_logger.handlers):
            litellm_logger.removeHandler(handler)
        litellm_logger.addHandler(_ForwardAsDebug())
        litellm_logger.propagate = False
