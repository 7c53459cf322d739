"""The demo HQ admin (seed) and the production bootstrap of the first HQ admin."""
import io

import pytest

from services.identity import bootstrap
from services.identity.app import APP
from shared.errors import Unauthorized

ADMIN_PASSWORD = "demo admin password"


def test_seed_creates_the_demo_admin_then_resets_its_password(rpc, database, store, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", ADMIN_PASSWORD)

    assert APP.seed(database, store, APP.projections) == f"demo HQ admin: admin / {ADMIN_PASSWORD}"
    issued = rpc.issue_token(username="admin", password=ADMIN_PASSWORD)
    assert issued["access_token"]
    [admin] = rpc.list_accounts(role="hq_admin")["items"]
    assert admin["grants"] == [{"role": "hq_admin", "store_id": None}]

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "another demo password")
    APP.seed(database, store, APP.projections)
    assert rpc.list_accounts()["total"] == 1
    with pytest.raises(Unauthorized):
        rpc.issue_token(username="admin", password=ADMIN_PASSWORD)
    assert rpc.issue_token(username="admin", password="another demo password")["access_token"]


def test_seed_without_a_demo_password_creates_no_account(rpc, database, store):
    assert "no demo admin" in APP.seed(database, store, APP.projections)
    assert rpc.list_accounts()["total"] == 0


def test_bootstrap_creates_an_hq_admin_once(rpc, identity_db, monkeypatch, capsys):
    monkeypatch.setenv("IDENTITY_DATABASE_URL", identity_db)

    assert bootstrap.main(["Root.Admin"], stdin=io.StringIO("a production password\n")) == 0
    assert "hq_admin root.admin created" in capsys.readouterr().out
    assert rpc.issue_token(username="root.admin", password="a production password")["access_token"]

    assert bootstrap.main(["root.admin"], stdin=io.StringIO("yet another password\n")) == 1
    assert "already taken" in capsys.readouterr().err
    assert bootstrap.main(["someone"], stdin=io.StringIO("short\n")) == 1
    assert rpc.list_accounts()["total"] == 1
