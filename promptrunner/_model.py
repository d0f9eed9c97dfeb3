"""The pydantic base of promptrunner's own models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from promptrunner.errors import ConfigurationError

__all__ = ["StrictModel", "summarize_validation_error"]


def summarize_validation_error(error: ValidationError, *, limit: int = 5) -> str:
    """Summarize pydantic's validation errors in one line, as `field: problem; ...`."""
    parts = []
    for item in error.errors()[:limit]:
        location = ".".join(str(part) for part in item["loc"]) or "value"
        parts.append(f"{location}: {item['msg']}")

    hidden = error.error_count() - limit
    if hidden > 0:
        parts.append(f"and {hidden} more")
    return "; ".join(parts)


class StrictModel(BaseModel):
    """A pydantic model whose construction raises `ConfigurationError` for invalid fields."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise ConfigurationError(
                f"Invalid {type(self).__name__}: {summarize_validation_error(error)}."
            ) from error
