"""``make k8s-validate`` passes on the real overlays and fails, naming the overlay, the object
and the field, on each kind of mistake an overlay can carry."""

import shutil
from pathlib import Path

import pytest
import yaml

from deploy.validate import REPO, stop_path_seconds, validate

K8S = REPO / "deploy" / "k8s"
DEV = ("overlays/dev",)


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of deploy/k8s to break."""
    shutil.copytree(K8S, tmp_path / "k8s")
    return tmp_path / "k8s"


def edit(tree: Path, relative: str, change) -> None:
    """Apply ``change`` to every YAML document of one manifest file."""
    path = tree / relative
    documents = list(yaml.safe_load_all(path.read_text()))
    for document in documents:
        change(document)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))


def problems(tree: Path, overlays=DEV) -> list[str]:
    found, _ = validate(tree, overlays)
    return [str(problem) for problem in found]


def container(document: dict) -> dict:
    return document["spec"]["template"]["spec"]["containers"][0]


def test_every_overlay_renders_and_passes_schemas_and_rules():
    found, checked = validate(K8S)

    assert [str(problem) for problem in found] == []
    assert checked > 150


def test_a_misspelt_field_fails_naming_the_object_and_the_field(tree):
    def misspell(document):
        if document["kind"] == "Deployment":
            container(document)["readinesProbe"] = container(document).pop("readinessProbe")

    edit(tree, "base/gateway/deployment.yaml", misspell)

    found = problems(tree)

    assert any(
        "overlays/dev: Deployment/gateway: spec.template.spec.containers.0: " in p
        and "'readinesProbe' was unexpected" in p
        for p in found
    ), found


def test_a_field_of_the_wrong_type_in_an_operator_resource_fails_against_its_crd(tree):
    def schedule_as_number(document):
        if document["kind"] == "ScheduledBackup":
            document["spec"]["schedule"] = 2

    edit(tree, "base/workload/postgres.yaml", schedule_as_number)

    assert "overlays/dev: ScheduledBackup/pg-booking-daily: spec.schedule: must be string" in problems(tree)


def test_an_unknown_key_in_a_rabbitmq_policy_fails(tree):
    def misspell(document):
        if document["kind"] == "Policy":
            document["spec"]["definition"]["delivery-limmit"] = 5

    edit(tree, "base/rabbitmq/topology.yaml", misspell)

    assert any(
        p.startswith("overlays/dev: Policy/salon-partitions: spec.definition: ")
        and "'delivery-limmit' was unexpected" in p
        for p in problems(tree)
    )


def test_a_kustomization_that_does_not_build_fails_naming_the_overlay(tree):
    path = tree / "base" / "kustomization.yaml"
    path.write_text(path.read_text().replace("  - gateway\n", "  - gateways\n"))

    [found] = problems(tree)

    assert found.startswith("overlays/dev: kustomization: -: ") and "gateways" in found


def test_a_workload_without_probes_limits_or_hardening_fails_on_each(tree):
    def strip(document):
        if document["kind"] == "Deployment":
            gateway = container(document)
            del gateway["livenessProbe"], gateway["resources"]["limits"]
            gateway["securityContext"]["readOnlyRootFilesystem"] = False
            del gateway["securityContext"]["capabilities"]
            del document["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]

    edit(tree, "base/gateway/deployment.yaml", strip)

    found = [p for p in problems(tree) if "Deployment/gateway" in p]

    for field in (
        "containers[gateway].livenessProbe: missing",
        "containers[gateway].resources.limits.cpu: missing",
        "containers[gateway].resources.limits.memory: missing",
        "containers[gateway].securityContext.readOnlyRootFilesystem: must be true",
        "containers[gateway].securityContext.capabilities.drop: must drop ALL",
        "spec.template.spec.securityContext.seccompProfile: must be RuntimeDefault",
    ):
        assert f"overlays/dev: Deployment/gateway: {field}" in found, found


def test_a_workload_without_a_disruption_budget_fails(tree):
    path = tree / "base" / "gateway" / "service.yaml"
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d["kind"] != "PodDisruptionBudget"]
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))

    assert (
        "overlays/dev: Deployment/gateway: spec.template.metadata.labels: no PodDisruptionBudget "
        "selects these pods"
    ) in problems(tree)


def test_a_grace_period_shorter_than_the_kernels_stop_path_fails(tree):
    def hurry(document):
        document["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = int(stop_path_seconds())

    edit(tree, "base/workload/deployment.yaml", hurry)

    assert any(
        "Deployment/orders: spec.template.spec.terminationGracePeriodSeconds" in p for p in problems(tree)
    )


def test_a_secret_in_the_manifests_or_a_secret_setting_given_as_a_value_fails(tree):
    (tree / "base" / "secret.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "salon-auth"},
                "stringData": {"AUTH_SECRET": "x" * 40},
            }
        )
    )
    path = tree / "base" / "kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n", "  - namespace.yaml\n  - secret.yaml\n"))

    def inline(document):
        if document["kind"] == "Deployment":
            env = container(document)["env"]
            env[[v["name"] for v in env].index("AUTH_SECRET")] = {"name": "AUTH_SECRET", "value": "x" * 40}

    edit(tree, "base/gateway/deployment.yaml", inline)

    found = problems(tree)

    assert any(
        p.startswith("overlays/dev: Secret/salon-auth: data: a Secret in the manifests") for p in found
    )
    assert (
        "overlays/dev: Deployment/gateway: containers[gateway].env.AUTH_SECRET: a secret setting must "
        "come from a Secret (valueFrom.secretKeyRef)"
    ) in found


def test_a_misspelt_setting_fails_in_the_configmap_and_in_a_container(tree):
    settings = tree / "base" / "settings.env"
    settings.write_text(settings.read_text() + "RPC_TIMOUT=5\n")

    def misspell(document):
        container(document)["env"].append({"name": "AUTH_SECERT_PREVIOUS", "value": "x"})

    edit(tree, "base/gateway/deployment.yaml", misspell)

    found = problems(tree)

    assert any(": data.RPC_TIMOUT: not a setting of the platform" in p for p in found)
    assert any(
        "Deployment/gateway: containers[gateway].env.AUTH_SECERT_PREVIOUS: not a setting" in p for p in found
    )


def test_a_workload_missing_what_its_entrypoint_needs_fails(tree):
    def forget(document):
        env = container(document)["env"]
        container(document)["env"] = [v for v in env if v["name"] != "AUTH_SECRET"]

    edit(tree, "base/gateway/deployment.yaml", forget)

    assert (
        "overlays/dev: Deployment/gateway: containers[gateway].env.AUTH_SECRET: missing: `serve gateway` "
        "does not start without it"
    ) in problems(tree)


def test_an_image_on_latest_fails_and_prod_needs_a_digest(tree):
    dev = tree / "overlays" / "dev" / "kustomization.yaml"
    dev.write_text(dev.read_text().replace("newTag: dev", "newTag: latest"))
    prod = tree / "overlays" / "prod" / "kustomization.yaml"
    prod.write_text(
        prod.read_text().replace(
            "digest: sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "newTag: v1.0.0",
        )
    )

    found = problems(tree, ("overlays/dev", "overlays/prod"))

    assert any(
        p.startswith("overlays/dev: Deployment/booking: containers[booking].image: ") and "never latest" in p
        for p in found
    )
    assert any(
        p.startswith("overlays/prod: Deployment/booking: containers[booking].image: ")
        and "pinned by digest" in p
        for p in found
    )


def test_prod_runs_at_least_three_replicas_of_each_service(tree):
    prod = tree / "overlays" / "prod" / "kustomization.yaml"
    prod.write_text(prod.read_text().replace("/spec/minReplicas, value: 3", "/spec/minReplicas, value: 2"))

    assert (
        "overlays/prod: Deployment/gateway: spec.replicas: prod runs at least 3 replicas (here 2)"
        in problems(tree, ("overlays/prod",))
    )


def test_only_the_gateway_takes_traffic_through_an_ingress(tree):
    def expose_booking(document):
        if document["kind"] == "Ingress":
            document["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "booking"

    edit(tree, "base/gateway/service.yaml", expose_booking)

    assert any(
        p.startswith("overlays/dev: Ingress/gateway: spec.rules: only the gateway") for p in problems(tree)
    )


def test_a_placeholder_a_replacement_missed_fails(tree):
    path = tree / "base" / "workload" / "named" / "replacements.yaml"
    path.write_text(path.read_text().replace("        - spec.template.spec.containers.0.args.1\n", ""))

    assert (
        "overlays/dev: Deployment/booking: spec.template.spec.containers.0.args.1: 'SERVICE': a template "
        "placeholder left unfilled"
    ) in problems(tree)


def test_a_required_secret_referenced_as_optional_counts_as_missing(tree):
    def optional(document):
        for variable in container(document)["env"]:
            if variable["name"] == "AUTH_SECRET":
                variable["valueFrom"]["secretKeyRef"]["optional"] = True

    edit(tree, "base/gateway/deployment.yaml", optional)

    assert any(
        "Deployment/gateway: containers[gateway].env.AUTH_SECRET: missing" in p for p in problems(tree)
    )


def test_a_probe_on_a_port_the_container_does_not_have_fails(tree):
    def misname(document):
        if document["kind"] == "Deployment":
            container(document)["readinessProbe"]["httpGet"]["port"] = "metrcs"

    edit(tree, "base/workload/deployment.yaml", misname)

    assert any(
        "Deployment/orders: containers[orders].readinessProbe.httpGet.port: 'metrcs' is not a port" in p
        for p in problems(tree)
    ), problems(tree)


def test_a_service_on_a_port_or_pods_that_do_not_exist_fails(tree):
    def misname(document):
        if document["kind"] == "Service":
            document["spec"]["ports"][0]["targetPort"] = "htp"

    def mislabel(document):
        if document["kind"] == "Service":
            document["spec"]["selector"]["app.kubernetes.io/component"] = "servr"

    edit(tree, "base/gateway/service.yaml", misname)
    edit(tree, "base/workload/service.yaml", mislabel)

    found = problems(tree)

    assert (
        "overlays/dev: Service/gateway: spec.ports[http].targetPort: 'htp' is not a port of the pods "
        "it selects"
    ) in found
    assert any(
        p.startswith("overlays/dev: Service/booking: spec.selector: ") and "selects no" in p for p in found
    )


def test_a_replica_count_on_an_autoscaled_deployment_fails(tree):
    def pin(document):
        if document["kind"] == "Deployment":
            document["spec"]["replicas"] = 3

    edit(tree, "base/gateway/deployment.yaml", pin)

    assert any(
        p.startswith("overlays/dev: Deployment/gateway: spec.replicas: set on a Deployment an autoscaler")
        for p in problems(tree)
    )


def test_a_disruption_budget_whose_expressions_exclude_the_pods_does_not_count(tree):
    def exclude(document):
        selector = document["spec"]["selector"]
        selector["matchExpressions"] = [
            {
                "key": "app.kubernetes.io/component",
                "operator": "NotIn",
                "values": [selector["matchLabels"].pop("app.kubernetes.io/component")],
            }
        ]

    edit(tree, "base/workload/pdb.yaml", exclude)

    assert (
        "overlays/dev: Deployment/booking: spec.template.metadata.labels: no PodDisruptionBudget "
        "selects these pods"
    ) in problems(tree)
