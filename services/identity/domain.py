"""Identity rules free of any framework: usernames, password policy, grants, lockout arithmetic."""
import math
from collections.abc import Iterable
from dataclasses import dataclass

from marshmallow import ValidationError

from shared.errors import Unprocessable
from shared.text import text_problems

from .contracts import CUSTOMER, USERNAME, GrantSchema

PASSWORD_MIN, PASSWORD_MAX = 10, 128
_USERNAME_RULE = USERNAME["validate"]
_GRANTS = GrantSchema(many=True)


def normalize_username(raw) -> str:
    return raw.strip().lower() if isinstance(raw, str) else ""


def checked_username(raw) -> str:
    """The normalized username, or Unprocessable naming the rule it breaks."""
    username = normalize_username(raw)
    try:
        _USERNAME_RULE(username)
    except ValidationError as exc:
        raise Unprocessable("the username is not acceptable", {"username": exc.messages}) from None
    return username


def check_password(password, username: str) -> None:
    problems = []
    if not isinstance(password, str):
        problems.append("must be a string")
    else:
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            problems.append(f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long")
        if password.strip().lower() == username:
            problems.append("must not be the username")
        problems += text_problems(password)
    if problems:
        raise Unprocessable("the password is not acceptable", {"password": problems})


def check_no_self_lockout(actor_id, account: dict, grants: list[dict], disabled: bool) -> None:
    """An admin may not disable their own account or drop their own hq_admin grant: the last
    admin doing so would leave the chain with nobody able to manage accounts."""
    if actor_id is None or actor_id != account["account_id"]:
        return
    if disabled and not account["disabled"]:
        raise Unprocessable("you cannot disable your own account",
                            {"disabled": ["ask another HQ admin"]})
    was_admin = any(g["role"] == "hq_admin" for g in account["grants"])
    if was_admin and not any(g["role"] == "hq_admin" for g in grants):
        raise Unprocessable("you cannot remove your own hq_admin grant",
                            {"grants": ["ask another HQ admin"]})


def checked_grants(grants, allow_customer: bool = False) -> list[dict]:
    """Grants as events carry them ({role, store_id}); staff grants only unless allowed."""
    if not isinstance(grants, list) or not grants:
        raise Unprocessable("give at least one grant", {"grants": ["at least one grant is needed"]})
    try:
        loaded = _GRANTS.load(grants)
    except ValidationError as exc:
        raise Unprocessable("the grants are not valid", {"grants": exc.messages}) from None
    if not allow_customer and any(g["role"] == CUSTOMER for g in loaded):
        raise Unprocessable("customer accounts open by signing up",
                            {"grants": ["the customer role is not grantable"]})
    unique = []
    for grant in loaded:
        item = {"role": grant["role"], "store_id": grant.get("store_id")}
        if item not in unique:
            unique.append(item)
    return unique


@dataclass(frozen=True)
class LockoutPolicy:
    attempts: int
    window: float
    duration: float


def locked_until(attempts: Iterable[tuple[float, str]], policy: LockoutPolicy) -> float | None:
    """When the username's lock ends (epoch seconds), given its login outcomes oldest first.

    ``attempts`` is (time, outcome) with outcome "success" or "failed" ("denied" attempts are
    left out: they neither count nor extend a lock). ``policy.attempts`` failures within
    ``policy.window`` seconds lock it for ``policy.duration`` seconds from the failure that
    reached the limit; a success, or the end of a lock, starts the count again.
    """
    recent: list[float] = []
    until = None
    for at, outcome in attempts:
        if until is not None and at >= until:
            recent, until = [], None
        if outcome == "success":
            recent, until = [], None
        elif outcome == "failed" and until is None:
            recent = [t for t in recent if t > at - policy.window]
            recent.append(at)
            if len(recent) >= policy.attempts:
                until = at + policy.duration
    return until


def retry_after(until: float, now: float) -> int:
    return max(1, math.ceil(until - now))
