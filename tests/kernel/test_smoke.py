from nameko.testing.services import entrypoint_hook

from shared.config import nameko_config
from shared.testing import poll_until
from tests.kernel import toy


def test_deposit_reaches_audit(runner_factory, amqp_uri, db_url, tmp_path):
    bank_db = db_url
    audit_db = f"sqlite:///{tmp_path}/audit.db"
    toy.create_schema(bank_db)
    toy.create_schema(audit_db)
    base = {**nameko_config("x"), "AMQP_URI": amqp_uri, "METRICS_PORT": 0}
    runner_bank = runner_factory({**base, "DATABASE_URL": bank_db}, toy.ToyBank)
    runner_audit = runner_factory({**base, "DATABASE_URL": audit_db}, toy.ToyAudit)
    runner_audit.start()
    runner_bank.start()
    bank = next(iter(runner_bank.containers))
    audit = next(iter(runner_audit.containers))
    with entrypoint_hook(bank, "deposit") as deposit:
        assert deposit("alice", 500) == 1
    with entrypoint_hook(bank, "balance") as balance:
        assert balance("alice") == 500
    with entrypoint_hook(audit, "audited_count") as count:
        poll_until(lambda: count("alice") == 1, what="audit of alice")
