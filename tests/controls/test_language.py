"""The condition language's groups, nested paths, port lists, registered checks and a
control's severity and remediation: parsed from YAML-shaped specs, judged by the engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evidra.controls.catalog import CatalogError, catalog, parse_control
from evidra.controls.checks import check
from evidra.controls.engine import judge
from evidra.controls.requirements import default_parameters
from evidra.model import Observation, Status

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _observation(type_: str, attributes: dict) -> Observation:
    return Observation("test", "test:1", type_, "r-1", attributes, {}, [], "tester", NOW)


def _control(check_: list, **more) -> dict:
    return {
        "id": "test-control",
        "title": "t",
        "requirements": ["log.centralised_retention"],
        "resource_types": ["logging.log_group"],
        "check": check_,
        **more,
    }


def _verdict(spec: dict, attributes: dict) -> tuple[Status, str] | None:
    control = parse_control(spec, "test.yaml")
    return judge(control, _observation(control.resource_types[0], attributes), default_parameters(), NOW)


def test_any_holds_when_one_item_holds() -> None:
    spec = _control(
        [
            {
                "any": [
                    {"attr": "retention_days", "is_set": False},
                    {"attr": "retention_days", "at_least": "${log.centralised_retention.retention_days}"},
                ],
                "fail": "kept {retention_days} days only",
            }
        ]
    )
    assert _verdict(spec, {"retention_days": None})[0] is Status.PASS  # kept forever
    assert _verdict(spec, {"retention_days": 400})[0] is Status.PASS
    assert _verdict(spec, {"retention_days": 30}) == (Status.FAIL, "kept 30 days only")


def test_not_fails_on_what_it_cannot_see() -> None:
    spec = _control([{"not": {"attr": "kms_key", "equals": "alias/aws/logs"}, "fail": "AWS-managed key"}])
    assert _verdict(spec, {"kms_key": "arn:aws:kms:eu-west-1:1:key/k"})[0] is Status.PASS
    assert _verdict(spec, {"kms_key": "alias/aws/logs"}) == (Status.FAIL, "AWS-managed key")
    assert _verdict(spec, {})[0] is Status.FAIL  # a missing key is never "not the default"


def test_all_reports_its_first_failing_item() -> None:
    spec = _control(
        [{"all": [{"attr": "retention_days", "is_set": True, "fail": "no retention"},
                  {"attr": "retention_days", "at_least": 90, "fail": "under {limit} days"}]}]
    )  # fmt: skip
    assert _verdict(spec, {"retention_days": 30}) == (Status.FAIL, "under 90 days")
    assert _verdict(spec, {}) == (Status.FAIL, "no retention")


def test_nested_attribute_paths() -> None:
    spec = _control([{"attr": "region.name", "equals": "eu-west-1", "fail": "elsewhere"}])
    assert _verdict(spec, {"region": {"name": "eu-west-1"}})[0] is Status.PASS
    assert _verdict(spec, {"region": "eu-west-1"}) == (Status.FAIL, "elsewhere")  # not a mapping
    with pytest.raises(CatalogError, match="'colour' is not an attribute"):
        parse_control(_control([{"attr": "colour.hue", "equals": 1}]), "test.yaml")


@pytest.mark.parametrize(
    ("ports", "open_"),
    [(["443"], False), (["icmp", "8000-8100"], False), (["20-23"], True), (["all"], True), (["3306"], True)],
)
def test_admin_ports_are_one_policy_parameter(ports: list[str], open_: bool) -> None:
    control = catalog()["firewall-admin-ports-closed"]
    assert control.parameters() == ["ac.network_segmentation.admin_ports"]
    verdict = judge(
        control, _observation("network.firewall_rule", {"internet_ports": ports}), default_parameters(), NOW
    )
    assert verdict is not None and (verdict[0] is Status.FAIL) is open_


def test_an_organisation_extends_the_admin_ports() -> None:
    control = catalog()["firewall-admin-ports-closed"]
    parameters = {**default_parameters(), "ac.network_segmentation.admin_ports": [22, 9200]}
    rule = _observation("network.firewall_rule", {"internet_ports": ["9200"]})
    assert judge(control, rule, parameters, NOW) == (Status.FAIL, "open to the Internet on 9200")


@check("test-retention-is-whole-weeks", reads=("retention_days",))
def _whole_weeks(attributes, parameters, now):
    days = attributes.get("retention_days")
    return None if isinstance(days, int) and days % 7 == 0 else f"{days} days is not whole weeks"


def test_a_registered_python_check_named_in_the_yaml() -> None:
    spec = _control([{"call": "test-retention-is-whole-weeks"}])
    assert _verdict(spec, {"retention_days": 364})[0] is Status.PASS
    assert _verdict(spec, {"retention_days": 30}) == (Status.FAIL, "30 days is not whole weeks")
    unreadable = {"retention_days": None, "unreadable": {"retention_days": "denied"}}
    assert _verdict(spec, unreadable) == (Status.ERROR, "retention_days could not be read: denied")
    with pytest.raises(CatalogError, match="unknown check 'no-such-check'"):
        parse_control(_control([{"call": "no-such-check"}]), "test.yaml")


def test_severity_and_remediation() -> None:
    control = parse_control(
        _control([{"attr": "retention_days", "at_least": 1}], severity="high", remediation="Set  it.\n"),
        "t.yaml",
    )
    assert (control.severity, control.remediation) == ("high", "Set it.")
    assert parse_control(_control([{"attr": "retention_days", "at_least": 1}]), "t.yaml").severity == "medium"
    with pytest.raises(CatalogError, match="severity 'urgent' is not one of low, medium, high, critical"):
        parse_control(_control([{"attr": "retention_days", "at_least": 1}], severity="urgent"), "t.yaml")


def test_every_packaged_control_says_how_bad_and_what_to_do() -> None:
    for control in catalog().values():
        assert control.remediation, f"{control.id} has no remediation"


def _finding_control(check_: dict) -> dict:
    return {
        **_control([check_]),
        "requirements": ["vuln.remediation_sla"],
        "resource_types": ["vuln.finding"],
    }


def test_date_interval_runs_to_another_attribute_or_to_the_run() -> None:
    spec = _finding_control(
        {
            "attr": "first_observed",
            "within_days": 7,
            "until": "closed_at",
            "fail": "due {due}, closed {closed_at}",
        }
    )
    fixed_in_time = {"first_observed": "2026-11-01T00:00:00Z", "closed_at": "2026-11-07T00:00:00Z"}
    fixed_late = {"first_observed": "2026-11-01T00:00:00Z", "closed_at": "2026-11-09T00:00:00Z"}
    assert _verdict(spec, fixed_in_time)[0] is Status.PASS  # 22 days ago, but closed after 6
    assert _verdict(spec, fixed_late) == (
        Status.FAIL,
        "due 2026-11-08T00:00:00Z, closed 2026-11-09T00:00:00Z",
    )
    # Open: measured to the run's time (NOW, 2026-11-23 12:00), whatever the clock says.
    assert _verdict(spec, {"first_observed": "2026-11-17T00:00:00Z", "closed_at": None})[0] is Status.PASS
    assert _verdict(spec, {"first_observed": "2026-11-15T00:00:00Z", "closed_at": None})[0] is Status.FAIL
    assert (
        _verdict(spec, {"first_observed": None, "closed_at": None})[0] is Status.FAIL
    )  # unseen: never compliant


def test_older_than_days_is_the_complement_and_fails_when_missing() -> None:
    spec = _finding_control({"attr": "first_observed", "older_than_days": 30})
    assert _verdict(spec, {"first_observed": "2026-10-01T00:00:00Z"})[0] is Status.PASS
    assert _verdict(spec, {"first_observed": "2026-11-20T00:00:00Z"})[0] is Status.FAIL
    assert _verdict(spec, {})[0] is Status.FAIL


@pytest.mark.parametrize(
    ("first", "triaged", "holidays", "status"),
    [
        ("2026-11-20T09:00:00Z", "2026-11-23T08:59:00Z", [], Status.PASS),  # Friday to Monday: weekend free
        ("2026-11-20T09:00:00Z", "2026-11-23T09:01:00Z", [], Status.FAIL),
        ("2026-11-21T10:00:00Z", "2026-11-23T23:00:00Z", [], Status.PASS),  # found Saturday: Monday counts
        ("2026-11-20T09:00:00Z", "2026-11-24T08:00:00Z", ["2026-11-23"], Status.PASS),  # Monday a holiday
        ("2026-11-20T09:00:00Z", "2026-11-24T08:00:00Z", [], Status.FAIL),
        ("2026-11-02T09:00:00Z", "2026-11-16T09:00:00Z", [], Status.FAIL),  # two weeks: ten business days
    ],
)
def test_business_days_skip_weekends_and_holidays(
    first: str, triaged: str, holidays: list, status: Status
) -> None:
    spec = _finding_control(
        {"attr": "first_observed", "within_business_days": 1, "until": "triaged_at", "holidays": holidays}
    )
    assert _verdict(spec, {"first_observed": first, "triaged_at": triaged})[0] is status


def test_business_days_between_counts_whole_weeks_and_partial_days() -> None:
    from evidra.controls.conditions import add_business_days, business_days_between

    monday = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert business_days_between(monday, datetime(2026, 11, 16, 12, tzinfo=UTC)) == 10.0
    assert business_days_between(monday, datetime(2026, 11, 9, 0, tzinfo=UTC)) == 4.5
    assert add_business_days(datetime(2026, 11, 20, 9, tzinfo=UTC), 1) == datetime(
        2026, 11, 23, 9, tzinfo=UTC
    )
    for days in (0.25, 1, 3.5, 12):  # the two are inverse
        due = add_business_days(monday, days)
        assert business_days_between(monday, due) == pytest.approx(days)


def test_date_modifiers_are_refused_on_other_tests() -> None:
    with pytest.raises(CatalogError, match="`until` goes with a date test"):
        parse_control(
            _finding_control({"attr": "severity", "equals": "high", "until": "closed_at"}), "t.yaml"
        )
    with pytest.raises(CatalogError, match="`holidays` goes with within_business_days"):
        parse_control(
            _finding_control({"attr": "first_observed", "within_days": 1, "holidays": []}), "t.yaml"
        )
    with pytest.raises(CatalogError, match="'closed' is not an attribute"):
        parse_control(
            _finding_control({"attr": "first_observed", "within_days": 1, "until": "closed"}), "t.yaml"
        )
