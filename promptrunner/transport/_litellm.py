"""The default transport: one `litellm.acompletion` call per attempt, normalized."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from promptrunner._timeout import wait_with_timeout
from promptrunner.deadline import Deadline, check_budget
from promptrunner.errors import ConfigurationError
from promptrunner.outcome import Outcome, OutcomeCategory
from promptrunner.request import RESERVED_PROVIDER_OPTIONS, PromptRequest
from promptrunner.result import Attempt, PromptResult
from promptrunner.transport._litellm_errors import classify_exception
from promptrunner.transport._litellm_loader import load_litellm
from promptrunner.transport._litellm_response import normalize_response

__all__ = ["DEFAULT_TIMEOUT", "LiteLLMTransport"]

logger = logging.getLogger("promptrunner.transport.litellm")

DEFAULT_TIMEOUT = 60.0
"""Per-call timeout in seconds when neither the request nor the transport sets one."""

_MIN_REDACTED_KEY_CHARS = 8

_TRANSPORT_OPTIONS = {"api_base": "LiteLLMTransport(api_base=...)", "base_url": "api_base"}


class LiteLLMTransport:
    """Calls `litellm.acompletion` once per attempt, with litellm's own retries off.

    `api_base` and `api_key` apply to every call; `provider_options` are extra litellm
    arguments (such as `temperature` or `extra_headers`) that each request's own
    `provider_options` extend. `timeout` is the per-call timeout in seconds for requests
    that set none. litellm is imported here, so the seconds it takes to load are spent
    when the transport is built and never inside a run's budget.
    """

    def __init__(
        self,
        *,
        api_base: str | None = None,
        api_key: str | SecretStr | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        provider_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.api_base = _check_api_base(api_base)
        self._api_key = _as_secret(api_key)
        self.timeout = check_budget(timeout)
        self.provider_options = _check_provider_options(dict(provider_options or {}))
        self._litellm: ModuleType = load_litellm()
        self._providers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"LiteLLMTransport(api_base={self.api_base!r}, timeout={self.timeout:g})"

    async def complete(self, request: PromptRequest) -> PromptResult:
        """Make one provider call for `request` within its deadline."""
        provider = self._check_model(request.model)
        call_timeout = request.timeout or self.timeout
        deadline = request.deadline or Deadline(call_timeout)
        timeout = deadline.clip(call_timeout)
        if timeout <= 0:
            return PromptResult(
                step=request.step,
                model=request.model,
                outcome=Outcome.failed(
                    OutcomeCategory.BUDGET_EXHAUSTED,
                    "no time was left in the deadline for a provider call",
                ),
            )

        arguments = self._arguments(request, call_timeout)
        started_at = time.time()
        start = time.monotonic()
        try:
            response = await wait_with_timeout(self._litellm.acompletion(**arguments), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            duration = time.monotonic() - start
            outcome = Outcome.failed(
                OutcomeCategory.TIMEOUT,
                f"the provider did not answer within {timeout:.2f} s",
                error_type="TimeoutError",
            )
            return _failed_result(request, provider, started_at, duration, outcome)
        except Exception as error:
            duration = time.monotonic() - start
            return self._result_for_exception(request, provider, error, started_at, duration)
        duration = time.monotonic() - start

        normalized = normalize_response(response, max_output_tokens=request.max_output_tokens)
        attempt = Attempt(
            model=request.model,
            provider=provider,
            started_at=started_at,
            duration=duration,
            outcome=normalized.outcome,
            reasoning_effort=request.reasoning_effort,
            response_model=normalized.model,
            finish_reason=normalized.finish_reason,
            provider_finish_reason=normalized.provider_finish_reason,
            usage=normalized.usage,
            max_output_tokens=request.max_output_tokens,
            output_limit_reached=normalized.output_limit_reached,
        )
        return PromptResult(
            step=request.step,
            model=request.model,
            outcome=normalized.outcome,
            text=normalized.text,
            finish_reason=normalized.finish_reason,
            usage=normalized.usage,
            attempts=[attempt],
        )

    def _arguments(self, request: PromptRequest, call_timeout: float) -> dict[str, Any]:
        # litellm gets the configured per-call timeout, not the deadline-clipped one that
        # `complete` enforces itself: litellm caches its HTTP clients by timeout, and a
        # value that changes on every call builds a new client each time (about 3 ms).
        arguments: dict[str, Any] = {
            **self.provider_options,
            **request.provider_options,
            "model": request.model,
            "messages": [message.to_provider() for message in request.messages],
            "timeout": call_timeout,
            "num_retries": 0,
            "max_retries": 0,
        }
        if request.max_output_tokens is not None:
            arguments["max_tokens"] = request.max_output_tokens
        if request.reasoning_effort is not None:
            arguments["reasoning_effort"] = request.reasoning_effort
        if self.api_base is not None:
            arguments.setdefault("api_base", self.api_base)
        if self._api_key is not None:
            arguments["api_key"] = self._api_key.get_secret_value()
        return arguments

    def _result_for_exception(
        self,
        request: PromptRequest,
        provider: str,
        error: Exception,
        started_at: float,
        duration: float,
    ) -> PromptResult:
        failure = classify_exception(error)
        message = self._redact(failure.message)
        logger.debug("Provider call for %s failed: %s", request.model, message, exc_info=error)

        outcome = Outcome.failed(failure.category, message, error_type=failure.error_type)
        attempt = Attempt(
            model=request.model,
            provider=provider,
            started_at=started_at,
            duration=duration,
            outcome=outcome,
            reasoning_effort=request.reasoning_effort,
            max_output_tokens=request.max_output_tokens,
            status_code=failure.status_code,
            retry_after=failure.retry_after,
        )
        return PromptResult(
            step=request.step, model=request.model, outcome=outcome, attempts=[attempt]
        )

    def _check_model(self, model: str) -> str:
        """Check that litellm can route the model and its API key is set; return the provider."""
        known = self._providers.get(model)
        if known is not None:
            return known

        try:
            _, provider, _, _ = self._litellm.get_llm_provider(model=model, api_base=self.api_base)
        except Exception as error:
            prefix, slash, _ = model.partition("/")
            fix = (
                f"{prefix!r} is not a provider litellm knows; check the spelling"
                if slash
                else f"prefix the provider, for example 'openai/{model}'"
            )
            raise ConfigurationError(
                f"Unknown model {model!r}: litellm cannot tell which provider serves it; {fix}."
            ) from error

        if self._api_key is None:
            missing = self._missing_api_keys(model)
            if missing:
                raise ConfigurationError(
                    f"Missing API key for model {model!r} (provider {provider}): set "
                    f"{' or '.join(missing)}, or pass api_key to LiteLLMTransport "
                    f"(--api-key on the command line)."
                )
        self._providers[model] = str(provider)
        return self._providers[model]

    def _missing_api_keys(self, model: str) -> list[str]:
        try:
            environment = self._litellm.validate_environment(model=model, api_base=self.api_base)
        except Exception:
            logger.debug("litellm could not check the environment for %s", model, exc_info=True)
            return []
        if environment.get("keys_in_environment"):
            return []
        # Only API keys are checked here; cloud credentials (AWS, GCP) may come from
        # places that litellm's environment check does not see.
        return [key for key in environment.get("missing_keys", []) if key.endswith("_API_KEY")]

    def _redact(self, message: str) -> str:
        if self._api_key is None:
            return message
        secret = self._api_key.get_secret_value()
        # Keys shorter than this are placeholders, and replacing them would garble words.
        if len(secret) < _MIN_REDACTED_KEY_CHARS:
            return message
        return message.replace(secret, "<redacted>")


def _failed_result(
    request: PromptRequest, provider: str, started_at: float, duration: float, outcome: Outcome
) -> PromptResult:
    attempt = Attempt(
        model=request.model,
        provider=provider,
        started_at=started_at,
        duration=duration,
        outcome=outcome,
        reasoning_effort=request.reasoning_effort,
        max_output_tokens=request.max_output_tokens,
    )
    return PromptResult(step=request.step, model=request.model, outcome=outcome, attempts=[attempt])


def _check_api_base(api_base: str | None) -> str | None:
    if api_base is None:
        return None
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"Invalid api_base {api_base!r}: use an http or https URL such as "
            f"'http://127.0.0.1:8000/v1'."
        )
    return api_base.rstrip("/")


def _as_secret(api_key: str | SecretStr | None) -> SecretStr | None:
    if api_key is None or isinstance(api_key, SecretStr):
        return api_key
    if not api_key.strip():
        raise ConfigurationError("The api_key is empty; pass the provider's key or leave it unset.")
    return SecretStr(api_key)


def _check_provider_options(options: dict[str, Any]) -> dict[str, Any]:
    for key, replacement in {**RESERVED_PROVIDER_OPTIONS, **_TRANSPORT_OPTIONS}.items():
        if key in options:
            raise ConfigurationError(
                f"{key!r} is not a provider option here; set {replacement} instead."
            )
    return options
