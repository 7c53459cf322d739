"""Read models of identity: the accounts view (with its grants) and the audit log."""
import json

from shared.projections import Delete, Projection, Update, Upsert, on

from .contracts import AccountChanged, AccountForgotten, AccountOpened, AuditRecorded, PasswordChanged
from .tables import account_grants, accounts, audit_log


def _grant_rows(account_id: str, grants: list[dict]) -> list:
    return [Delete(account_grants, {"account_id": account_id})] + [
        Upsert(account_grants, {"account_id": account_id, "position": i, "role": g["role"],
                                "store_id": g.get("store_id")}) for i, g in enumerate(grants)]


def _grants_json(grants: list[dict]) -> str:
    return json.dumps([{"role": g["role"], "store_id": g.get("store_id")} for g in grants])


class Accounts(Projection):
    name = "accounts"
    tables = (accounts, account_grants)

    @on(AccountOpened)
    def opened(self, event):
        d = event.data
        return [Upsert(accounts, {"account_id": d["account_id"], "username": d["username"],
                                  "grants": _grants_json(d["grants"]), "member_id": d["member_id"],
                                  "disabled": False, "created_at": event.time,
                                  "version": event.streamversion}),
                *_grant_rows(d["account_id"], d["grants"])]

    @on(AccountChanged)
    def changed(self, event):
        d = event.data
        return [Upsert(accounts, {"account_id": d["account_id"], "grants": _grants_json(d["grants"]),
                                  "disabled": d["disabled"], "version": event.streamversion}),
                *_grant_rows(d["account_id"], d["grants"])]

    @on(PasswordChanged)
    def password_changed(self, event):
        return Upsert(accounts, {"account_id": event.data["account_id"], "version": event.streamversion})

    @on(AccountForgotten)
    def forgotten(self, event):
        return Upsert(accounts, {"account_id": event.data["account_id"], "username": None, "disabled": True,
                                 "version": event.streamversion})


AUDIT_FIELDS = ("audit_id", "at", "actor_id", "username", "role", "store_id", "operation",
                "target_id", "outcome", "status", "client_address", "correlation_id")


class AuditLog(Projection):
    name = "audit_log"
    tables = (audit_log,)

    @on(AuditRecorded)
    def recorded(self, event):
        return Upsert(audit_log, {name: event.data[name] for name in AUDIT_FIELDS})

    @on(AccountForgotten)
    def forgotten(self, event):
        return Update(audit_log, {"actor_id": event.data["account_id"]},
                      {"username": None, "client_address": None})
