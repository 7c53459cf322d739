"""QUEUE_TYPE=quorum (a RabbitMQ cluster): the partition queues and the RPC queues are quorum
queues, which outlive a broker node, and delivery keeps its promises on them: one stream's
events handled once each, in the order appended."""
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.testing import poll_until
from tests.kernel import toy


def test_with_quorum_queues_events_arrive_once_each_in_order_and_rpc_answers(
        bank_db, audit_db, kernel_config, start_service, open_db, rabbit_manager, rabbit_config,
        monkeypatch):
    monkeypatch.setenv("QUEUE_TYPE", "quorum")
    start_service(toy.ToyAudit, kernel_config(DATABASE_URL=audit_db))
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db))

    with entrypoint_hook(bank, "deposit") as deposit:
        for _ in range(20):
            deposit("alice", 10)
    audit = open_db(audit_db)

    def handled():
        with audit.read() as conn:
            return toy.seen_versions(conn, "account-alice")
    poll_until(lambda: len(handled()) >= 20, what="twenty deposits audited")

    assert handled() == list(range(1, 21))
    with ServiceRpcProxy("toyaudit", kernel_config()) as rpc:
        assert rpc.audited_count("alice") == 20
    kinds = {queue["name"]: queue["type"] for queue in rabbit_manager.get_queues(rabbit_config["vhost"])}
    partitions = [name for name in kinds if name.startswith("toyaudit.from.toybank.")]
    assert partitions and {kinds[name] for name in partitions} == {"quorum"}
    assert kinds["rpc-toyaudit"] == kinds["rpc-toybank"] == "quorum"
