"""The control catalog: one YAML file per control in `catalog/`, like Prowler's
metadata beside each check, and Cloud Custodian's declarative filters.

    id: identity-user-mfa
    title: People who sign in with a password have MFA
    description: ...            # what the control checks, for the auditor
    requirements: [mfa.all_workforce]
    resource_types: [identity.user]
    where:  [clauses]           # the population: resources this control judges
    check:  [clauses]           # in order; the first that does not hold fails the resource
    pass: "MFA device active"   # the reason shown for a pass
    frequency: daily

SOC 2 criteria come from the requirements (plus `tsc:` for any the control adds), so
a control cannot drift from the policy it evidences. The catalog is validated when it
loads: every requirement id, parameter, resource type and attribute must exist.

Beside the packaged controls, the catalog holds those of plugin distributions (entry-point
group `evidra.controls`, the value a package whose folder holds the YAML files) and of
the folders the config's `controls.paths` names, validated the same way; a control id
defined twice is an error naming both files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from evidra.controls.conditions import Condition, ConditionError, parse_condition, placeholders
from evidra.controls.requirements import requirements
from evidra.resource_types import RESOURCE_TYPES
from evidra.yamlio import load_yaml

_FIELDS = {
    "id",
    "title",
    "description",
    "requirements",
    "tsc",
    "resource_types",
    "where",
    "check",
    "pass",
    "frequency",
    "severity",
    "remediation",
}
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    description: str
    requirements: tuple[str, ...]
    tsc: tuple[str, ...]
    resource_types: tuple[str, ...]
    where: tuple[Condition, ...]
    check: tuple[Condition, ...]
    pass_reason: str
    frequency: str
    severity: str = "medium"  # how bad a failure is: low | medium | high | critical
    remediation: str = ""  # what to do about a failure, for the engineer reading it

    @property
    def requirement(self) -> str:
        """The requirement a result is reported under: the first, the one the control was written for."""
        return self.requirements[0]

    def parameters(self) -> list[str]:
        names = [name for clause in self.where + self.check for name in clause.parameters()]
        return list(dict.fromkeys(names))


class CatalogError(ValueError):
    pass


def parse_control(spec: dict[str, Any], source: str) -> Control:
    if not isinstance(spec, dict):
        raise CatalogError(f"{source}: a control is a mapping")
    unknown = set(spec) - _FIELDS
    missing = {"id", "title", "requirements", "resource_types", "check"} - set(spec)
    if unknown or missing:
        raise CatalogError(f"{source}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    known_requirements = requirements()
    for req in spec["requirements"]:
        if req not in known_requirements:
            raise CatalogError(f"{source}: unknown requirement {req!r}")
    tsc: list[str] = []
    for req in spec["requirements"]:
        tsc.extend(known_requirements[req].tsc)
    tsc.extend(spec.get("tsc", []))
    types = tuple(spec["resource_types"])
    for type_name in types:
        if type_name not in RESOURCE_TYPES:
            raise CatalogError(f"{source}: unknown resource type {type_name!r}")
    try:
        where = tuple(parse_condition(c, f"{source} where") for c in spec.get("where", []))
        check = tuple(parse_condition(c, f"{source} check") for c in spec["check"])
    except ConditionError as exc:
        raise CatalogError(str(exc)) from None
    attributes = set().union(*(RESOURCE_TYPES[t] for t in types))
    for condition in where + check:
        for attr in condition.attrs():
            if attr not in attributes:
                raise CatalogError(f"{source}: {attr!r} is not an attribute of {', '.join(types)}")
        for reason in condition.reasons():
            for field in placeholders(reason):
                if field not in ("limit", "due") and field not in attributes:
                    raise CatalogError(f"{source}: reason uses unknown attribute {field!r}")
    severity = str(spec.get("severity", "medium"))
    if severity not in SEVERITIES:
        raise CatalogError(f"{source}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    control = Control(
        id=spec["id"],
        title=spec["title"],
        description=" ".join(str(spec.get("description", "")).split()),
        requirements=tuple(spec["requirements"]),
        tsc=tuple(sorted(set(tsc))),
        resource_types=types,
        where=where,
        check=check,
        pass_reason=spec.get("pass", "compliant"),
        frequency=spec.get("frequency", "daily"),
        severity=severity,
        remediation=" ".join(str(spec.get("remediation", "")).split()),
    )
    params = {f"{r.id}.{n}" for r in known_requirements.values() for n in r.parameters}
    for name in control.parameters():
        if name not in params:
            raise CatalogError(f"{source}: unknown parameter {name!r}")
    return control


ENTRY_POINTS = "evidra.controls"
_extra_paths: tuple[Path, ...] = ()


def use_paths(folders: Iterable[Path]) -> None:
    """Add the config's control folders to the catalog, and validate it now."""
    global _extra_paths
    folders = tuple(folders)
    if folders != _extra_paths:
        _extra_paths = folders
        catalog.cache_clear()
    catalog()


def _sources() -> list[tuple[Traversable, str]]:
    """Every folder of control files, with how errors name it."""
    sources: list[tuple[Traversable, str]] = [
        (resources.files("evidra.controls").joinpath("catalog"), "catalog")
    ]
    for point in sorted(entry_points(group=ENTRY_POINTS), key=lambda p: p.name):
        try:
            folder = resources.files(point.module)
        except (ImportError, TypeError) as exc:
            raise CatalogError(f"plugin controls {point.name!r} ({point.value}): {exc}") from None
        sources.append((folder, f"plugin {point.name}"))
    sources.extend((folder, str(folder)) for folder in _extra_paths)
    return sources


@cache
def catalog() -> dict[str, Control]:
    """Every control by id, in id order: the packaged ones, the plugins', the config's."""
    controls: dict[str, Control] = {}
    origin: dict[str, str] = {}
    for folder, label in _sources():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            source = f"{label}/{entry.name}"
            control = parse_control(load_yaml(entry.read_bytes()), source)
            if entry.name != f"{control.id}.yaml":
                raise CatalogError(f"{source}: file name must be the control id {control.id!r}")
            if control.id in controls:
                raise CatalogError(
                    f"{source}: control {control.id!r} is already defined in {origin[control.id]}"
                )
            controls[control.id] = control
            origin[control.id] = source
    return dict(sorted(controls.items()))


def select(ids: list[str] | None) -> list[Control]:
    """The controls named (all when none), or a CatalogError naming the unknown ones."""
    everything = catalog()
    if not ids:
        return list(everything.values())
    unknown = [i for i in ids if i not in everything]
    if unknown:
        raise CatalogError(f"unknown control {', '.join(unknown)}; see `evidra controls list`")
    return [everything[i] for i in dict.fromkeys(ids)]
