"""JsonOnly: minimal JSON from the model, extracted and validated into `result.data`."""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, ValidationError

from promptrunner._model import summarize_validation_error
from promptrunner.errors import ConfigurationError
from promptrunner.jsonout import JsonExtractionError, JsonFailureReason, extract_json
from promptrunner.middleware._base import CallNext, has_time_to_repeat
from promptrunner.outcome import Outcome, OutcomeCategory, OutcomeStatus
from promptrunner.request import Message, PromptRequest
from promptrunner.result import PromptResult

__all__ = ["DEFAULT_INSTRUCTION", "JsonOnly"]

logger = logging.getLogger("promptrunner.middleware.json_only")

DEFAULT_INSTRUCTION = (
    "Return only minimal JSON that matches this JSON Schema: no prose, no code fences, "
    "no comments, no fields it does not define.\n{schema}"
)
"""The instruction added as a system message; `{schema}` becomes the compact JSON Schema."""

_MAX_ECHOED_OUTPUT_CHARS = 2000


class JsonOnly:
    """Asks for minimal JSON matching the request's `output_schema` and validates it.

    Only requests with an `output_schema` (a pydantic model class) are changed. The
    middleware adds one short system instruction with the schema and, with
    `provider_mode`, the provider's structured-output mode where litellm reports that the model
    supports a response schema, or its JSON mode where the model takes `response_format`.

    On an ok or degraded result it extracts the JSON value with `extract_json` (from
    fences, surrounding prose and `<think>` blocks) and validates it with pydantic into
    `result.data`. A result that already failed is returned untouched, so cut-off output
    is never parsed. JSON that was cut off makes the run `truncated`; anything else that
    is not valid makes it `invalid_output`, with a short summary of the errors.

    With `reask`, an invalid answer is sent back once with the errors, if the time left
    covers as long as the first answer took. It is off by default.
    """

    def __init__(
        self,
        *,
        instruction: str = DEFAULT_INSTRUCTION,
        provider_mode: bool = True,
        reask: bool = False,
    ) -> None:
        if "{schema}" not in instruction:
            raise ConfigurationError(
                "JsonOnly instruction must contain '{schema}', where the JSON Schema goes."
            )
        self.instruction = instruction
        self.provider_mode = provider_mode
        self.reask = reask
        self._modes: dict[str, str] = {}

    async def __call__(self, request: PromptRequest, call_next: CallNext) -> PromptResult:
        schema = request.output_schema
        if schema is None:
            return await call_next(request)

        prepared = self._prepare(request, schema)
        result = self._interpret(await call_next(prepared), schema)
        if not self._should_reask(result, request):
            return result

        second = self._interpret(await call_next(_reask_request(prepared, result)), schema)
        second.following(result)
        second.record("JsonOnly", "reasked", after_category=OutcomeCategory.INVALID_OUTPUT.value)
        return second

    def _prepare(self, request: PromptRequest, schema: type[BaseModel]) -> PromptRequest:
        compact = json.dumps(schema.model_json_schema(), separators=(",", ":"))
        instruction = Message(role="system", content=self.instruction.replace("{schema}", compact))
        update: dict[str, Any] = {"messages": [*request.messages, instruction]}

        mode = self._provider_mode(request.model) if self.provider_mode else "none"
        options = request.provider_options
        if "response_format" not in options:
            if mode == "schema":
                update["provider_options"] = {**options, "response_format": schema}
            elif mode == "json_object":
                update["provider_options"] = {**options, "response_format": {"type": "json_object"}}
        return request.model_copy(update=update)

    def _provider_mode(self, model: str) -> str:
        if model not in self._modes:
            self._modes[model] = _look_up_mode(model)
        return self._modes[model]

    def _interpret(self, result: PromptResult, schema: type[BaseModel]) -> PromptResult:
        if result.outcome.status is OutcomeStatus.FAILED:
            return result

        try:
            value = extract_json(result.text)
        except JsonExtractionError as error:
            category = (
                OutcomeCategory.TRUNCATED
                if error.reason is JsonFailureReason.TRUNCATED
                else OutcomeCategory.INVALID_OUTPUT
            )
            result.outcome = Outcome.failed(
                category, f"no valid JSON in the output ({error.reason.value}): {error}"
            )
            return result

        try:
            result.data = schema.model_validate(value)
        except ValidationError as error:
            result.outcome = Outcome.failed(
                OutcomeCategory.INVALID_OUTPUT,
                f"the JSON does not match {schema.__name__}: "
                f"{summarize_validation_error(error, limit=3)}",
            )
            return result

        if not _is_plain_json(result.text):
            result.record("JsonOnly", "json_extracted", chars=len(result.text))
        return result

    def _should_reask(self, result: PromptResult, request: PromptRequest) -> bool:
        if not self.reask or result.outcome.category is not OutcomeCategory.INVALID_OUTPUT:
            return False
        return has_time_to_repeat(request, result, middleware="JsonOnly", skipped="reask_skipped")


def _look_up_mode(model: str) -> str:
    from promptrunner.transport._litellm_loader import load_litellm

    litellm = load_litellm()
    try:
        if litellm.supports_response_schema(model=model):
            return "schema"
        supported = litellm.get_supported_openai_params(model=model) or []
    except Exception:
        logger.debug("litellm could not tell the JSON modes of %s", model, exc_info=True)
        return "none"
    return "json_object" if "response_format" in supported else "none"


def _is_plain_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _reask_request(request: PromptRequest, result: PromptResult) -> PromptRequest:
    echoed = result.text[:_MAX_ECHOED_OUTPUT_CHARS]
    feedback = (
        f"That answer was not valid: {result.outcome.message}. "
        "Answer again with only the JSON, nothing else."
    )
    messages = [
        *request.messages,
        Message(role="assistant", content=echoed),
        Message(role="user", content=feedback),
    ]
    return request.model_copy(update={"messages": messages})
