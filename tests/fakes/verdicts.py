"""A control's verdict on one observation, for collector tests asserting what a setting
means (the meaning lives in the controls, not in the collectors' attributes)."""

from __future__ import annotations

from evidra.controls.catalog import catalog
from evidra.controls.engine import judge
from evidra.controls.requirements import default_parameters
from evidra.model import Observation, Status, utcnow


def fails(control_id: str, observation: Observation) -> bool:
    verdict = judge(catalog()[control_id], observation, default_parameters(), utcnow())
    assert verdict is not None, f"{observation.id} is outside {control_id}'s population"
    return verdict[0] is Status.FAIL


def admin_ports_open(observation: Observation) -> bool:
    """The firewall rule lets any address reach an administration or database port."""
    return fails("firewall-admin-ports-closed", observation)
