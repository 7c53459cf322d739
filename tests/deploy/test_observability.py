"""The monitoring of deploy/k8s/base/monitoring/: the Grafana dashboard queries only what the
services export (no dashboard of dead panels), the alerts each link a runbook section that
exists, and both count failures the way the code raises them.

What is exported is read from prometheus_client's registry after importing every module of
the kernel and the services that uses prometheus_client, never from a list kept by hand.
"""
import copy
import importlib
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "k8s" / "base" / "monitoring"
DASHBOARD = MONITORING / "dashboard.json"
ALERTS = MONITORING / "alerts.yaml"
RUNBOOK = ROOT / "docs" / "runbook.md"
RUNBOOK_URL = "https://github.com/salon-platform/salon/blob/main/docs/runbook.md#"
ANCHORS = {"relay-lagging", "dead-letters", "parked-streams", "audit-unconfirmed", "not-ready",
           "error-ratio"}

# Alerts may also use these, which are not ours: kube-state-metrics for readiness (a pod that
# fails /readyz leaves its Deployment's available replicas), and Prometheus's own `up`.
# The dashboard may not: it shows only what the services export.
FOREIGN_ALERT_METRICS = {
    "kube_deployment_status_replicas_unavailable",
    "kube_pod_status_ready",
    "up",
}
# Labels Prometheus adds to every target the PodMonitor scrapes (podmonitor.yaml adds `app`).
TARGET_LABELS = {"namespace", "pod", "container", "endpoint", "job", "instance", "app"}

# --- PromQL: the metric names an expression selects -----------------------------------------

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "and", "or", "unless", "atan2", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
TOKEN = re.compile(r"(?P<number>\d[\w.]*)|(?P<name>[A-Za-z_:][\w:]*)\s*(?P<call>\()?|(?P<other>.)", re.S)


def strings_blanked(expr: str) -> str:
    return STRING.sub('""', expr)


def selectors(expr: str) -> list[tuple[str, str]]:
    """(metric, matchers) of each vector selector with matchers: ``name{...}``."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"([A-Za-z_:][\w:]*)\s*\{([^{}]*)\}", expr)]


def metric_names(expr: str) -> set[str]:
    """The metric names ``expr`` selects. Left out: strings, Grafana variables, label matchers
    ({...}), ranges and subqueries ([...]), the labels of by/without/on/ignoring/group_*,
    functions and aggregations (a name followed by "("), keywords, numbers and durations."""
    if "__name__" in expr:
        raise ValueError(f"selects by __name__, which this check cannot follow: {expr}")
    text = strings_blanked(expr)
    text = GRAFANA_VARIABLE.sub("", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"\[[^\[\]]*\]", " ", text)
    text = GROUPING.sub(" ", text)
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    text = re.sub(r"@\s*(start\(\)|end\(\)|[\d.]+)", " ", text)
    names = set()
    for token in TOKEN.finditer(text):
        name = token.group("name")
        if name and not token.group("call") and name.lower() not in KEYWORDS:
            names.add(name)
    return names


def template_query_exprs(query: str) -> list[str]:
    """The PromQL inside a Grafana Prometheus variable query."""
    if match := re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", query, re.S):
        return [match.group(1)]
    if re.fullmatch(r"\s*label_values\(\s*\w+\s*\)\s*", query) or query.strip().startswith("metrics("):
        return []
    if match := re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S):
        return [match.group(1)]
    return [query]


# --- what the services export -----------------------------------------------------------------

def _metric_modules() -> list[str]:
    """Every module of the kernel and the services that uses prometheus_client."""
    found = []
    for path in sorted([*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]):
        if "prometheus_client" in path.read_text(encoding="utf-8"):
            found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def _exported() -> dict[str, dict]:
    """Each sample name the process exposes -> {"labels": its label names, "family": name}.

    A labelled metric nobody has touched yet has no samples, so the names come from each
    family's type, as prometheus_client writes them out: a counter as <name>_total (and
    _created), a histogram as _bucket/_count/_sum (and _created), a summary as _count/_sum."""
    for module in _metric_modules():
        importlib.import_module(module)
    from prometheus_client import REGISTRY
    from prometheus_client.metrics import MetricWrapperBase

    labels = {}  # family name -> label names, from the metric objects of the modules
    for module in _metric_modules():
        for value in vars(importlib.import_module(module)).values():
            if isinstance(value, MetricWrapperBase):
                labels[value._name] = set(value._labelnames)
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                "summary": ("", "_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",),
                "stateset": ("",), "gaugehistogram": ("_bucket", "_gcount", "_gsum"), "unknown": ("",)}
    exported = {}
    for family in REGISTRY.collect():
        names = {family.name + suffix for suffix in suffixes.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
        family_labels = labels.get(family.name, set()) | {
            key for sample in family.samples for key in sample.labels}
        for name in names:
            extra = {"le"} if name.endswith("_bucket") else set()
            exported[name] = {"labels": family_labels | extra, "family": family.name}
    return exported


@pytest.fixture(scope="module")
def exported() -> dict[str, dict]:
    return _exported()


# --- the files --------------------------------------------------------------------------------

def load_dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def load_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["spec"]["groups"] for rule in group["rules"]]


def all_panels(dashboard: dict) -> list[dict]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))  # a collapsed row holds its panels
    return out


def query_panels(dashboard: dict) -> list[dict]:
    return [p for p in all_panels(dashboard) if p["type"] != "row"]


def dashboard_queries(dashboard: dict) -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and every query variable."""
    found = [(f"panel {panel['title']!r} {target.get('refId')}", target.get("expr", ""))
             for panel in query_panels(dashboard) for target in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            query = query.get("query", "") if isinstance(query, dict) else query
            found += [(f"variable {variable['name']!r}", expr) for expr in template_query_exprs(query)]
    return found


def unexported(queries: list[tuple[str, str]], exported: dict[str, dict],
               allowed: set[str] = frozenset()) -> list[str]:
    """What the queries select that nothing exports: unknown metric names, and label
    matchers on labels the metric does not have (each an always-empty series)."""
    problems = []
    for where, expr in queries:
        names = metric_names(expr)
        if not names:
            problems.append(f"{where}: selects no metric: {expr}")
        for name in sorted(names - set(exported) - set(allowed)):
            problems.append(f"{where}: {name} is not exported")
        for name, matchers in selectors(strings_blanked(expr)):
            if name not in exported:
                continue
            used = set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", matchers))
            for label in sorted(used - exported[name]["labels"] - TARGET_LABELS):
                problems.append(f"{where}: {name} has no label {label!r}")
    return problems


# --- the checker itself ------------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "names"), [
    ('histogram_quantile(0.95, sum by (le, service) (rate(salon_entrypoint_latency_seconds_bucket'
     '{namespace=~"$namespace", service=~"$service"}[$__rate_interval])))',
     {"salon_entrypoint_latency_seconds_bucket"}),
    ('sum(rate(a_total{outcome!~"ok|sum(b)"}[5m])) / ignoring (x) group_left (y) c_total offset 1h',
     {"a_total", "c_total"}),
    ("max by (service) (salon_parked_streams) > 0 or sum without (handler) "
     "(increase(salon_dead_letters_total[10m] @ end())) > 1e3", {"salon_parked_streams",
                                                                  "salon_dead_letters_total"}),
    ("topk(10, rate(x_total[${__range}]))  * 60 and on (pod) up", {"x_total", "up"}),
    ("sum(rate(x_total[5m:30s]))", {"x_total"}),
])
def test_the_checker_finds_exactly_the_metrics_an_expression_selects(expr, names):
    assert metric_names(expr) == names


def test_a_dashboard_querying_a_made_up_metric_is_caught(exported):
    broken = copy.deepcopy(load_dashboard())
    panel = query_panels(broken)[0]
    panel["targets"][0]["expr"] = 'sum(rate(salon_made_up_things_total{service=~"$service"}[5m]))'

    problems = unexported(dashboard_queries(broken), exported)

    assert problems == [f"panel {panel['title']!r} A: salon_made_up_things_total is not exported"]


def test_a_label_the_metric_does_not_have_is_caught(exported):
    expr = 'sum(increase(salon_audit_failures_total{service="gateway"}[5m]))'
    assert unexported([("here", expr)], exported) == [
        "here: salon_audit_failures_total has no label 'service'"]


def test_exported_names_come_from_the_registry_with_exposition_suffixes(exported):
    assert {"salon_entrypoint_calls_total", "salon_entrypoint_latency_seconds_bucket",
            "salon_entrypoint_latency_seconds_count", "salon_relay_lag_seconds"} <= set(exported)
    assert "salon_entrypoint_calls" not in exported  # a counter is exposed with _total only
    assert exported["salon_events_appended_total"]["labels"] == {"service", "type"}


# --- the dashboard -------------------------------------------------------------------------------

def test_every_metric_the_dashboard_queries_is_exported(exported):
    assert unexported(dashboard_queries(load_dashboard()), exported) == []


def test_every_panel_has_a_datasource_and_a_query():
    dashboard = load_dashboard()
    assert query_panels(dashboard)
    for panel in query_panels(dashboard):
        assert panel.get("datasource", {}).get("uid") == "${datasource}", panel["title"]
        assert panel.get("targets"), panel["title"]
        for target in panel["targets"]:
            assert target.get("expr", "").strip(), f"{panel['title']} {target.get('refId')}"
            assert target.get("datasource", panel["datasource"])["uid"] == "${datasource}"


def test_the_dashboard_has_a_stable_uid_and_its_variables():
    dashboard = load_dashboard()
    assert dashboard["uid"] == "salon-platform"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert "label_values(salon_entrypoint_calls_total" in variables["service"]["definition"]
    ids = [p["id"] for p in all_panels(dashboard)]
    assert len(ids) == len(set(ids))


def test_every_event_type_the_dashboard_counts_is_declared_by_its_service():
    """A misspelt type would be a flat line, not an error: check it against the contracts."""
    from shared.contracts import all_contracts

    for module in ("booking", "orders", "members", "inventory"):
        importlib.import_module(f"services.{module}.contracts")
    declared = {(c.source, c.name) for c in all_contracts()}
    counted = set()
    for _, expr in dashboard_queries(load_dashboard()):
        for name, matchers in selectors(expr):
            if name == "salon_events_appended_total" and "type=" in matchers:
                service = re.search(r'service="(\w+)"', matchers).group(1)
                counted.add((service, re.search(r'type="(\w+)"', matchers).group(1)))
    assert {("booking", "BookingCreated"), ("orders", "OrderPaid")} <= counted
    assert counted - declared == set()


# --- the alerts ------------------------------------------------------------------------------------

def test_every_metric_the_alerts_query_is_exported_or_from_kube_state_metrics(exported):
    queries = [(f"alert {rule['alert']}", rule["expr"]) for rule in load_rules()]
    assert unexported(queries, exported, allowed=FOREIGN_ALERT_METRICS) == []


def test_every_alert_has_a_severity_a_wait_a_summary_a_description_and_its_runbook_section():
    rules = load_rules()
    assert {rule["annotations"]["runbook_url"].removeprefix(RUNBOOK_URL) for rule in rules} == ANCHORS
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["annotations"]["summary"].strip() and rule["annotations"]["description"].strip()
        assert rule["annotations"]["runbook_url"].startswith(RUNBOOK_URL), rule["alert"]


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_runbook_link_of_the_alerts_is_a_heading_of_the_runbook():
    assert RUNBOOK.exists(), "docs/runbook.md is missing"
    anchors, fenced = set(), False
    for line in RUNBOOK.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*(```|~~~)", line):
            fenced = not fenced  # a "# comment" in a shell block is no heading
        elif not fenced and re.match(r"#{1,6}\s", line):
            anchors.add(github_anchor(line.lstrip("#")))
    linked = {rule["annotations"]["runbook_url"].split("#", 1)[1] for rule in load_rules()}
    assert linked - anchors == set()


def test_the_failure_ratio_leaves_out_exactly_the_clients_own_errors():
    """An outcome is "ok" or the name of the exception raised; the client's refusals (the 4xx
    errors in the code) are answers, not failures. Every outcome matcher of the dashboard and
    the alerts names exactly those, so a 4xx error added to the code must be added here too."""
    from services.gateway import guard, problems
    from shared import errors

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert guard and problems  # imported for the errors they declare
    client = {cls.__name__ for cls in subclasses(errors.DomainError) if cls.status < 500}
    assert {"NotFound", "Conflict", "Unauthorized"} <= client
    exprs = [expr for _, expr in dashboard_queries(load_dashboard())] + [r["expr"] for r in load_rules()]
    matchers = [m for expr in exprs for m in re.findall(r'outcome\s*(!~|=~|!=|=)\s*"([^"]*)"', expr)]
    assert matchers
    for operator, value in matchers:
        named = set(value.split("|"))
        assert (operator, named) in (("!~", client | {"ok"}), ("=~", client)), (operator, value)
