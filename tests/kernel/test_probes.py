"""A service's probe port: /healthz says the process answers, /readyz says it can serve (its
database and the broker answer, and it is started), /metrics is Prometheus's."""

import requests

from shared.launcher import free_port
from tests.kernel import toy

DOWN = "postgresql://postgres@127.0.0.1:1/toybank"  # nothing listens on port 1



def probe(port: int, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)


def test_a_started_service_is_live_ready_and_shows_its_metrics(kernel_config, start_service, bank_db):
    port = free_port()
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, METRICS_PORT=port))

    assert probe(port, "/healthz").json() == {"status": "ok"}
    ready = probe(port, "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checked": ["toybank"]}
    metrics = probe(port, "/metrics")
    assert metrics.status_code == 200 and "salon_relay_lag_events" in metrics.text


def test_a_service_whose_broker_is_cut_is_live_but_not_ready(kernel_config, start_service, bank_db, proxy,
                                                              amqp_uri):
    port = free_port()
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, METRICS_PORT=port,
                                             AMQP_URI=proxy.uri(amqp_uri)))
    assert probe(port, "/readyz").status_code == 200

    proxy.cut()
    refused = probe(port, "/readyz")

    assert refused.status_code == 503
    assert refused.json()["status"] == "not ready"
    assert "toybank" in refused.json()["failed"]
    assert probe(port, "/healthz").status_code == 200  # liveness must not restart it for an outage
    proxy.restore()
    assert probe(port, "/readyz").status_code == 200


def test_a_service_whose_database_is_down_is_not_ready_and_says_why(kernel_config, start_service):
    port = free_port()
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=DOWN, METRICS_PORT=port))

    refused = probe(port, "/readyz")

    assert refused.status_code == 503
    assert "database cannot be reached" in refused.json()["failed"]["toybank"]
    assert probe(port, "/healthz").status_code == 200


def test_a_stopped_service_is_not_ready(kernel_config, start_service, bank_db):
    port = free_port()
    bank = start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, METRICS_PORT=port))
    assert probe(port, "/readyz").status_code == 200

    bank.stop()

    assert probe(port, "/readyz").status_code == 503


def test_an_unknown_probe_path_is_a_404_naming_the_real_ones(kernel_config, start_service, bank_db):
    port = free_port()
    start_service(toy.ToyBank, kernel_config(DATABASE_URL=bank_db, METRICS_PORT=port))

    answer = probe(port, "/ready")

    assert answer.status_code == 404
    assert answer.json()["paths"] == ["/healthz", "/readyz", "/metrics"]
