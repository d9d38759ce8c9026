"""contract: `check --format json` (DESIGN.md). Fields are only ever added."""

from __future__ import annotations

import json
from typing import Any

from evidra.controls.engine import sort_for_people
from evidra.model import iso
from evidra.output.literal import json_safe
from evidra.runner import RunOutcome

SCHEMA = "evidra.check/v1"


def document(outcome: RunOutcome) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "run": {
            "id": outcome.id,
            "started_at": iso(outcome.started_at),
            "finished_at": iso(outcome.finished_at),
            "providers": outcome.providers,
            "stored_in": outcome.stored_in,
        },
        "results": [result.to_dict() for result in sort_for_people(outcome.results)],
        "errors": [error.to_dict() for error in outcome.errors],
    }


def render(outcome: RunOutcome) -> str:
    return json_safe(json.dumps(document(outcome), indent=2, ensure_ascii=False))
