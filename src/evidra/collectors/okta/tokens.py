"""API tokens (identity.credential).

Okta does not report when a token was last used, but a token expires after
`tokenWindow` without use and `expiresAt` moves on each use, so the last use is
`expiresAt - tokenWindow`. The token value itself is never in Okta's answer.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.times import okta_time, parse_duration, parse_time
from evidra.model import Observation, iso


@READERS.reader("okta.api_tokens", types=("identity.credential",))
async def read_api_tokens(ctx: Context) -> list[Observation]:
    call = ctx.api.call("listApiTokens")
    observations = []
    async for page in ctx.api.pages("listApiTokens", "/api/v1/api-tokens"):
        for token in page:
            if not isinstance(token, dict):
                continue
            observations.append(
                ctx.observe(
                    "identity.credential",
                    ctx.org_id("api-tokens", str(token["id"])),
                    name=token.get("name"),
                    attributes=token_attributes(ctx, token),
                    raw={"token": {k: v for k, v in token.items() if k != "_links"}},
                    calls=[call],
                )
            )
    return observations


def token_attributes(ctx: Context, token: dict[str, Any]) -> dict[str, Any]:
    expires = parse_time(token.get("expiresAt"))
    window = parse_duration(token.get("tokenWindow"))
    last_used = iso(expires - window) if expires and window else None
    return {
        "owner": ctx.org_id("users", str(token.get("userId"))),
        "kind": "api_token",
        "active": True,  # Okta lists only tokens that still work
        "created": okta_time(token.get("created")),
        "last_used": last_used,
    }
