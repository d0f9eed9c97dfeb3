"""Attribute and instrument names: the OpenTelemetry GenAI conventions and promptrunner's own."""

from __future__ import annotations

# OpenTelemetry semantic conventions for generative AI clients.
OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_TOP_P = "gen_ai.request.top_p"
RESPONSE_MODEL = "gen_ai.response.model"
RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
USAGE_REASONING_TOKENS = "gen_ai.usage.reasoning.output_tokens"
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
TOKEN_TYPE = "gen_ai.token.type"
ERROR_TYPE = "error.type"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"

CHAT_OPERATION = "chat"

OPERATION_DURATION = "gen_ai.client.operation.duration"
TOKEN_USAGE = "gen_ai.client.token.usage"

# promptrunner's own names. Token sums of a run live here, not under gen_ai.usage.*,
# so that a backend adding up gen_ai.usage.* over all spans counts each token once.
STEP = "promptrunner.step"
BUDGET = "promptrunner.budget_seconds"
OUTCOME_STATUS = "promptrunner.outcome.status"
OUTCOME_CATEGORY = "promptrunner.outcome.category"
OUTCOME_MESSAGE = "promptrunner.outcome.message"
RUN_REQUEST_MODEL = "promptrunner.request.model"
RUN_MODEL = "promptrunner.model"
RUN_ATTEMPTS = "promptrunner.attempts"
RUN_INPUT_TOKENS = "promptrunner.usage.input_tokens"
RUN_OUTPUT_TOKENS = "promptrunner.usage.output_tokens"
RUN_REASONING_TOKENS = "promptrunner.usage.reasoning_tokens"
RUN_COST = "promptrunner.usage.cost_usd"
REQUESTED_EFFORT = "promptrunner.reasoning_effort.requested"
EFFECTIVE_EFFORT = "promptrunner.reasoning_effort.effective"
ATTEMPT_INDEX = "promptrunner.attempt.index"
ATTEMPT_EFFORT = "promptrunner.reasoning_effort"
ATTEMPT_CATEGORY = "promptrunner.attempt.category"
ATTEMPT_COST = "promptrunner.attempt.cost_usd"
DECISION_MIDDLEWARE = "promptrunner.middleware"

RUNS = "promptrunner.runs"

# litellm's provider names mapped to the conventions' well-known gen_ai.provider.name
# values; a provider not listed keeps litellm's name.
PROVIDER_NAMES = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "azure": "azure.ai.openai",
    "azure_text": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "sagemaker": "aws.sagemaker",
    "vertex_ai": "gcp.vertex_ai",
    "vertex_ai_beta": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "watsonx": "ibm.watsonx.ai",
    "perplexity": "perplexity",
    "xai": "x_ai",
    "deepseek": "deepseek",
    "groq": "groq",
    "mistral": "mistral_ai",
}


def routing_prefix(model: str) -> str | None:
    """Return litellm's provider prefix of a model string (`openai` in `openai/gpt-4o`)."""
    prefix, slash, _ = model.partition("/")
    return prefix if slash else None


def provider_name(litellm_provider: str | None) -> str:
    """Return the gen_ai.provider.name of a provider that litellm calls `litellm_provider`."""
    if not litellm_provider:
        return "unknown"
    return PROVIDER_NAMES.get(litellm_provider, litellm_provider)


def provider_model(model: str, litellm_provider: str | None) -> str:
    """Return the model name sent to the provider, without litellm's `provider/` prefix.

    With no provider known (a call that never returned), the prefix is taken to be the
    provider, as litellm reads it.
    """
    provider = litellm_provider or routing_prefix(model)
    if provider and model.startswith(provider + "/"):
        return model[len(provider) + 1 :]
    return model
