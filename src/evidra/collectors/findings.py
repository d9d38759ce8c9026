"""A scanner's finding as `vuln.finding` attributes: the lifetime every source fills the
same way, so the remediation-deadline and exception controls judge them all alike.

A source says what it knows (when the finding was first detected, when it was fixed,
whether and when it was suppressed, with what reason, justification and by whom, and when
it was reviewed); this derives the rest: the state and the lifetime's end. Only dates that
stay put: the controls measure the age at the run's time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from evidra.model import iso

SEVERITIES = ("critical", "high", "medium", "low")
# Closed findings are read back this far, so a fix between two runs is seen with its time.
FINDINGS_LOOKBACK_DAYS = 90


def lifetime_attributes(
    *,
    source: str,
    resource: str,
    title: str,
    severity: str,
    observed_at: datetime,
    first: datetime | None,
    fixed: datetime | None = None,
    suppressed_at: datetime | None = None,
    suppressed: bool = False,
    reason: str | None = None,
    comment: str | None = None,
    by: str | None = None,
    no_review: str | None = None,
) -> dict[str, Any]:
    """`suppressed` wins over `fixed`: a dismissed finding is judged as an exception. A
    source whose only record of a review is the suppression says so in `no_review`: a
    finding it did not suppress has no review time (`triaged_at` is `inapplicable`)."""
    fixed = None if suppressed else fixed
    closed = fixed or ((suppressed_at or observed_at) if suppressed else None)
    triaged = closed if suppressed else None
    return {
        "source": source,
        "resource": resource,
        "title": title[:500],
        "severity": severity if severity in SEVERITIES else "informational",
        "state": "dismissed" if suppressed else ("fixed" if fixed else "open"),
        "first_observed": iso(first),
        "fixed_at": iso(fixed),
        # These sources close a finding only when their own later evaluation finds it gone.
        "fix_verified": True if fixed else None,
        "closed_at": iso(closed),
        "triaged_at": iso(triaged),
        "suppressed": suppressed,
        "suppression_reason": reason if suppressed else None,
        "suppression_comment": (comment or None) if suppressed else None,
        "dismissed_by": (by or None) if suppressed else None,
        **({"inapplicable": {"triaged_at": no_review}} if no_review and not triaged else {}),
    }


def timestamp(value: Any) -> datetime | None:
    """An RFC 3339 time as the APIs send it (`Z` or an offset, up to 7 decimals), in UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Azure sends 7 decimals; Python reads at most 6
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)
