"""aiohttp request handlers of the provider simulator.

Every wait here is bounded: a wait ends when the server stops, when the client
disconnects (the runner cancels the handler), or after its own limit, whichever comes
first. Reading a request body takes at most ``BODY_READ_TIMEOUT_SECONDS``, and a
``hang`` or a ``trickle`` lasts at most ``MAX_CONNECTION_SECONDS``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict

from promptrunner.simulator.recording import RecordedRequest, redact_headers
from promptrunner.simulator.responses import (
    CREATED,
    completion_body,
    error_body,
    error_response,
    malformed_body,
)
from promptrunner.simulator.scenarios import (
    MAX_CONNECTION_SECONDS,
    MODEL_PREFIX,
    SCENARIOS,
    TRICKLE_INTERVAL_SECONDS,
    ScenarioKind,
    Step,
    UnknownScenarioError,
)
from promptrunner.simulator.script import steps_for_model
from promptrunner.simulator.streaming import DONE_EVENT, stream_events

if TYPE_CHECKING:
    from collections.abc import Mapping

    from promptrunner.simulator.state import SimulatorState

__all__ = [
    "BODY_READ_TIMEOUT_SECONDS",
    "CONTEXT_KEY",
    "ServerContext",
    "handle_chat_completions",
    "handle_models",
    "openai_error",
]

BODY_READ_TIMEOUT_SECONDS = 60.0
"""Maximum time to receive a request body before the request gets a 408 error."""

JSON_CONTENT_TYPE = "application/json"
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"

logger = logging.getLogger("promptrunner.simulator")


@dataclass(frozen=True)
class ServerContext:
    """State and stop event shared by the handlers."""

    state: SimulatorState
    stopping: asyncio.Event

    async def wait_for_stop(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, and return True if the server began to stop meanwhile."""
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return False

        return True


CONTEXT_KEY = web.AppKey("context", ServerContext)


def openai_error(
    status: int,
    message: str,
    *,
    error_type: str = "invalid_request_error",
    code: str | None = None,
) -> web.Response:
    """Log the rejection of a request and return a JSON response with an OpenAI error body."""
    logger.info("Rejected a request with status %d (%s): %s", status, code, message)

    body = json.dumps(error_body(message, error_type, code)).encode()
    return web.Response(body=body, status=status, content_type=JSON_CONTENT_TYPE)


def _headers(content_type: str, extra: Mapping[str, str]) -> CIMultiDict[str]:
    """Return response headers with ``extra`` winning over the content type."""
    headers: CIMultiDict[str] = CIMultiDict({"Content-Type": content_type})
    headers.update(extra)
    return headers


def _drop_connection(request: web.BaseRequest) -> web.Response:
    """Close the connection without a response, and return a response that is never sent."""
    transport = request.transport
    if transport is not None:
        transport.abort()

    return web.Response()


def _reset_connection(request: web.BaseRequest) -> web.Response:
    """Abort the connection with a TCP RST (SO_LINGER 0), without a response."""
    transport = request.transport
    if transport is None:
        return web.Response()

    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError as exc:
            # NOTE: where the linger option has another layout (Windows), the abort
            # below may close with FIN instead of RST.
            logger.debug("Setting SO_LINGER failed, aborting without it: %s", exc)

    transport.abort()
    return web.Response()


async def handle_models(request: web.Request) -> web.Response:
    """List every ``sim-<scenario>`` model and every scripted model."""
    context = request.app[CONTEXT_KEY]

    names = [f"{MODEL_PREFIX}{name}" for name in SCENARIOS]
    if context.state.script is not None:
        names.extend(context.state.script.models)

    models = [
        {"id": name, "object": "model", "created": CREATED, "owned_by": "promptrunner-simulator"}
        for name in names
    ]
    return web.json_response({"object": "list", "data": models})


async def handle_chat_completions(request: web.Request) -> web.StreamResponse:
    """Read, record and validate a chat completion request, then play its model's next step."""
    context = request.app[CONTEXT_KEY]

    try:
        raw_body = await asyncio.wait_for(request.read(), timeout=BODY_READ_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return openai_error(
            408,
            f"Request body not received within {BODY_READ_TIMEOUT_SECONDS:g} seconds. "
            "Send the whole body that Content-Length announces.",
            code="request_timeout",
        )

    received_at = time.monotonic()
    body = _parse_json_object(raw_body)
    if isinstance(body, web.Response):
        return body

    model = body.get("model")
    context.state.record(
        RecordedRequest(
            model=model if isinstance(model, str) else "",
            body=body,
            headers=redact_headers(request.headers.items()),
            received_at=received_at,
        )
    )

    if not isinstance(model, str) or not model:
        return openai_error(
            400, f"Invalid 'model' {model!r}: expected a model name string.", code="invalid_model"
        )
    if not isinstance(body.get("messages"), list):
        return openai_error(
            400,
            f"Invalid 'messages' {body.get('messages')!r}: expected a list of message objects.",
            code="invalid_messages",
        )

    try:
        steps = steps_for_model(model, context.state.script)
    except UnknownScenarioError as exc:
        return _model_not_found(exc)
    except ValueError as exc:
        return openai_error(400, str(exc), code="invalid_scenario_argument")

    step = context.state.next_step(model, steps)
    logger.debug("Playing scenario %r for model %r", step.scenario, model)
    return await _play_step(request, context, step, body, model)


def _parse_json_object(raw_body: bytes) -> dict[str, Any] | web.Response:
    """Return the body as a JSON object, or the 400 response that rejects it."""
    try:
        body = json.loads(raw_body)
    except ValueError as exc:
        return openai_error(
            400,
            f"Invalid request body: not valid JSON ({exc}). "
            "Send a JSON object with 'model' and 'messages'.",
            code="invalid_json",
        )

    if not isinstance(body, dict):
        return openai_error(
            400,
            f"Invalid request body: expected a JSON object with 'model' and 'messages', "
            f"got {type(body).__name__}.",
            code="invalid_json",
        )

    return body


def _model_not_found(error: UnknownScenarioError) -> web.Response:
    """Return the 404 for an unknown model.

    The message names only the unknown part of the model name and points to
    GET /v1/models in place of listing the scenarios, because litellm (1.110) classifies
    any error whose body text contains "rate-limit" as RateLimitError, whatever the status.
    """
    return openai_error(
        404,
        f"The model does not exist: {error.name!r} is neither a scripted model nor 'sim-' "
        "followed by a known scenario. Join 'sim-<scenario>' names with '+' for a sequence. "
        "GET /v1/models lists the valid names.",
        code="model_not_found",
    )


async def _play_step(
    request: web.Request,
    context: ServerContext,
    step: Step,
    body: dict[str, Any],
    model: str,
) -> web.StreamResponse:
    """Wait for the step's delay, then respond as its scenario does."""
    if step.wait_seconds and await context.wait_for_stop(step.wait_seconds):
        return _drop_connection(request)

    if step.kind is ScenarioKind.HANG:
        await context.wait_for_stop(MAX_CONNECTION_SECONDS)
        return _drop_connection(request)

    if step.kind is ScenarioKind.RESET:
        return _reset_connection(request)

    if step.kind is ScenarioKind.ERROR:
        error = error_response(step)
        return web.Response(
            body=json.dumps(error.body).encode(),
            status=error.status,
            headers=_headers(JSON_CONTENT_TYPE, error.headers),
        )

    stream = body.get("stream") is True
    response_id = context.state.next_response_id()

    if step.kind is ScenarioKind.MALFORMED:
        return _malformed_response(step, response_id, model, stream=stream)

    completion = completion_body(step, body, response_id=response_id, model=model)
    status = step.status or 200

    if step.kind is ScenarioKind.TRICKLE:
        if stream:
            payload = b"".join(stream_events(completion, include_usage=_include_usage(body)))
            headers = _headers(SSE_CONTENT_TYPE, step.headers)
        else:
            payload = json.dumps(completion).encode()
            headers = _headers(JSON_CONTENT_TYPE, step.headers)
        return await _trickle(request, context, payload, status, headers)

    if stream:
        events = stream_events(completion, include_usage=_include_usage(body))
        return await _stream(request, events, status, _headers(SSE_CONTENT_TYPE, step.headers))

    return web.Response(
        body=json.dumps(completion).encode(),
        status=status,
        headers=_headers(JSON_CONTENT_TYPE, step.headers),
    )


def _include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _malformed_response(step: Step, response_id: str, model: str, *, stream: bool) -> web.Response:
    payload = malformed_body(response_id, model)

    if stream:
        return web.Response(
            body=b"data: " + payload + b"\n\n" + DONE_EVENT,
            status=step.status or 200,
            headers=_headers(SSE_CONTENT_TYPE, step.headers),
        )

    return web.Response(
        body=payload, status=step.status or 200, headers=_headers(JSON_CONTENT_TYPE, step.headers)
    )


async def _stream(
    request: web.Request, events: list[bytes], status: int, headers: CIMultiDict[str]
) -> web.StreamResponse:
    """Send ``events`` as a chunked response, one write per event."""
    response = web.StreamResponse(status=status, headers=headers)
    response.headers["Cache-Control"] = "no-cache"
    await response.prepare(request)

    try:
        for event in events:
            await response.write(event)
        await response.write_eof()
    except ConnectionError as exc:
        logger.debug("Client disconnected during a stream: %s", exc)

    return response


async def _trickle(
    request: web.Request,
    context: ServerContext,
    payload: bytes,
    status: int,
    headers: CIMultiDict[str],
) -> web.StreamResponse:
    """Send the headers with the full Content-Length, then one byte per interval.

    The connection is dropped if the server stops or ``MAX_CONNECTION_SECONDS`` pass first.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_CONNECTION_SECONDS

    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = len(payload)
    await response.prepare(request)

    try:
        for index in range(len(payload)):
            if index > 0:
                stopping = await context.wait_for_stop(TRICKLE_INTERVAL_SECONDS)
                if stopping or loop.time() >= deadline:
                    _drop_connection(request)
                    return response
            await response.write(payload[index : index + 1])
        await response.write_eof()
    except ConnectionError as exc:
        logger.debug("Client disconnected during a trickle: %s", exc)

    return response
