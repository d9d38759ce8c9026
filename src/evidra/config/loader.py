"""Loads and validates the config file, turning every mistake into one clear message
that names the file and the key (never a traceback)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from evidra.config.settings import Settings
from evidra.yamlio import load_yaml

DEFAULT_FILE = "evidra.yaml"
ENV_VAR = "EVIDRA_CONFIG"


class ConfigError(Exception):
    """A config the user must fix. The message says what and where."""


@dataclass(frozen=True)
class LoadedConfig:
    settings: Settings
    path: Path | None  # None: embedded defaults, no file
    parameters: dict[str, Any]  # every policy parameter in force: defaults + overrides


def _key(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item) in (
            "literal['organization']",
            "list[str]",
            "str",
            "function-after[_regions(), union]",
        ):
            continue  # pydantic's union branch labels are noise for a user
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _explain(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _validation_message(path: Path, exc: ValidationError) -> str:
    seen: dict[str, str] = {}
    for error in exc.errors():
        key = _key(tuple(error["loc"]))
        seen.setdefault(key, _explain(error))
    lines = [f"{path}: {key}: {why}" for key, why in seen.items()]
    return "invalid config\n  " + "\n  ".join(lines)


def _check_parameters(path: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    from evidra.controls.requirements import default_parameters

    parameters = default_parameters()
    for name, value in overrides.items():
        if name not in parameters:
            raise ConfigError(
                f"{path}: parameters.{name}: unknown parameter "
                "(names are <requirement id>.<parameter>, see `evidra controls list --parameters`)"
            )
        default = parameters[name]
        if default is not None and value is not None:
            expected = type(default)
            numeric = isinstance(default, int | float) and not isinstance(default, bool)
            compatible = (
                isinstance(value, int | float) and not isinstance(value, bool)
                if numeric
                else isinstance(value, expected)
            )
            if not compatible:
                raise ConfigError(
                    f"{path}: parameters.{name}: expected {expected.__name__} like {default!r}, got {value!r}"
                )
        parameters[name] = value
    return parameters


def _check_exceptions(path: Path, settings: Settings) -> None:
    from evidra.controls.catalog import catalog

    known = catalog()
    for index, rule in enumerate(settings.exceptions):
        if rule.control not in known:
            raise ConfigError(f"{path}: exceptions[{index}].control: unknown control {rule.control!r}")


def resolve_path(explicit: str | Path | None) -> Path | None:
    """The config file to read: --config, else $EVIDRA_CONFIG, else ./evidra.yaml if present."""
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    default = Path(DEFAULT_FILE)
    return default if default.is_file() else None


MAX_CONFIG_BYTES = 1 << 20  # a config is a few KB; this bounds what a mistake can cost


def _read_config(path: Path) -> bytes:
    """The file's bytes, refusing at once what is not a regular file (a FIFO or a device
    would block or never end) and anything larger than MAX_CONFIG_BYTES."""
    with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ConfigError(f"{path}: not a regular file")
        text = handle.read(MAX_CONFIG_BYTES + 1)
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; is it the config file?")
    return text


def load(explicit: str | Path | None = None) -> LoadedConfig:
    path = resolve_path(explicit)
    if path is None:
        return LoadedConfig(Settings(), None, _check_parameters(Path("(defaults)"), {}))
    try:
        text = _read_config(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    try:
        document = load_yaml(text, aliases=False)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of keys, got {type(document).__name__}")
    try:
        settings = _settings_class(path, document).model_validate(document)
    except ValidationError as exc:
        raise ConfigError(_validation_message(path, exc)) from None
    parameters = _check_parameters(path, settings.parameters)
    _use_control_paths(path, settings)
    _check_exceptions(path, settings)
    return LoadedConfig(settings, path, parameters)


def _settings_class(path: Path, document: dict[str, Any]) -> type[Settings]:
    """Settings with the plugin providers the document names (their settings models)."""
    from evidra.config.plugins import PluginError, settings_class

    providers = document.get("providers")
    try:
        return settings_class(list(providers) if isinstance(providers, dict) else [])
    except PluginError as exc:
        raise ConfigError(f"{path}: providers: {exc}") from None


def _use_control_paths(path: Path, settings: Settings) -> None:
    """Extra control folders (relative to the config file), loaded and validated now."""
    from evidra.controls.catalog import CatalogError, use_paths

    folders = [path.parent / folder for folder in settings.controls.paths]
    for index, folder in enumerate(folders):
        if not folder.is_dir():
            raise ConfigError(f"{path}: controls.paths[{index}]: {str(folder)!r} is not a folder")
    try:
        use_paths(folders)
    except CatalogError as exc:
        raise ConfigError(f"{path}: controls.paths: {exc}") from None
