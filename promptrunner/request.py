"""The request of one AI step: the model, the messages and the limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    InstanceOf,
    PositiveInt,
    field_validator,
)

from promptrunner._model import StrictModel
from promptrunner.deadline import Deadline
from promptrunner.errors import ConfigurationError

__all__ = ["Message", "PromptRequest", "ReasoningEffort"]

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]

# Options that PromptRequest or the transport set themselves. A provider option may not
# override them, because that would bypass the deadline, the retry policy or the key handling.
RESERVED_PROVIDER_OPTIONS = {
    "api_key": "LiteLLMTransport(api_key=...)",
    "max_completion_tokens": "max_output_tokens",
    "max_retries": "nothing: retries belong to the middleware chain",
    "max_tokens": "max_output_tokens",
    "messages": "messages",
    "model": "model",
    "num_retries": "nothing: retries belong to the middleware chain",
    "reasoning_effort": "reasoning_effort",
    "request_timeout": "timeout",
    "stream": "nothing: streaming is not supported yet",
    "timeout": "timeout",
}


class Message(StrictModel):
    """One chat message in the OpenAI format that litellm takes.

    `clampable` marks a user or assistant message whose text a budget clamp may shorten.
    Nothing else is ever clamped, and a clamp rejects a system or developer message that
    carries the mark. Extra keys (such as `tool_calls` or `tool_call_id`) pass through to the
    provider unchanged.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None
    name: str | None = None
    clampable: bool = False

    def to_provider(self) -> dict[str, Any]:
        """Return the message as the dict litellm sends, without promptrunner's own keys."""
        return self.model_dump(exclude={"clampable"}, exclude_none=True)


class PromptRequest(StrictModel):
    """One AI step: which model to ask, what to send, and within which limits.

    `timeout` is the per-call timeout in seconds; each attempt waits for the smaller of it
    and what is left of the run's deadline. `deadline` is set by the runner for every run
    (from `Runner.run(deadline=...)` or the runner's default budget) and travels with the
    request through the middleware chain, so each layer can see the time left.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    max_output_tokens: PositiveInt | None = None
    reasoning_effort: ReasoningEffort | None = None
    output_schema: type[BaseModel] | None = None
    timeout: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    step: str = Field(default="prompt", min_length=1)
    tags: dict[str, str] = Field(default_factory=dict)
    provider_options: dict[str, Any] = Field(default_factory=dict)
    deadline: InstanceOf[Deadline] | None = Field(default=None, exclude=True, repr=False)

    @field_validator("model")
    @classmethod
    def _model_has_no_spaces(cls, model: str) -> str:
        if model != model.strip() or " " in model:
            raise ValueError(
                "a model name has no spaces; use a litellm model string such as "
                "'openai/gpt-4o-mini'"
            )
        return model

    @field_validator("provider_options")
    @classmethod
    def _provider_options_are_not_reserved(cls, options: dict[str, Any]) -> dict[str, Any]:
        for key, replacement in RESERVED_PROVIDER_OPTIONS.items():
            if key in options:
                raise ValueError(f"{key!r} is not a provider option here; set {replacement}")
        return options

    @classmethod
    def from_prompt(
        cls, prompt: str, *, model: str, system: str | None = None, **fields: Any
    ) -> PromptRequest:
        """Build a request from one user prompt and an optional system prompt."""
        if not prompt.strip():
            raise ConfigurationError("The prompt is empty; give some text to send.")
        messages = [] if system is None else [Message(role="system", content=system)]
        messages.append(Message(role="user", content=prompt))
        return cls(model=model, messages=messages, **fields)
