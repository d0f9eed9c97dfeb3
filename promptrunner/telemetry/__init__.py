"""OpenTelemetry traces and metrics of runs, through the OpenTelemetry API only.

Each run gets a span named `run {step}`; each transport attempt a child span named
`chat {model}` that follows the OpenTelemetry semantic conventions for generative AI
clients. Middleware decisions are events on the run span. The instruments are
`gen_ai.client.operation.duration`, `gen_ai.client.token.usage` and
`promptrunner.runs`. See docs/tracing.md for the attribute list.
"""

from promptrunner.telemetry._content import CAPTURE_CONTENT_ENV, MAX_CONTENT_CHARS
from promptrunner.telemetry._telemetry import INSTRUMENTATION_SCOPE, RunTrace, Telemetry

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "INSTRUMENTATION_SCOPE",
    "MAX_CONTENT_CHARS",
    "RunTrace",
    "Telemetry",
]
