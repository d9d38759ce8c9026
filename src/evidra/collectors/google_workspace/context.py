"""What a Google Workspace reader needs: the Admin SDK clients and the scope.

Scope `google_workspace:<customer id>` (`my_customer` names the account the
administrator belongs to). Readers are registered on `READERS` (evidra.collectors.readers)
and translate the Admin SDK's JSON into the normalized types Okta and Entra ID use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.google_workspace.api import AdminApi
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import GoogleWorkspaceSettings

PROVIDER = "google_workspace"
DEVICES = "devices"  # the plane of the readers that run only with `devices: true`


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    api: AdminApi
    settings: GoogleWorkspaceSettings
    scope: str
    principal: str
    observed_at: datetime
    # Emails of suspended and archived users, from the users reader (which runs first): the
    # login audit keeps those users' sign-ins, which show when a leaver's access ended.
    disabled_users: set[str] | None = field(default=None)

    def object_id(self, kind: str, native_id: str) -> str:
        """Unique across Workspace accounts: `google_workspace:my_customer/users/1234`."""
        return f"{self.scope}/{kind}/{native_id}"


READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)
