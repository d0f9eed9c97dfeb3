"""Environment settings that keep litellm and tiktoken off the network.

`import litellm` fetches a model cost map over the network unless
`LITELLM_LOCAL_MODEL_COST_MAP` is true, and tiktoken downloads its encodings unless
`TIKTOKEN_CACHE_DIR` names a folder that already contains them. litellm's wheel ships
cl100k_base, o200k_base and p50k_base in `litellm/litellm_core_utils/tokenizers`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["litellm_tokenizer_dir", "prepare_offline_environment"]


def litellm_tokenizer_dir() -> Path | None:
    """Return the folder of tiktoken encodings in the installed litellm, without importing it."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None

    for package_dir in spec.submodule_search_locations:
        tokenizer_dir = Path(package_dir) / "litellm_core_utils" / "tokenizers"
        if tokenizer_dir.is_dir():
            return tokenizer_dir
    return None


def prepare_offline_environment() -> None:
    """Set the variables that keep litellm and tiktoken offline, unless the user set them.

    Call this before the first `import litellm`. A user who wants litellm's remote cost map
    sets `LITELLM_LOCAL_MODEL_COST_MAP=False`. A user with their own tiktoken cache sets
    `TIKTOKEN_CACHE_DIR`, which is then also passed to litellm as `CUSTOM_TIKTOKEN_CACHE_DIR`,
    because litellm otherwise replaces `TIKTOKEN_CACHE_DIR` with its own folder.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

    user_cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if user_cache_dir:
        os.environ.setdefault("CUSTOM_TIKTOKEN_CACHE_DIR", user_cache_dir)
        return

    tokenizer_dir = litellm_tokenizer_dir()
    if tokenizer_dir is not None:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(tokenizer_dir)
