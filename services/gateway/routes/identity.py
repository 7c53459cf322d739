"""Logins and tokens, the caller, member registration online (it makes the login), accounts,
the audit trail. A member's profile is in ``members``."""
from services.identity.contracts import CUSTOMER

from ..api import PUBLIC, endpoint
from ..roles import ADMIN, ANYONE, HQ
from ..schemas import identity as schemas


class IdentityRoutes:
    @endpoint("POST", "/api/v1/auth/token", roles=PUBLIC, body=schemas.TokenRequest,
              response=schemas.Tokens, errors=(401, 429), audited_by_service=True)
    def issue_token(self, call):
        """Log in: username and password for an access token and a refresh token."""
        return self.identity.issue_token(
            username=call.body["username"], password=call.body["password"],
            client_address=call.address, correlation_id=self.correlation.id)

    @endpoint("POST", "/api/v1/auth/refresh", roles=PUBLIC, body=schemas.RefreshRequest,
              response=schemas.Tokens, errors=(401,), audited_by_service=True)
    def refresh_token(self, call):
        """Swap a refresh token for new tokens; the old refresh token stops working."""
        return self.identity.refresh(refresh_token=call.body["refresh_token"],
                                     client_address=call.address, correlation_id=self.correlation.id)

    @endpoint("POST", "/api/v1/auth/logout", roles=ANYONE, response=schemas.LoggedOut,
              audited_by_service=True, scope="self")
    def logout(self, call):
        """End the caller's session: its access and refresh tokens stop working."""
        caller = call.caller
        return self.identity.logout(session_id=caller.session_id, actor_id=caller.account_id,
                                    client_address=call.address, correlation_id=self.correlation.id,
                                    username=caller.username, role=call.role)

    @endpoint("GET", "/api/v1/me", roles=ANYONE, response=schemas.Me, scope="self")
    def me(self, call):
        """Who the caller is and what they hold."""
        caller = call.caller
        return {"account_id": caller.account_id, "username": caller.username,
                "member_id": caller.member_id,
                "grants": [{"role": role, "store_id": store} for role, store in caller.grants]}

    @endpoint("POST", "/api/v1/members", roles=PUBLIC, body=schemas.Registration,
              response=schemas.Registered, status=201, errors=(409, 422),
              location="/api/v1/members/{member_id}")
    def register_member(self, call):
        """Register as a customer (public): a member profile and a login."""
        body = call.body
        registered = self.identity.register_customer(
            username=body["username"], password=body["password"], name=body["name"],
            email=body["email"], phone=body["phone"], consents=body["consents"],
            client_address=call.address, correlation_id=self.correlation.id)
        call.audit.update(target_id=registered["member_id"], role=CUSTOMER)
        return registered

    @endpoint("POST", "/api/v1/accounts", roles=ADMIN, body=schemas.AccountRequest,
              response=schemas.Account, status=201, errors=(409, 422), etag=True,
              location="/api/v1/accounts/{account_id}")
    def create_account(self, call):
        """Create a staff, store manager or HQ account (HQ admins only)."""
        account = self.identity.create_account(
            username=call.body["username"], password=call.body["password"],
            grants=call.body["grants"], actor_id=call.caller.account_id)
        call.audit["target_id"] = account["account_id"]
        return account

    @endpoint("GET", "/api/v1/accounts", roles=ADMIN, query=schemas.AccountsQuery,
              response=schemas.AccountList)
    def list_accounts(self, call):
        """Accounts, by username, optionally of one store or role (HQ admins only)."""
        return self.identity.list_accounts(**call.query)

    @endpoint("GET", "/api/v1/accounts/<string:account_id>", roles=ADMIN,
              response=schemas.Account, errors=(404,), etag=True)
    def get_account(self, call, account_id):
        """One account; its ETag is the version to send back as If-Match (HQ admins only)."""
        return self.identity.get_account(account_id=account_id)

    @endpoint("PATCH", "/api/v1/accounts/<string:account_id>", roles=ADMIN,
              body=schemas.AccountUpdate, response=schemas.Account, errors=(404, 412, 422, 428),
              if_match=True, etag=True)
    def update_account(self, call, account_id):
        """Change an account's grants or disable it; If-Match must carry its version."""
        return self.identity.update_account(
            account_id=account_id, expected_version=call.expected_version,
            actor_id=call.caller.account_id, **call.body)

    @endpoint("GET", "/api/v1/audit", roles=HQ, query=schemas.AuditQuery, response=schemas.AuditPage)
    def audit(self, call):
        """The audit trail, newest first: logins and every state-changing request (HQ only)."""
        query = dict(call.query)
        for bound in ("since", "until"):
            if bound in query:
                query[bound] = query[bound].isoformat()
        return self.identity.audit_log(**query)
