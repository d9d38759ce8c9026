"""The demo's roster: HR's export as a CSV file, the people behind the demo's Okta, Google
Workspace and AWS accounts. On purpose: a joiner without training, a leaver whose
accounts outlived the deadline, a contractor past the end of contract with access, an
administrator whose yearly training lapsed, accounts nobody owns (Entra ID's)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidra.config.settings import PeopleSettings

HEADER = (
    "email,name,employment_type,department,manager_email,start_date,end_date,"
    "background_check_at,training_completed_at,secure_coding_completed_at"
)


def roster_csv(now: datetime | None = None) -> str:
    today = (now or datetime.now(UTC)).date()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    rows = [
        f"ada@acme.com,Ada,employee,IT,,{ago(900)},,{ago(910)},{ago(60)},",
        f"bob@acme.com,Bob,employee,Engineering,ada@acme.com,{ago(400)},,{ago(410)},{ago(20)},{ago(20)}",
        f"carol@acme.com,Carol,employee,Engineering,ada@acme.com,{ago(700)},,{ago(720)},{ago(300)},",
        f"dave@acme.com,Dave,contractor,Engineering,bob@acme.com,{ago(200)},{ago(6)},{ago(210)},{ago(190)},",
        f"erin@acme.com,Erin,employee,Sales,ada@acme.com,{ago(600)},{ago(3)},{ago(610)},{ago(100)},",
        f"frank@acme.com,Frank,employee,Sales,ada@acme.com,{ago(800)},,{ago(805)},{ago(420)},",
        f"grace@acme.com,Grace,vendor,Support,ada@acme.com,{ago(90)},{ago(-60)},{ago(95)},{ago(80)},",
        f"heidi@acme.com,Heidi,employee,Engineering,bob@acme.com,{ago(40)},,{ago(1)},,",
        f"ivan@acme.com,Ivan,employee,Support,ada@acme.com,{ago(500)},{ago(4)},{ago(505)},{ago(200)},",
        f"it-admin@acme.com,IT Admin,employee,IT,ada@acme.com,{ago(900)},,{ago(905)},{ago(30)},",
        f"alice.admin@acme.com,Alice,employee,IT,ada@acme.com,{ago(700)},,{ago(710)},{ago(400)},",
        f"carol.leaver@acme.com,Carol L,employee,Sales,ada@acme.com,{ago(500)},{ago(22)},{ago(505)},"
        f"{ago(200)},",
        f"dave.contractor@acme.com,Dave C,contractor,Engineering,bob@acme.com,{ago(200)},{ago(5)},"
        f"{ago(210)},{ago(190)},",
        f"erin.newhire@acme.com,Erin N,employee,Engineering,bob@acme.com,{ago(35)},,{ago(5)},,",
    ]
    return "\n".join([HEADER, *rows]) + "\n"


@contextmanager
def started() -> Iterator[PeopleSettings]:
    with tempfile.TemporaryDirectory(prefix="evidra-demo-people-") as folder:
        roster = Path(folder) / "roster.csv"
        roster.write_text(roster_csv())
        yield PeopleSettings(
            roster=str(roster),
            # AWS IAM user names are no addresses; bob.builder is Bob's Workspace account.
            aliases={
                "aws:alice": "alice.admin@acme.com",
                "aws:bob": "bob@acme.com",
                "aws:carol": "carol@acme.com",
                "bob.builder@acme.com": "bob@acme.com",
            },
            service_identities=["evidra-*", "aws:deploy"],
        )
