"""What an organisation's tags (AWS, Azure) and labels (GCP) say about a resource: the
class of data it holds, and the environment it belongs to. Keys are matched without
regard to case, `-` or `_` (GCP labels are lower case, AWS tags usually are not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLASSIFICATION_KEYS = ("dataclassification", "classification", "dataclass")
ENVIRONMENT_KEYS = ("environment", "env", "stage")
UNKNOWN_ENVIRONMENT = "unknown"
_ENVIRONMENT_NAMES = {"prod": "production", "prd": "production", "live": "production",
                      "dev": "development", "stg": "staging", "stage": "staging",
                      "tst": "test", "testing": "test", "qa": "test"}  # fmt: skip


def _normalized(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {
        str(key).lower().replace("-", "").replace("_", ""): str(value).strip()
        for key, value in (tags or {}).items()
        if value is not None and str(value).strip()
    }


def classification_of(tags: Mapping[str, Any] | None) -> str | None:
    """The data classification a resource is labelled with (Public, Internal,
    Confidential, or whatever else it says), or None when it carries none."""
    found = _normalized(tags)
    for key in CLASSIFICATION_KEYS:
        if key in found:
            value = found[key]
            return value.capitalize() if value.lower() in ("public", "internal", "confidential") else value
    return None


def environment_of(tags: Mapping[str, Any] | None) -> str:
    """The environment a resource is tagged with (production, staging ...), or `unknown`."""
    found = _normalized(tags)
    for key in ENVIRONMENT_KEYS:
        if key in found:
            value = found[key].lower()
            return _ENVIRONMENT_NAMES.get(value, value)
    return UNKNOWN_ENVIRONMENT


def aws_tags(tag_list: list[dict[str, Any]] | None) -> dict[str, Any]:
    """AWS's [{"Key": ..., "Value": ...}] as a mapping."""
    return {str(t["Key"]): t.get("Value") for t in tag_list or [] if t.get("Key")}
