"""Take the JSON object or array out of a model's output text.

`extract_json` skips reasoning blocks, looks in Markdown fences and then in prose, and
applies only repairs that cannot change the data. Every failure raises
`JsonExtractionError`, whose `reason` distinguishes a cut-off output (`truncated`)
from an invalid one (`invalid`) and from one without JSON (`no_json`).
"""

from promptrunner.jsonout._extract import JsonExtractionError, JsonFailureReason, extract_json

__all__ = ["JsonExtractionError", "JsonFailureReason", "extract_json"]
