"""Plugin providers' settings: a distribution registering a provider under
`evidra.collectors` registers its settings model (a pydantic model) under the
entry-point group `evidra.settings`, with the same name. A config section
`providers.<name>` that no built-in field takes is validated by that model, with the
same error messages as a built-in section; unknown keys are errors there too (the model
is made to forbid them), and a provider no plugin names is an unknown key.

Only the models of providers the config names are imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from evidra.config.settings import Providers, Settings

ENTRY_POINTS = "evidra.settings"


class PluginError(ValueError):
    """A plugin whose settings cannot be used; the message names the plugin."""


@cache
def settings_model(provider: str) -> type[BaseModel] | None:
    """The settings model a plugin registers for `provider`, made strict; None if none does."""
    for point in entry_points(group=ENTRY_POINTS, name=provider):
        try:
            model = point.load()
        except Exception as exc:
            raise PluginError(f"plugin settings {point.value!r} for provider {provider!r}: {exc}") from exc
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise PluginError(
                f"plugin settings {point.value!r} for provider {provider!r} is not a pydantic model"
            )
        if model.model_config.get("extra") == "forbid":
            return model
        strict: type[BaseModel] = type(
            model.__name__,
            (model,),
            {"model_config": ConfigDict(extra="forbid"), "__module__": model.__module__},
        )
        return strict
    return None


def settings_class(providers: Iterable[str]) -> type[Settings]:
    """`Settings`, with a field for each named provider a plugin gives settings for."""
    fields: dict[str, Any] = {}
    for name in providers:
        if name in Providers.model_fields:
            continue
        model = settings_model(name)
        if model is not None:
            fields[name] = (model | None, None)
    if not fields:
        return Settings
    with_plugins = create_model("Providers", __base__=Providers, **fields)
    settings: type[Settings] = create_model(
        "Settings", __base__=Settings, providers=(with_plugins, Field(default_factory=with_plugins))
    )
    return settings
