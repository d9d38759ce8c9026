"""What the vulnerability controls make of a source's findings, for the tests of every
source (Security Hub, Defender for Cloud, Security Command Center): the same populations
(open within and past the deadline, fixed in time and late, suppressed with and without
a justification) must get the same verdicts, whatever cloud they come from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from evidra.controls.catalog import catalog
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Collection, Observation, Result

# (control, population) -> verdict, for a critical finding open within and one past its
# deadline, a high one fixed in time and one fixed late, and two suppressed ones.
EXPECTED = {
    ("vuln-remediation-critical", "open-in-time"): "pass",
    ("vuln-remediation-critical", "open-late"): "fail",
    ("vuln-remediation-high", "fixed-in-time"): "pass",
    ("vuln-remediation-high", "fixed-late"): "fail",
    ("vuln-dismissal-justified", "suppressed"): "pass",
    ("vuln-dismissal-justified", "suppressed-bare"): "fail",
}


def verdicts(
    observations: Iterable[Observation], at: datetime, population: Callable[[Observation], str]
) -> dict[tuple[str, str], str]:
    """Every vulnerability control's verdict on the `vuln.finding`s, by (control, population)."""
    judged = Collection()
    judged.observations.extend(o for o in observations if o.type == "vuln.finding")
    return by_population(
        evaluate(list(catalog().values()), judged, default_parameters(), at), judged, population
    )


def by_population(
    results: Iterable[Result], collection: Collection, population: Callable[[Observation], str]
) -> dict[tuple[str, str], str]:
    """A run's results on its findings, by (control, population)."""
    names = {o.id: population(o) for o in collection.observations if o.type == "vuln.finding"}
    return {(r.control, names[r.resource.id]): r.status.value for r in results if r.resource.id in names}
