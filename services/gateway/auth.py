"""Who is calling, and what they may touch: the caller, role checks and store scoping.

A request's bearer token is checked here (signature, algorithm, ``aud``, ``iss``, expiry:
shared/tokens.py), then identity says whether its session is still live and what the
account holds now, so a revoked session or a withdrawn grant stops working at once.

Scoping hides what a caller may not see: a resource in another store, or another
customer's, answers 404 exactly as if it did not exist; acting in another store is 403.
"""
from dataclasses import dataclass

from services.identity.contracts import CUSTOMER, HQ_ROLES, STORE_ROLES
from shared.errors import Forbidden, NotFound, Unauthorized


@dataclass(frozen=True)
class Caller:
    account_id: str
    username: str
    grants: tuple[tuple[str, str | None], ...]  # (role, store_id or None for chain-wide)
    member_id: str | None
    session_id: str

    @classmethod
    def from_principal(cls, principal: dict) -> "Caller":
        grants = tuple((g["role"], g.get("store_id")) for g in principal["grants"])
        return cls(principal["account_id"], principal["username"], grants,
                   principal.get("member_id"), principal["session_id"])

    @property
    def roles(self) -> set[str]:
        return {role for role, _ in self.grants}

    def roles_among(self, allowed) -> list[str]:
        return sorted(self.roles & set(allowed))

    def acts_for_store(self, allowed, store_id: str) -> str | None:
        """The role that lets this caller act on ``store_id``'s data, if any."""
        for role, store in self.grants:
            if role not in allowed:
                continue
            if role in HQ_ROLES or (role in STORE_ROLES and store == store_id):
                return role
        return None

    def may_see(self, allowed, store_id: str, customer_id: str | None = None) -> str | None:
        """The role under which this caller may read a resource of a store and a customer."""
        role = self.acts_for_store(allowed, store_id)
        if role:
            return role
        if CUSTOMER in allowed and CUSTOMER in self.roles and customer_id is not None \
                and customer_id == self.member_id:
            return CUSTOMER
        return None


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized("log in: send Authorization: Bearer <access token>")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be: Bearer <access token>")
    return token.strip()


def require_visible(caller: Caller, allowed, store_id: str, customer_id: str | None,
                    what: str, ident: str) -> str:
    """The role that may read this resource, or a 404 that says nothing about it."""
    role = caller.may_see(allowed, store_id, customer_id)
    if role is None:
        raise NotFound(f"no {what} {ident}")
    return role


def require_store(caller: Caller, allowed, store_id: str) -> str:
    role = caller.acts_for_store(allowed, store_id)
    if role is None:
        raise Forbidden(f"you may not act for store {store_id}")
    return role


def acting_for_store(call, allowed, store_id: str, target_id: str | None = None) -> None:
    """``require_store``, and the audit record says for which store, on what, in which role."""
    call.audit["role"] = require_store(call.caller, allowed, store_id)
    call.audit.update(store_id=store_id, target_id=target_id)
