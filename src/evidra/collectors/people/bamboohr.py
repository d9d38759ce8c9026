"""BambooHR as the roster (`people.bamboohr`), through PyBambooHR, its most used client.

One custom report (`POST /v1/reports/custom?format=json`, BambooHR's documented way to
read chosen fields of every employee, leavers included) gives the roster: work email,
name, employment status, department, supervisor, hire and termination dates, and the
custom fields `people.bamboohr.fields` names for background checks and training. The
API key is read from its variable or file when the reader runs and handed to the
client; it is HTTP basic auth's user name, so it never appears in a URL.

Throttling: BambooHR answers 503 (and, behind some proxies, 429) with `Retry-After`;
the report is asked again after that wait (at most 60 s), up to `max_attempts`.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from evidra.collectors.people.context import READERS, TYPES, Context, roster_observations
from evidra.collectors.secrets import secret_from
from evidra.config.settings import BambooHrSettings
from evidra.model import ApiCall, Observation
from evidra.people.roster import Roster, RosterError, people_from_rows

API_ROOT = "https://api.bamboohr.com/api/gateway.php"
FIELDS = (
    "id",
    "workEmail",
    "displayName",
    "employmentHistoryStatus",
    "department",
    "supervisorEId",
    "hireDate",
    "terminationDate",
    "status",
)
_NO_DATE = {"", "0000-00-00"}
_RETRY = {429, 503}


class BambooHrFailed(Exception):
    pass


@READERS.reader("people.bamboohr", types=TYPES)
def read_bamboohr(ctx: Context) -> list[Observation]:
    settings = ctx.settings.bamboohr
    assert settings is not None  # the collector runs this reader only when it is configured
    report, fields = fetch_report(settings)
    roster = roster_from_report(settings, report)
    call = ApiCall("bamboohr", "requestCustomReport", {"subdomain": settings.subdomain, "fields": fields})
    return roster_observations(ctx, roster, [call])


def fetch_report(settings: BambooHrSettings) -> tuple[dict[str, Any], list[str]]:
    import requests
    from PyBambooHR.PyBambooHR import PyBambooHR

    key = secret_from(settings.api_key_env, settings.api_key_file, "people.bamboohr.api_key_file")
    client = PyBambooHR(subdomain=settings.subdomain, api_key=key, timeout=settings.request_timeout)
    client.base_url = f"{settings.api_endpoint or API_ROOT}/{settings.subdomain}/v1/"
    fields = [*FIELDS, *sorted(set(settings.fields.values()))]
    for attempt in range(1, settings.max_attempts + 1):
        try:
            report = client.request_custom_report(fields, report_format="json", title="evidra roster")
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in _RETRY and attempt < settings.max_attempts:
                time.sleep(_retry_after(exc.response, attempt))
                continue
            raise BambooHrFailed(f"BambooHR custom report answered HTTP {status}") from None
        except (requests.JSONDecodeError, ValueError):  # a 200 whose body is not JSON
            if attempt < settings.max_attempts:
                continue
            raise BambooHrFailed("BambooHR custom report answered a body that is not JSON") from None
        except requests.RequestException as exc:
            if attempt < settings.max_attempts:
                time.sleep(min(2**attempt, 30) / 4)
                continue
            raise BambooHrFailed(f"BambooHR could not be reached: {type(exc).__name__}") from None
        except UserWarning as exc:  # PyBambooHR refuses a field name it does not know
            raise BambooHrFailed(f"people.bamboohr.fields: {exc}") from None
        if not isinstance(report, dict) or not isinstance(report.get("employees"), list):
            raise BambooHrFailed("BambooHR custom report has no `employees` list")
        return report, fields
    raise BambooHrFailed("BambooHR custom report: no attempt left")  # pragma: no cover


def roster_from_report(settings: BambooHrSettings, report: dict[str, Any]) -> Roster:
    employees = [e for e in report["employees"] if isinstance(e, dict)]
    email_by_id = {str(e.get("id")): str(e.get("workEmail") or "").lower() for e in employees}
    rows = []
    for employee in employees:
        if not employee.get("workEmail"):
            continue  # no work email: no account can be matched to them (a future hire, a record)
        row: dict[str, Any] = {
            "email": employee["workEmail"],
            "name": employee.get("displayName") or "",
            "employment_type": employment_type(str(employee.get("employmentHistoryStatus") or "")),
            "department": employee.get("department") or "",
            "manager_email": email_by_id.get(str(employee.get("supervisorEId") or ""), ""),
            "start_date": _date(employee.get("hireDate")),
            "end_date": _date(employee.get("terminationDate")),
            "bamboohr_id": str(employee.get("id") or ""),
            "bamboohr_status": str(employee.get("status") or ""),
        }
        for column, field in settings.fields.items():
            value = employee.get(field)
            row[column] = value if isinstance(value, list) else _date(value)
        rows.append(row)
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":")).encode()
    source = f"bamboohr:{settings.subdomain}"
    try:
        people = people_from_rows(source, rows)
    except RosterError as exc:
        raise BambooHrFailed(str(exc)) from None
    return Roster(source, "sha256:" + hashlib.sha256(canonical).hexdigest(), people)


def employment_type(status: str) -> str:
    """BambooHR's employment status (Full-Time, Part-Time, Contractor, Intern ...) in the
    roster's three kinds."""
    lowered = status.lower()
    if "contract" in lowered or "freelance" in lowered:
        return "contractor"
    if "vendor" in lowered or "agency" in lowered:
        return "vendor"
    return "employee"


def _date(value: Any) -> str:
    text = str(value or "").strip()
    return "" if text in _NO_DATE else text


def _retry_after(response: Any, attempt: int) -> float:
    header = (response.headers.get("Retry-After") if response is not None else None) or ""
    try:
        return min(max(float(header), 0.0), 60.0)
    except ValueError:
        return min(2.0**attempt, 60.0) / 4
