"""Token counting with tiktoken: which encoding a model uses, loaded without the network.

tiktoken is imported on the first call of `load_encoding`, never at import of promptrunner,
and only after `prepare_offline_environment` has pointed it at the encodings that ship
inside litellm's wheel.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from promptrunner.errors import ConfigurationError
from promptrunner.transport._offline import prepare_offline_environment

__all__ = [
    "CL100K",
    "ESTIMATE_ENCODING",
    "O200K",
    "EncodingChoice",
    "TokenEncoding",
    "choose_encoding",
    "load_encoding",
    "model_family_name",
    "text_parts",
]

O200K = "o200k_base"
CL100K = "cl100k_base"

ESTIMATE_ENCODING = O200K
"""The encoding used to estimate the tokens of a model whose tokenizer is not tiktoken's."""

# Model families are matched at the start of the bare model name and must be followed by
# the end of the name or by "-", "." or ":" (gpt-4o-2024-08-06, gpt-5.1, gpt-oss:20b).
# The o200k families come first, so that "gpt-4o" never matches the cl100k family "gpt-4".
# gpt-oss uses o200k_harmony, which has o200k_base's tokens plus special tokens that
# ordinary text never produces, so o200k_base counts its text exactly.
_O200K_FAMILIES = re.compile(
    r"(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|gpt-oss|o[1-9])(?:[-.:]|$)"
)
_CL100K_FAMILIES = re.compile(
    r"(?:gpt-4|gpt-3\.5-turbo|gpt-35-turbo|gpt-3\.5"
    r"|text-embedding-3-small|text-embedding-3-large|text-embedding-ada-002"
    r"|davinci-002|babbage-002)(?:[-:]|$)"
)

_BLOB_BASE = "https://openaipublic.blob.core.windows.net"
# The files that tiktoken 0.7 to 0.14 (tiktoken_ext/openai_public.py) read for each
# encoding. tiktoken downloads a file that is not in its cache folder, so these are checked
# before an encoding is loaded.
_ENCODING_FILES: dict[str, tuple[str, ...]] = {
    "gpt2": (
        f"{_BLOB_BASE}/gpt-2/encodings/main/vocab.bpe",
        f"{_BLOB_BASE}/gpt-2/encodings/main/encoder.json",
    ),
    "r50k_base": (f"{_BLOB_BASE}/encodings/r50k_base.tiktoken",),
    "p50k_base": (f"{_BLOB_BASE}/encodings/p50k_base.tiktoken",),
    "p50k_edit": (f"{_BLOB_BASE}/encodings/p50k_base.tiktoken",),
    "cl100k_base": (f"{_BLOB_BASE}/encodings/cl100k_base.tiktoken",),
    "o200k_base": (f"{_BLOB_BASE}/encodings/o200k_base.tiktoken",),
    "o200k_harmony": (f"{_BLOB_BASE}/encodings/o200k_base.tiktoken",),
}


class TokenEncoding(Protocol):
    """The part of `tiktoken.Encoding` that token counting and clamping use."""

    @property
    def name(self) -> str: ...

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode_bytes(self, tokens: Sequence[int]) -> bytes: ...


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding for a model, and whether counts made with it are only an estimate."""

    name: str
    estimate: bool


def model_family_name(model: str) -> str:
    """Return the bare, lower-case model name: without provider prefixes or a `ft:` prefix."""
    bare = model.rsplit("/", 1)[-1].lower()
    return bare.removeprefix("ft:")


def choose_encoding(model: str) -> EncodingChoice:
    """Choose the tiktoken encoding of `model`, a litellm model string.

    OpenAI models get their own encoding. Any other model is counted with o200k_base as
    an estimate, because its real tokenizer is not available offline.
    """
    bare = model_family_name(model)
    if _O200K_FAMILIES.match(bare):
        return EncodingChoice(O200K, estimate=False)
    if _CL100K_FAMILIES.match(bare):
        return EncodingChoice(CL100K, estimate=False)
    return EncodingChoice(ESTIMATE_ENCODING, estimate=True)


def load_encoding(name: str) -> TokenEncoding:
    """Load a tiktoken encoding by name, or raise `ConfigurationError` if it needs the network."""
    prepare_offline_environment()
    import tiktoken

    known = tiktoken.list_encoding_names()
    if name not in known:
        raise ConfigurationError(
            f"Unknown tiktoken encoding {name!r}; use one of: {', '.join(sorted(known))}."
        )

    missing = _missing_encoding_files(name)
    if missing:
        offline = sorted(
            encoding for encoding in _ENCODING_FILES if not _missing_encoding_files(encoding)
        )
        raise ConfigurationError(
            f"The tiktoken encoding {name!r} is not in the local cache {missing} and loading "
            f"it would download it. Use one of the encodings available offline "
            f"({', '.join(offline)}), set TIKTOKEN_CACHE_DIR to a folder that contains it, "
            f"or pass an encoding object you loaded yourself."
        )

    encoding: TokenEncoding = tiktoken.get_encoding(name)
    return encoding


def _missing_encoding_files(name: str) -> str | None:
    """Return the cache folder when a file of encoding `name` is missing from it, else None."""
    # NOTE: Encodings from other tiktoken plugins are not in the table, so their files are
    # not checked and tiktoken may download them.
    urls = _ENCODING_FILES.get(name, ())
    cache_dir = _tiktoken_cache_dir()
    if cache_dir is None:
        return "(caching disabled)" if urls else None

    for url in urls:
        cache_key = hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
        if not (cache_dir / cache_key).is_file():
            return str(cache_dir)
    return None


def _tiktoken_cache_dir() -> Path | None:
    """Return the folder tiktoken reads cached files from, as tiktoken.load chooses it."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            value = os.environ[variable]
            return Path(value) if value else None
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def text_parts(content: str | list[dict[str, Any]] | None) -> list[tuple[int | None, str]]:
    """Return the texts of a message content with their positions.

    A string content is one text at position None. A list content gives each text part
    (`{"type": "text", "text": ...}`) with its index in the list. Other parts, such as
    images, carry no text and are left out.
    """
    if content is None:
        return []
    if isinstance(content, str):
        return [(None, content)]
    return [
        (index, part["text"])
        for index, part in enumerate(content)
        if part.get("type") == "text" and isinstance(part.get("text"), str)
    ]
