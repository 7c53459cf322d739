"""Accounts: the view callers get, lookups, and the commands that open and change accounts."""
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, insert, select, update

from shared.envelope import utc_iso
from shared.errors import Conflict, NotFound, PreconditionFailed
from shared.personal import erase

from .contracts import (
    CUSTOMER,
    AccountChanged,
    AccountForgotten,
    AccountOpened,
    MemberSignedUp,
    PasswordChanged,
)
from .sessions import revoke_all
from .tables import account_grants, accounts, credentials, login_attempts


def account_stream(account_id: str) -> str:
    return f"account-{account_id}"


def view(row) -> dict:
    return {"account_id": row.account_id, "username": row.username, "grants": json.loads(row.grants),
            "member_id": row.member_id, "disabled": bool(row.disabled), "version": row.version,
            "created_at": row.created_at}


def find(conn, account_id: str):
    return conn.execute(select(accounts).where(accounts.c.account_id == account_id)).first()


def get(conn, account_id: str) -> dict:
    row = find(conn, account_id)
    if row is None:
        raise NotFound(f"no account {account_id}", {"account_id": account_id})
    return view(row)


def with_credential(conn, username: str):
    """The account row plus its password hash (None, None if the username is unknown)."""
    return conn.execute(select(accounts, credentials.c.password_hash)
                        .join(credentials, credentials.c.account_id == accounts.c.account_id,
                              isouter=True)
                        .where(accounts.c.username == username)).first()


def username_taken(conn, username: str) -> bool:
    return conn.execute(select(accounts.c.account_id).where(accounts.c.username == username)).first() \
        is not None


def taken() -> Conflict:
    return Conflict("the username is already taken", {"username": ["already taken"]})


def listing(conn, store_id=None, role=None, limit=50, offset=0) -> dict:
    query = select(accounts)
    if store_id is not None or role is not None:
        grant = select(account_grants.c.account_id).where(
            account_grants.c.account_id == accounts.c.account_id)
        if store_id is not None:
            grant = grant.where(account_grants.c.store_id == store_id)
        if role is not None:
            grant = grant.where(account_grants.c.role == role)
        query = query.where(exists(grant))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = conn.execute(query.order_by(accounts.c.username).limit(limit).offset(offset)).all()
    return {"items": [view(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def _now() -> str:
    return utc_iso(datetime.now(UTC))


def open_account(uow, username: str, password_hash: str, grants: list[dict], opened_by=None,
                 member_id=None) -> str:
    """Record AccountOpened and store the credential; returns the new account id.

    The check here answers the common case; two racing openings of one name are settled
    by the unique username of the accounts view, projected in this same transaction."""
    if username_taken(uow.conn, username):
        raise taken()
    account_id = str(uuid.uuid4())
    uow.record(account_stream(account_id), 0, AccountOpened, {
        "account_id": account_id, "username": username, "grants": grants,
        "member_id": member_id, "opened_by": opened_by}, store_id=_store_of(grants))
    uow.conn.execute(insert(credentials).values(account_id=account_id, password_hash=password_hash,
                                                changed_at=_now()))
    return account_id


def sign_up(uow, username: str, password_hash: str, profile: dict) -> dict:
    member_id = str(uuid.uuid4())
    account_id = open_account(uow, username, password_hash, [{"role": CUSTOMER, "store_id": None}],
                              member_id=member_id)
    uow.record(f"signup-{member_id}", 0, MemberSignedUp, {
        "member_id": member_id, "account_id": account_id, "name": profile["name"],
        "email": profile["email"], "phone": profile["phone"], "consents": profile["consents"],
        "signed_up_at": _now()})
    return {"account_id": account_id, "member_id": member_id, "username": username}


def current(uow, account_id: str, expected_version: int | None = None) -> dict:
    """The account as it stands in this transaction; NotFound, then PreconditionFailed."""
    found = get(uow.conn, account_id)
    version = uow.version(account_stream(account_id))
    if expected_version is not None and expected_version != version:
        raise PreconditionFailed("the account changed since you read it", {"current_version": version})
    return {**found, "version": version}


def change(uow, account: dict, grants: list[dict], disabled: bool, changed_by=None) -> None:
    uow.record(account_stream(account["account_id"]), account["version"], AccountChanged, {
        "account_id": account["account_id"], "grants": grants, "disabled": disabled,
        "changed_by": changed_by}, store_id=_store_of(grants))
    if disabled:
        revoke_all(uow.conn, account["account_id"])


def set_password(uow, account: dict, password_hash: str, changed_by=None) -> None:
    uow.record(account_stream(account["account_id"]), account["version"], PasswordChanged, {
        "account_id": account["account_id"], "changed_by": changed_by})
    uow.conn.execute(update(credentials).where(credentials.c.account_id == account["account_id"])
                     .values(password_hash=password_hash, changed_at=_now()))
    revoke_all(uow.conn, account["account_id"])


def forget(uow, member_id: str, account_id: str | None) -> None:
    """The member was erased: their keys of this service go (their sign-up, their username and
    its trace in the audit log can never be read again, in any rebuild), their account closes
    for good and their login attempts are forgotten."""
    erase(uow.conn, member_id)
    row = None if account_id is None else find(uow.conn, account_id)
    if row is None or row.member_id != member_id or row.username is None:
        return
    erase(uow.conn, account_id)  # the username in the audit entries of what they did
    uow.record(account_stream(account_id), uow.version(account_stream(account_id)), AccountForgotten,
               {"account_id": account_id, "member_id": member_id})
    revoke_all(uow.conn, account_id)
    uow.conn.execute(delete(login_attempts).where(login_attempts.c.username == row.username))


def _store_of(grants: list[dict]) -> str | None:
    stores = {g.get("store_id") for g in grants}
    return next(iter(stores)) if len(stores) == 1 else None
