"""Accounts: sign-up, staff accounts, unique usernames (also under a race), versions, passwords."""
import eventlet
import pytest
from sqlalchemy import select

from services.identity.tables import credentials
from shared.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, Unprocessable

from .conftest import PASSWORD, consents, register, staff_account


def test_register_customer_opens_a_customer_account_with_a_member_id(rpc):
    made = register(rpc, username="  Camille.M@Example.com ", client_address="203.0.113.9",
                    correlation_id="corr-signup")

    assert made["username"] == "camille.m@example.com"
    account = rpc.get_account(made["account_id"])
    assert account["grants"] == [{"role": "customer", "store_id": None}]
    assert account["member_id"] == made["member_id"]
    assert account["disabled"] is False
    assert account["version"] == 1
    assert account["created_at"].endswith("Z")
    assert rpc.audit_log()["total"] == 0  # the gateway audits sign-ups, as every request it serves


def test_a_taken_username_is_a_conflict_whatever_its_case(rpc):
    register(rpc, username="camille")

    with pytest.raises(Conflict) as refused:
        register(rpc, username="CAMILLE ")
    assert refused.value.details == {"username": ["already taken"]}
    with pytest.raises(Conflict):
        staff_account(rpc, username="camille")


def test_two_registrations_of_one_name_at_the_same_time_one_wins(rpc, callers):
    outcomes = []

    def attempt(proxy):
        try:
            outcomes.append(register(proxy, username="racer")["account_id"])
        except Conflict as exc:
            outcomes.append(exc)

    pool = [eventlet.spawn(attempt, proxy) for proxy in callers(4)]
    for thread in pool:
        thread.wait()

    won = [o for o in outcomes if isinstance(o, str)]
    assert len(won) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o not in won)
    assert len(outcomes) == 4
    listed = rpc.list_accounts()
    assert [a["username"] for a in listed["items"]] == ["racer"]


@pytest.mark.parametrize("password, message", [
    ("short", "must be 10 to 128 characters long"),
    ("x" * 129, "must be 10 to 128 characters long"),
    ("camille-martin", "must not be the username"),
])
def test_a_weak_password_is_unprocessable(rpc, password, message):
    with pytest.raises(Unprocessable) as refused:
        register(rpc, username="camille-martin", password=password)
    assert message in refused.value.details["password"]


def test_a_malformed_username_is_unprocessable(rpc):
    with pytest.raises(Unprocessable) as refused:
        register(rpc, username="no spaces allowed")
    assert list(refused.value.details) == ["username"]


def test_terms_not_accepted_is_unprocessable_and_records_nothing(rpc):
    with pytest.raises(Unprocessable) as refused:
        register(rpc, consents=consents(terms=False))
    assert refused.value.details == {"consents": {"terms": ["must be accepted"]}}
    assert rpc.list_accounts()["total"] == 0


def test_missing_consents_are_invalid_input(rpc):
    with pytest.raises(InvalidInput) as refused:
        register(rpc, consents={"terms": True})
    assert set(refused.value.details["consents"]) == {"marketing_email", "marketing_sms"}


def test_the_password_is_stored_as_an_owasp_argon2id_hash_only(rpc, database):
    made = register(rpc)

    with database.read() as conn:
        stored = conn.execute(select(credentials.c.password_hash)
                              .where(credentials.c.account_id == made["account_id"])).scalar()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_create_account_grants_store_roles_and_refuses_the_customer_role(rpc):
    account = staff_account(rpc, grants=[{"role": "store_manager", "store_id": "paris-opera"},
                                         {"role": "staff", "store_id": "lyon"}])
    assert account["grants"] == [{"role": "store_manager", "store_id": "paris-opera"},
                                 {"role": "staff", "store_id": "lyon"}]
    assert account["member_id"] is None

    for grants in ([{"role": "customer", "store_id": None}], [{"role": "staff"}],
                   [{"role": "hq_admin", "store_id": "lyon"}], [{"role": "wizard", "store_id": None}], []):
        with pytest.raises(Unprocessable) as refused:
            rpc.create_account(username="other", password=PASSWORD, grants=grants)
        assert list(refused.value.details) == ["grants"]
    assert rpc.list_accounts()["total"] == 1


def test_list_accounts_filters_by_store_and_role_ordered_by_username(rpc):
    staff_account(rpc, username="zoe", grants=[{"role": "staff", "store_id": "paris-opera"}])
    staff_account(rpc, username="hugo", grants=[{"role": "staff", "store_id": "lyon"}])
    staff_account(rpc, username="anne", grants=[{"role": "store_manager", "store_id": "paris-opera"}])
    staff_account(rpc, username="hq-analyst", grants=[{"role": "hq_analyst", "store_id": None}])
    register(rpc, username="camille")

    names = lambda page: [a["username"] for a in page["items"]]  # noqa: E731
    assert names(rpc.list_accounts()) == ["anne", "camille", "hq-analyst", "hugo", "zoe"]
    assert names(rpc.list_accounts(store_id="paris-opera")) == ["anne", "zoe"]
    assert names(rpc.list_accounts(store_id="paris-opera", role="staff")) == ["zoe"]
    assert names(rpc.list_accounts(role="customer")) == ["camille"]
    page = rpc.list_accounts(limit=2, offset=2)
    assert names(page) == ["hq-analyst", "hugo"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    with pytest.raises(InvalidInput):
        rpc.list_accounts(limit=0)


def test_update_account_changes_grants_at_the_version_read(rpc):
    account = staff_account(rpc)

    changed = rpc.update_account(account_id=account["account_id"], expected_version=1, actor_id="hq-1",
                                 grants=[{"role": "store_manager", "store_id": "paris-opera"}])
    assert changed["grants"] == [{"role": "store_manager", "store_id": "paris-opera"}]
    assert changed["version"] == 2

    with pytest.raises(PreconditionFailed) as stale:
        rpc.update_account(account_id=account["account_id"], expected_version=1, disabled=True)
    # nameko carries exception arguments as text: numbers arrive as strings
    assert stale.value.details == {"current_version": "2"}
    assert rpc.get_account(account["account_id"])["disabled"] is False


def test_update_of_an_unknown_account_is_not_found_before_any_version_check(rpc):
    with pytest.raises(NotFound):
        rpc.update_account(account_id="nobody", expected_version=7, disabled=True)


def test_a_customer_accounts_grants_do_not_change(rpc):
    made = register(rpc)
    with pytest.raises(Unprocessable) as refused:
        rpc.update_account(account_id=made["account_id"], expected_version=1,
                           grants=[{"role": "staff", "store_id": "paris-opera"}])
    assert "grants" in refused.value.details


def test_set_password_records_a_new_version_and_checks_the_policy(rpc):
    account = staff_account(rpc)

    with pytest.raises(Unprocessable):
        rpc.set_password(account_id=account["account_id"], new_password="short")
    changed = rpc.set_password(account_id=account["account_id"], new_password="a new long password",
                               actor_id="hq-1")
    assert changed["version"] == 2
    rpc.issue_token(username="amelie", password="a new long password")
    with pytest.raises(NotFound):
        rpc.set_password(account_id="nobody", new_password="a new long password")


def test_the_unique_username_settles_a_race_the_early_check_missed(rpc, monkeypatch):
    from services.identity import accounts

    register(rpc, username="racer")
    # As if a second replica had checked before the first committed.
    monkeypatch.setattr(accounts, "username_taken", lambda conn, username: False)

    with pytest.raises(Conflict) as refused:
        register(rpc, username="racer")
    assert refused.value.details == {"username": ["already taken"]}
    with pytest.raises(Conflict):
        staff_account(rpc, username="racer")
    assert rpc.list_accounts()["total"] == 1


def test_a_taken_username_is_refused_before_any_password_is_hashed(rpc, monkeypatch):
    from services.identity import service

    register(rpc, username="camille")
    staff_account(rpc, username="amelie")
    hashed = []
    real = service.hash_password
    monkeypatch.setattr(service, "hash_password", lambda password: hashed.append(1) or real(password))

    with pytest.raises(Conflict):
        register(rpc, username="camille")
    with pytest.raises(Conflict):
        staff_account(rpc, username="amelie")
    assert hashed == []
    register(rpc, username="camille-2")
    assert hashed == [1]  # the hook does see the hashing it counts


def test_a_password_no_database_could_hold_is_unprocessable(rpc):
    with pytest.raises(Unprocessable) as refused:
        register(rpc, password="long enough \ud800 password")
    assert refused.value.details == {"password": ["must be valid Unicode text"]}


def test_an_admin_cannot_lock_themselves_out(rpc):
    admin = rpc.create_account(username="hq-boss", password=PASSWORD, grants=[{"role": "hq_admin"}])
    me, version = admin["account_id"], admin["version"]
    with pytest.raises(Unprocessable) as disabling:
        rpc.update_account(account_id=me, expected_version=version, actor_id=me, disabled=True)
    assert "disabled" in disabling.value.details
    with pytest.raises(Unprocessable) as demoting:
        rpc.update_account(account_id=me, expected_version=version, actor_id=me,
                           grants=[{"role": "hq_analyst"}])
    assert "grants" in demoting.value.details
    # Another admin may; and an admin may still add grants to themselves.
    widened = rpc.update_account(account_id=me, expected_version=version, actor_id=me,
                                 grants=[{"role": "hq_admin"}, {"role": "hq_analyst"}])
    assert widened["version"] == version + 1
    other = rpc.update_account(account_id=me, expected_version=version + 1, actor_id="someone-else",
                               disabled=True)
    assert other["disabled"] is True
