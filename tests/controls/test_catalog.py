"""The catalog is data: it must load, stay consistent with the packaged policy
requirements, and be complete enough for an auditor to read."""

from __future__ import annotations

import pytest

from evidra.controls.catalog import CatalogError, catalog, parse_control, select
from evidra.controls.requirements import default_parameters, requirements


def test_requirements_are_the_policy_set():
    reqs = requirements()
    assert len(reqs) == 132
    assert reqs["pwd.min_length"].parameters["min_length_standard"].value == 12
    assert reqs["pwd.min_length"].parameters["min_length_privileged"].value == 16
    assert reqs["key.rotation.data_keys"].parameters["max_rotation_interval_days"].value == 365
    assert reqs["enc.in_transit.tls_min_version"].parameters["min_tls_version"].value == "1.2"
    assert default_parameters()["pwd.max_age.max_age_days"] == 90


def test_every_control_names_real_requirements_and_their_criteria():
    reqs = requirements()
    controls = catalog()
    assert len(controls) >= 20
    for control in controls.values():
        assert control.requirements, control.id
        assert control.description, f"{control.id} has no description for the auditor"
        for req in control.requirements:
            assert set(reqs[req].tsc) <= set(control.tsc), control.id


def test_issue_requirement_ids_are_evidenced():
    evidenced = {req for c in catalog().values() for req in c.requirements}
    for req in [
        "mfa.all_workforce",
        "mfa.privileged",
        "pwd.min_length",
        "pwd.complexity",
        "pwd.max_age",
        "pwd.history",
        "enc.at_rest",
        "data.no_public_exposure",
        "enc.in_transit.tls_min_version",
        "key.rotation.data_keys",
        "key.rotation.api_keys",
        "log.audit_trail_enabled",
        "log.integrity",
    ]:
        assert req in evidenced, req


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"id": "x", "title": "t", "requirements": ["nope"], "resource_types": ["account"], "check": []},
            "unknown requirement",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["bogus"],
                "check": [],
            },
            "unknown resource type",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["storage.bucket"],
                "check": [{"attr": "colour", "equals": 1}],
            },
            "not an attribute",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["storage.bucket"],
                "check": [{"attr": "encrypted", "equals": True, "at_most": 1}],
            },
            "exactly one",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["storage.bucket"],
                "check": [{"attr": "encrypted", "equals": "${pwd.nope.nothing}"}],
            },
            "unknown parameter",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["storage.bucket"],
                "check": [{"attr": "encrypted", "equals": True, "fail": "{colour}"}],
            },
            "unknown attribute",
        ),
        (
            {
                "id": "x",
                "title": "t",
                "requirements": ["enc.at_rest"],
                "resource_types": ["storage.bucket"],
                "check": [],
                "colour": "high",
            },
            "unknown keys",
        ),
    ],
)
def test_bad_control_definitions_are_refused(spec, message):
    with pytest.raises(CatalogError, match=message):
        parse_control(spec, "test.yaml")


def test_select_names_unknown_controls():
    assert [c.id for c in select(["bucket-encryption"])] == ["bucket-encryption"]
    with pytest.raises(CatalogError, match="unknown control no-such-control"):
        select(["bucket-encryption", "no-such-control"])


def test_the_docs_controls_reference_lists_every_control():
    """The docs site's table is generated from the catalog (docs/hooks/catalog.py)."""
    from pathlib import Path

    from evidra.output.catalog_markdown import controls_table, parameters_table

    page = (Path(__file__).parents[2] / "docs" / "controls.md").read_text()
    assert "<!-- evidra:controls-table -->" in page and "<!-- evidra:parameters-table -->" in page
    controls = list(catalog().values())
    table = controls_table(controls)
    for control in controls:
        assert f"| `{control.id}` | {control.title} |" in table, f"the controls reference lacks {control.id}"
    assert "| `pwd.min_length.min_length_standard` | 12 characters |" in parameters_table(controls)
