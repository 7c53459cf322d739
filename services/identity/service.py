"""The identity service's nameko face: accounts, logins, sessions and the audit trail over RPC;
the gateway's audit requests arrive as events."""
import json

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError

from services.gateway.contracts import AuditRequested
from services.members.contracts import MemberErased
from shared import metrics
from shared.config import REFRESH_TOKEN_TTL
from shared.errors import InvalidInput, TooManyRequests, Unauthorized, Unprocessable
from shared.handlers import handles
from shared.kernel import Kernel, Pingable
from shared.rpc import rpc
from shared.text import storable
from shared.tokens import TokenSettings

from . import accounts, audit, lockout, sessions
from .app import APP
from .contracts import CUSTOMER, ConsentsSchema
from .domain import (
    PASSWORD_MAX,
    check_no_self_lockout,
    check_password,
    checked_grants,
    checked_username,
    normalize_username,
)
from .passwords import dummy_hash, hash_password, verify_password

WRONG_CREDENTIALS = "the username or password is wrong"
BAD_REFRESH = "the refresh token is not valid"
SESSION_ENDED = "the session has ended; log in again"
MAX_PAGE = 200


class Auth(DependencyProvider):
    """Token signing settings and the dummy hash, made once when the container starts.

    A missing or short AUTH_SECRET fails the start (MissingSecret) instead of the first login."""

    def setup(self):
        self.tokens = TokenSettings.from_env()
        self.dummy_hash = dummy_hash()

    def get_dependency(self, worker_ctx):
        return self

    def grant_tokens(self, account_id: str, grants: list[dict], issued: sessions.Issued) -> dict:
        roles = list(dict.fromkeys(g["role"] for g in grants))
        return {"access_token": self.tokens.issue(account_id, issued.session_id, roles),
                "token_type": "Bearer", "expires_in": self.tokens.ttl,
                "refresh_token": issued.refresh_token, "refresh_expires_in": issued.refresh_expires_in}


def _first_grant(account: dict | None) -> dict:
    grants = account["grants"] if account else []
    return grants[0] if grants else {"role": None, "store_id": None}


def _failure_reason(found, account: dict | None, matches: bool) -> str:
    """Why a login was refused, for the metric only: the caller hears the same 401 for each."""
    if found is None:
        return "unknown_username"
    if not found.password_hash:
        return "no_password"
    if not matches:
        return "wrong_password"
    return "disabled"


def _page(limit, offset=0) -> tuple[int, int]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", {"limit": [f"1 to {MAX_PAGE}"]})
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInput("offset must be 0 or more", {"offset": ["0 or more"]})
    return limit, offset


def _profile(name, email, phone, consents) -> dict:
    problems = {field: ["Not a valid string."] for field, value, nullable in (
        ("name", name, False), ("email", email, False), ("phone", phone, True))
        if not (isinstance(value, str) and value.strip()) and not (nullable and value is None)}
    try:
        loaded = ConsentsSchema().load(consents if isinstance(consents, dict) else {})
    except ValidationError as exc:
        problems["consents"] = exc.messages
        loaded = None
    if problems:
        raise InvalidInput("the sign-up is incomplete", problems)
    if not loaded["terms"]:
        raise Unprocessable("the terms must be accepted", {"consents": {"terms": ["must be accepted"]}})
    return {"name": name.strip(), "email": email.strip(), "phone": phone, "consents": loaded}


class IdentityService(Pingable):
    name = "identity"
    kernel = Kernel(APP)
    auth = Auth()

    def _open(self, work):
        """Run an account-opening unit of work; a racing opening of the same name lost to the
        unique username of the accounts view is a Conflict like any other taken name."""
        try:
            return self.kernel.execute(work)
        except IntegrityError:
            raise accounts.taken() from None

    def _refuse_taken(self, username: str) -> None:
        """Conflict for a name already taken, before paying for a hash (argon2id, 19 MiB) that
        would be thrown away; the unique username still settles two racing openings."""
        with self.kernel.read() as conn:
            if accounts.username_taken(conn, username):
                raise accounts.taken()

    def _correlation(self, given):
        return given or self.kernel.correlation_id

    # accounts ---------------------------------------------------------------------------

    @rpc
    def register_customer(self, username, password, name, email, phone, consents,
                          client_address=None, correlation_id=None) -> dict:
        username = checked_username(username)
        check_password(password, username)
        profile = _profile(name, email, phone, consents)
        self._refuse_taken(username)
        password_hash = hash_password(password)
        # Audited by the gateway (as every request it serves), so not here a second time.
        return self._open(lambda uow: accounts.sign_up(uow, username, password_hash, profile))

    @rpc
    def create_account(self, username, password, grants, actor_id=None) -> dict:
        username = checked_username(username)
        check_password(password, username)
        grants = checked_grants(grants)
        self._refuse_taken(username)
        password_hash = hash_password(password)
        account_id = self._open(lambda uow: accounts.open_account(
            uow, username, password_hash, grants, opened_by=actor_id))
        return self.get_account(account_id)

    @rpc
    def get_account(self, account_id) -> dict:
        with self.kernel.read() as conn:
            return accounts.get(conn, account_id)

    @rpc
    def list_accounts(self, store_id=None, role=None, limit=50, offset=0) -> dict:
        limit, offset = _page(limit, offset)
        with self.kernel.read() as conn:
            return accounts.listing(conn, store_id, role, limit, offset)

    @rpc
    def update_account(self, account_id, expected_version, actor_id=None, grants=None,
                       disabled=None) -> dict:
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise InvalidInput("expected_version must be an integer",
                               {"expected_version": ["Not an integer."]})
        if disabled is not None and not isinstance(disabled, bool):
            raise InvalidInput("disabled must be true or false", {"disabled": ["Not a valid boolean."]})

        def work(uow):
            account = accounts.current(uow, account_id, expected_version)
            new_grants = account["grants"]
            if grants is not None:
                if any(g["role"] == CUSTOMER for g in account["grants"]):
                    raise Unprocessable("a customer account's grants do not change",
                                        {"grants": ["customer accounts keep the customer role"]})
                new_grants = checked_grants(grants)
            new_disabled = account["disabled"] if disabled is None else disabled
            check_no_self_lockout(actor_id, account, new_grants, new_disabled)
            if (new_grants, new_disabled) != (account["grants"], account["disabled"]):
                accounts.change(uow, account, new_grants, new_disabled, changed_by=actor_id)

        self.kernel.execute(work)
        return self.get_account(account_id)

    @rpc
    def set_password(self, account_id, new_password, actor_id=None) -> dict:
        check_password(new_password, self.get_account(account_id)["username"])
        password_hash = hash_password(new_password)
        self.kernel.execute(lambda uow: accounts.set_password(
            uow, accounts.current(uow, account_id), password_hash, changed_by=actor_id))
        return self.get_account(account_id)

    # sessions ---------------------------------------------------------------------------

    @rpc
    def issue_token(self, username, password, client_address=None, correlation_id=None) -> dict:
        # What is counted and recorded must fit its columns: no NUL, cut to size.
        username = storable(normalize_username(username), 100) or ""
        client_address = storable(client_address, 100)
        note = {"operation": lockout.LOGIN, "username": username or None,
                "client_address": client_address, "correlation_id": self._correlation(correlation_id)}

        def reserve(uow):
            """Check both limits and, if neither holds, reserve the attempt: one transaction,
            so that attempts at the same time cannot all pass the check before any counts."""
            lockout.serialize(uow.conn, username, client_address)
            found = accounts.with_credential(uow.conn, username)
            account = accounts.view(found) if found is not None else None
            first = _first_grant(account)
            who = {"actor_id": account and account["account_id"], "role": first["role"],
                   "store_id": first["store_id"], "target_id": account and account["account_id"]}
            wait, why = lockout.address_retry_after(uow.conn, client_address), "from this address"
            if wait is None:
                wait, why = lockout.username_retry_after(uow.conn, username), None
            if wait is not None:
                # Denied attempts are audited but not counted: they do not extend a lock.
                audit.record(uow, audit.entry(outcome="denied", status=429, **note, **who))
                return found, account, who, None, (wait, why)
            return found, account, who, lockout.reserve(uow.conn, username, client_address), None

        found, account, who, attempt_id, denied = self.kernel.execute(reserve)
        if denied is not None:
            wait, why = denied
            metrics.LOGIN_FAILURES.labels(self.name, "address_throttled" if why else "locked").inc()
            raise TooManyRequests(f"too many failed attempts{' ' + why if why else ''}; try again later",
                                  {"retry_after": wait})
        # Unknown or not, one argon2 verify, so timing does not tell which usernames exist.
        # (Should it fail, the attempt stays pending, which counts as a failure.)
        stored = found.password_hash if found is not None and found.password_hash else self.auth.dummy_hash
        # No stored password is over PASSWORD_MAX: a longer one cannot match, and cutting it
        # keeps a megabyte "password" from costing a megabyte of hashing.
        given = password[:PASSWORD_MAX + 1] if isinstance(password, str) else ""
        matches = verify_password(stored, given)
        good = bool(matches and account is not None and found.password_hash and not account["disabled"])
        refresh_ttl = int(REFRESH_TOKEN_TTL.get())

        def settle(uow):
            if not good:  # one failure of this username settles at a time: see lockout.locks
                lockout.serialize(uow.conn, username, None)
            lockout.settle(uow.conn, attempt_id, good)
            locked = not good and lockout.locks(uow.conn, username, attempt_id)
            issued = sessions.start(uow.conn, account["account_id"], refresh_ttl) if good else None
            audit.record(uow, audit.entry(outcome="success" if good else "failed",
                                          status=200 if good else 401, **note, **who))
            return issued, locked

        # The failed attempt is settled and audited before the caller hears "no".
        issued, locked = self.kernel.execute(settle)
        if not good:
            metrics.LOGIN_FAILURES.labels(self.name, _failure_reason(found, account, matches)).inc()
            if locked:
                metrics.ACCOUNT_LOCKOUTS.labels(self.name, "unknown" if found is None else "existing").inc()
            raise Unauthorized(WRONG_CREDENTIALS)
        return self.auth.grant_tokens(account["account_id"], account["grants"], issued)

    @rpc
    def refresh(self, refresh_token, client_address=None, correlation_id=None) -> dict:
        note = {"operation": "refresh_token", "client_address": client_address,
                "correlation_id": self._correlation(correlation_id)}

        def work(uow):
            try:
                account_id, issued = sessions.rotate(uow.conn, refresh_token)
            except sessions.RefreshRefused as refused:
                account_id, issued = refused.account_id, None
            row = accounts.find(uow.conn, account_id) if account_id else None
            account = accounts.view(row) if row is not None else None
            first = _first_grant(account)
            audit.record(uow, audit.entry(
                outcome="success" if issued else "failed", status=200 if issued else 401,
                username=account and account["username"], actor_id=account_id, role=first["role"],
                store_id=first["store_id"], target_id=issued and issued.session_id, **note))
            return account, issued

        # Committed before refusing: a reused token's session revocation must hold.
        account, issued = self.kernel.execute(work)
        if issued is None:
            raise Unauthorized(BAD_REFRESH)
        return self.auth.grant_tokens(account["account_id"], account["grants"], issued)

    @rpc
    def logout(self, session_id, actor_id=None, client_address=None, correlation_id=None, *,
               username=None, role=None, store_id=None) -> dict:
        def work(uow):
            sessions.revoke(uow.conn, session_id)
            audit.record(uow, audit.entry(
                operation="logout", outcome="success", status=200, actor_id=actor_id,
                username=username, role=role, store_id=store_id, target_id=session_id,
                client_address=client_address, correlation_id=self._correlation(correlation_id)))

        self.kernel.execute(work)
        return {"revoked": True}

    @rpc
    def principal(self, session_id, account_id) -> dict:
        with self.kernel.read() as conn:
            row = sessions.live_principal(conn, session_id, account_id)
        if row is None:
            raise Unauthorized(SESSION_ENDED)
        return {"account_id": account_id, "username": row.username, "grants": json.loads(row.grants),
                "member_id": row.member_id, "session_id": session_id}

    # audit ------------------------------------------------------------------------------

    @handles(MemberErased)
    def on_member_erased(self, event, uow):
        accounts.forget(uow, event.data["member_id"], event.data["account_id"])

    @handles(AuditRequested)
    def on_audit_requested(self, event, uow):
        """The gateway's record of a request it served. Invalid, it raises (and is dead-lettered
        after the retries); a copy re-sent under a new event id finds its stream and adds nothing."""
        data = audit.checked(event.data)
        if uow.version(f"audit-{data['audit_id']}") == 0:
            audit.record(uow, data)

    @rpc
    def audit_log(self, store_id=None, actor_id=None, username=None, operation=None, since=None,
                  until=None, limit=50, cursor=None) -> dict:
        with self.kernel.read() as conn:
            return audit.query(conn, store_id, actor_id, username, operation, since, until,
                               _page(limit)[0], cursor)


SERVICE = IdentityService
