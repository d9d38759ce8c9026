"""A default branch's effective protection, from classic branch protection and the
rulesets that apply to it, combined the way GitHub enforces them: every source applies,
so the strictest requirement wins and a check required anywhere is required.

Sources: `GET /repos/{o}/{r}/branches/{branch}/protection` (404: no classic protection)
and `GET /repos/{o}/{r}/rules/branches/{branch}` (the active rules of every ruleset,
repository's and organisation's, that targets the branch), each ruleset's bypass list
from `GET /repos/{o}/{r}/rulesets/{id}?includes_parents=true`.

Administrators are held to the review requirement when some source that requires it
cannot be bypassed by them: classic protection with `enforce_admins`, or a ruleset whose
bypass list names neither the admin role nor organisation admins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Repository role ids GitHub uses in bypass lists: 5 is the admin role.
ADMIN_ROLE_ID = 5
_ADMIN_ACTORS = frozenset({"OrganizationAdmin", "EnterpriseOwner"})


@dataclass
class Protection:
    sources: list[str] = field(default_factory=list)
    required_approvals: int = 0
    dismiss_stale_reviews: bool = False
    code_owner_review: bool = False
    required_checks: list[str] = field(default_factory=list)
    enforce_admins: bool = False
    force_push_blocked: bool = False
    deletion_blocked: bool = False

    @property
    def protected(self) -> bool:
        return bool(self.sources)

    def attributes(self) -> dict[str, Any]:
        return {
            "branch_protected": self.protected,
            "protection_sources": self.sources,
            "required_approvals": self.required_approvals,
            "dismiss_stale_reviews": self.dismiss_stale_reviews,
            "code_owner_review": self.code_owner_review,
            "required_checks": self.required_checks,
            "required_check_count": len(self.required_checks),
            "enforce_admins": self.enforce_admins,
            "force_push_blocked": self.force_push_blocked,
            "deletion_blocked": self.deletion_blocked,
        }


def effective(
    classic: dict[str, Any] | None, rules: list[dict[str, Any]], rulesets: dict[int, dict[str, Any]]
) -> Protection:
    """`classic`: the branch protection answer, None when unprotected; `rules`: the
    branch's active ruleset rules; `rulesets`: each ruleset by id (for bypass lists)."""
    found = Protection()
    checks: set[str] = set()
    if classic is not None:
        found.sources.append("classic")
        reviews = classic.get("required_pull_request_reviews") or {}
        if reviews:
            found.required_approvals = int(reviews.get("required_approving_review_count") or 0)
            found.dismiss_stale_reviews = bool(reviews.get("dismiss_stale_reviews"))
            found.code_owner_review = bool(reviews.get("require_code_owner_reviews"))
            found.enforce_admins = _enabled(classic.get("enforce_admins"))
        status = classic.get("required_status_checks") or {}
        checks.update(str(c) for c in status.get("contexts") or [])
        checks.update(str(c.get("context")) for c in status.get("checks") or [] if isinstance(c, dict))
        # Classic protection blocks force pushes and deletion unless they are allowed.
        found.force_push_blocked = not _enabled(classic.get("allow_force_pushes"))
        found.deletion_blocked = not _enabled(classic.get("allow_deletions"))
    for rule in rules:
        ruleset = rulesets.get(int(rule.get("ruleset_id") or 0), {})
        source = f"ruleset:{ruleset.get('name') or rule.get('ruleset_id')}"
        if source not in found.sources:
            found.sources.append(source)
        kind, params = rule.get("type"), rule.get("parameters") or {}
        if kind == "pull_request":
            count = int(params.get("required_approving_review_count") or 0)
            found.required_approvals = max(found.required_approvals, count)
            found.dismiss_stale_reviews |= bool(params.get("dismiss_stale_reviews_on_push"))
            found.code_owner_review |= bool(params.get("require_code_owner_review"))
            found.enforce_admins |= not admins_bypass(ruleset)
        elif kind == "required_status_checks":
            checks.update(
                str(c.get("context"))
                for c in params.get("required_status_checks") or []
                if isinstance(c, dict)
            )
        elif kind == "non_fast_forward":
            found.force_push_blocked = True
        elif kind == "deletion":
            found.deletion_blocked = True
    found.required_checks = sorted(checks)
    return found


def admins_bypass(ruleset: dict[str, Any]) -> bool:
    """Administrators may bypass the ruleset (unknown bypass list: assume they may)."""
    actors = ruleset.get("bypass_actors")
    if actors is None:
        return True
    for actor in actors:
        kind = actor.get("actor_type")
        if kind in _ADMIN_ACTORS or (kind == "RepositoryRole" and actor.get("actor_id") == ADMIN_ROLE_ID):
            return True
    return False


def _enabled(value: Any) -> bool:
    return bool(value.get("enabled")) if isinstance(value, dict) else bool(value)
