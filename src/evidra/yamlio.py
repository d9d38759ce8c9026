"""YAML loading with the C parser when PyYAML has it: the catalog loads on every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class AliasRefused(yaml.YAMLError):
    """An anchor or alias in a document that refuses them; says where, like PyYAML's errors."""

    def __init__(self, mark: Any) -> None:
        super().__init__("anchors and aliases (&name, *name) are not allowed here")
        self.problem = "anchors and aliases (&name, *name) are not allowed in a config file"
        self.problem_mark = mark


def load_yaml(text: str | bytes, *, aliases: bool = True) -> Any:
    """The document; with `aliases=False`, one holding an anchor or alias is refused
    before anything is built (a "billion laughs" nest of aliases expands to gigabytes)."""
    if not aliases:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise AliasRefused(event.start_mark)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader


def load_yaml_file(path: Path) -> Any:
    return load_yaml(path.read_bytes())
