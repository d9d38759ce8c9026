"""Which person an account belongs to: by email, with a configurable alias map, or a
declared service identity.

An account is named by its provider (`identity.user` observations): its `email`
attribute when the provider has one, else its `name` when that is an address. The alias
map takes precedence (`github:octocat` for one provider, `octocat` for any), then the
declared service identities (glob patterns over the name, the email or
`provider:name`), then the email. Any collector whose `identity.user` observations carry
`email` (or an address as `name`) joins without a change here: GitHub and GitLab
members too, with an alias for a login that is no address.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class Match:
    owner: str | None  # the person's email
    matched_by: str | None  # alias | service_identity | email; None: nobody
    email: str | None  # the address the account was matched by


class Matcher:
    def __init__(
        self, people: Iterable[str], aliases: Mapping[str, str], service_identities: Iterable[str]
    ) -> None:
        self.people = {p.lower() for p in people}
        self.aliases = {k.lower(): v.lower() for k, v in aliases.items()}
        # Patterns are few; compiled once so 50,000 accounts cost one regex test each.
        patterns = [fnmatch.translate(p.lower()) for p in service_identities]
        self._service = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def match(self, provider: str, name: str | None, email: str | None) -> Match:
        name_key = (name or "").lower()
        address = (email or "").lower() or (name_key if EMAIL.match(name_key) else "")
        for key in (f"{provider}:{name_key}", name_key, address):
            target = self.aliases.get(key) if key else None
            if target is not None:
                return Match(target, "alias", target)
        if self._service is not None:
            for candidate in (name_key, address, f"{provider}:{name_key}"):
                if candidate and self._service.fullmatch(candidate):
                    return Match(None, "service_identity", address or None)
        if address and address in self.people:
            return Match(address, "email", address)
        return Match(None, None, address or None)


def account_email(attributes: Mapping[str, Any]) -> str | None:
    email = attributes.get("email")
    return str(email).lower() if email else None
