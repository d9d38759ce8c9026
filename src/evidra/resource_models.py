"""Typed models of the normalized types, generated from `resource_types.RESOURCE_TYPES`.

Each attribute's description there starts with its type, which is machine-checked:

    bool | int | float | str | timestamp | date | list[str] | list[date]
    | dict[str, str] | dict[str, int]      optionally followed by " or None", then ": words"

and a pydantic model per type is built from it (strict: `"true"` is not a bool, `1` is
not a bool, `True` is not an int). `collectors.base.observation` validates every
observation's attributes as it is built, so a collector that emits the wrong type fails
its reader loudly (an `error` for its types) instead of making a control fail silently.
An attribute may always be absent or None (a provider without the notion); an attribute
the type does not declare is an error.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
)

from evidra.resource_types import RESOURCE_TYPES


def _timestamp(value: str) -> str:
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # ValueError: not ISO 8601
    return value


def _date(value: str) -> str:
    date.fromisoformat(value)
    return value


Timestamp = Annotated[StrictStr, AfterValidator(_timestamp)]
Date = Annotated[StrictStr, AfterValidator(_date)]

TYPES: dict[str, Any] = {
    "bool": StrictBool,
    "int": StrictInt,
    "float": StrictInt | Annotated[float, Field(strict=True)],
    "str": StrictStr,
    "timestamp": Timestamp,
    "date": Date,
    "list[str]": list[StrictStr],
    "list[date]": list[Date],
    "dict[str, str]": dict[StrictStr, StrictStr],
    "dict[str, int]": dict[StrictStr, StrictInt],
}
_LEADING = re.compile(
    r"^(?P<type>" + "|".join(re.escape(name) for name in TYPES) + r")(?P<optional> or None)?(?::|$)"
)


class AttributeTypeError(ValueError):
    """An observation whose attributes do not match its type's declaration."""


def leading_type(description: str) -> tuple[str, bool]:
    """(the declared type, whether the description says it may be None)."""
    match = _LEADING.match(description)
    if match is None:
        raise AttributeTypeError(
            f"description {description!r} does not start with a type ({', '.join(TYPES)}, "
            "optionally ' or None', then ':')"
        )
    return match.group("type"), bool(match.group("optional"))


@cache
def model(type_name: str) -> type[BaseModel]:
    """The pydantic model of one normalized type; every attribute optional (None allowed)."""
    fields: dict[str, Any] = {}
    for attribute, description in RESOURCE_TYPES[type_name].items():
        declared, _ = leading_type(description)
        fields[attribute] = (TYPES[declared] | None, None)
    built: type[BaseModel] = create_model(
        "".join(part.title() for part in re.split(r"[._]", type_name)),
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    return built


def validate(type_name: str, attributes: dict[str, Any]) -> None:
    """Raise AttributeTypeError naming the first attribute that is not as declared."""
    if type_name not in RESOURCE_TYPES:
        raise AttributeTypeError(f"unknown resource type {type_name!r} (declare it in resource_types.py)")
    try:
        model(type_name).model_validate(attributes)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        attribute = str(error["loc"][0])
        if error["type"] == "extra_forbidden":
            raise AttributeTypeError(f"{type_name}.{attribute} is not an attribute of {type_name}") from None
        declared, _ = leading_type(RESOURCE_TYPES[type_name][attribute])
        raise AttributeTypeError(
            f"{type_name}.{where}: expected {declared}, got {attributes.get(attribute)!r}"
        ) from None
