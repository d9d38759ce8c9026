"""YAML loading with the C parser when PyYAML has it: the catalog loads on every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def load_yaml(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader


def load_yaml_file(path: Path) -> Any:
    return load_yaml(path.read_bytes())
