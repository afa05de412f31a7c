#!/usr/bin/env python3
"""Checks what `helm template` rendered for helm/cabildo carries what the
chart promises (scripts/test.d/20-helm-lint.sh runs it on every rendering):

- every document parses and has apiVersion, kind and metadata.name;
- the API container's probes (/healthz liveness, /readyz readiness, startup
  on one of them) on the container's own port;
- resources: CPU and memory requests and limits, the memory limit above the
  benchmarks' steady state plus 64 MiB per Argon2id thread;
- the security context of every container (API and hook): non-root,
  seccomp RuntimeDefault, no privilege escalation, read-only root with an
  emptyDir /tmp, ALL capabilities dropped, no service-account token;
- shutdown: preStop sleep = CABILDO_SHUTDOWN_DRAIN_MS, and the grace period
  above preStop + drain + the server's in-flight bound (read from
  api/src/cli.cc);
- every CABILDO_* setting of the README's configuration table reaches the
  pods (ConfigMap, or a Secret reference), secret settings only through
  secretKeyRef and never in a ConfigMap, the admin URL only in the hook;
- the migration Job is a pre-install/pre-upgrade hook with a delete policy
  and a backoffLimit, runs `migrate` first, and everything it reads that the
  chart renders is a hook too (pre-install runs before ordinary resources);
- Service, HPA, PDB and ServiceMonitor select the API pods, never the hook's;
- the NetworkPolicy (ingress only from selected namespaces, egress to DNS,
  PostgreSQL and Redis) and the Ingress (body size = CABILDO_MAX_BODY_BYTES,
  timeouts, HTTP/1.1 upstream, /metrics denied).

Usage: helm_check.py RENDERED.yaml --root REPO [--expect PART]...
PART: ingress, networkpolicy, servicemonitor, tenants, bootstrap, no-hook
(migrations disabled: no Job).
Exit 1 with one line per problem, each naming what is missing.
"""
import argparse
import re
import sys

import yaml

SECRET_VARS = {
    "CABILDO_DATABASE_URL",
    "CABILDO_DATABASE_ADMIN_URL",
    "CABILDO_REDIS_URL",
    "CABILDO_DATA_KEY",
    "CABILDO_BOOTSTRAP_ADMIN_PASSWORD",
}
# Settings the chart must pass although the README's table may not list them
# yet (the portal's directory: the image ships the portal).
EXTRA_VARS = {"CABILDO_PORTAL_DIR"}
# README "Performance": RSS after the full default load (82 MiB), and
# libsodium's interactive Argon2id limit per hash in progress.
STEADY_RSS_MIB = 82
ARGON2_MIB = 64

problems = []


def fail(message):
    problems.append(message)


def get(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


def mebibytes(quantity):
    """Kubernetes memory quantity -> MiB (float); None when unparsable."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(quantity))
    if not m:
        return None
    factor = {None: 1, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4,
              "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[m.group(2)]
    return float(m.group(1)) * factor / 1024**2


def nginx_size(value):
    """nginx size (client_max_body_size): bytes, or k/m/g suffix."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", str(value))
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def readme_variables(readme):
    """The CABILDO_* names of the README's configuration table."""
    names, in_section = [], False
    for line in readme.splitlines():
        if line.startswith("## "):
            in_section = line.strip() == "## Configuration"
        elif in_section:
            m = re.match(r"\|\s*`(CABILDO_[A-Z0-9_]+)`\s*\|", line)
            if m:
                names.append(m.group(1))
    return names


def in_flight_bound(cli_source):
    m = re.search(r"app\.Stop\(config->shutdown_drain,\s*std::chrono::seconds\((\d+)\)\)", cli_source)
    return int(m.group(1)) if m else None


def containers_of(pod_spec):
    return (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or [])


def check_security(label, pod_spec):
    pod_sc = pod_spec.get("securityContext") or {}
    if get(pod_spec, "automountServiceAccountToken") is not False:
        fail(f"{label}: automountServiceAccountToken is not false (the API never calls Kubernetes)")
    for c in containers_of(pod_spec):
        where = f"{label} container {c.get('name')}"
        sc = c.get("securityContext") or {}
        merged = {**pod_sc, **sc}
        if merged.get("runAsNonRoot") is not True:
            fail(f"{where}: securityContext.runAsNonRoot is not true")
        if merged.get("runAsUser") == 0:
            fail(f"{where}: securityContext.runAsUser is 0 (root)")
        if get(merged, "seccompProfile", "type") != "RuntimeDefault":
            fail(f"{where}: securityContext.seccompProfile.type is not RuntimeDefault")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(f"{where}: securityContext.allowPrivilegeEscalation is not false")
        if sc.get("privileged") is True:
            fail(f"{where}: securityContext.privileged is true")
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(f"{where}: securityContext.readOnlyRootFilesystem is not true")
        if "ALL" not in (get(sc, "capabilities", "drop") or []):
            fail(f"{where}: securityContext.capabilities.drop does not hold ALL")
        if get(sc, "capabilities", "add"):
            fail(f"{where}: securityContext.capabilities.add is not empty")
        volumes = {v.get("name"): v for v in pod_spec.get("volumes") or []}
        tmp = [m for m in c.get("volumeMounts") or [] if m.get("mountPath") == "/tmp"]
        if not tmp or "emptyDir" not in volumes.get(tmp[0].get("name"), {}):
            fail(f"{where}: no emptyDir mounted at /tmp (the root filesystem is read-only)")


def env_map(container):
    return {e.get("name"): e for e in container.get("env") or []}


def check_secret_env(label, container, secrets_rendered):
    for name, entry in env_map(container).items():
        if name in SECRET_VARS:
            ref = get(entry, "valueFrom", "secretKeyRef")
            if "value" in entry or not ref:
                fail(f"{label}: {name} is not read from a Secret (secretKeyRef)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rendered")
    parser.add_argument("--root", required=True)
    parser.add_argument("--expect", action="append", default=[])
    args = parser.parse_args()
    expect = set(args.expect)

    with open(args.rendered, encoding="utf-8") as f:
        text = f.read()
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        print(f"helm-check: the rendered manifests do not parse: {error}", file=sys.stderr)
        return 1
    with open(f"{args.root}/README.md", encoding="utf-8") as f:
        readme_vars = readme_variables(f.read())
    with open(f"{args.root}/api/src/cli.cc", encoding="utf-8") as f:
        in_flight = in_flight_bound(f.read())
    if not readme_vars:
        fail("README.md: no CABILDO_* rows found in the '## Configuration' table")
    if in_flight is None:
        fail("api/src/cli.cc: the server's in-flight bound (app.Stop(..., seconds(N))) was not found")

    by_kind = {}
    for i, d in enumerate(docs):
        if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") or not get(d, "metadata", "name"):
            fail(f"document {i + 1}: no apiVersion, kind or metadata.name")
            continue
        by_kind.setdefault(d["kind"], []).append(d)

    def one(kind):
        found = by_kind.get(kind, [])
        if len(found) != 1:
            fail(f"expected one {kind}, rendered {len(found)}")
            return None
        return found[0]

    def hook_phases(d):
        return {p.strip() for p in str(get(d, "metadata", "annotations", "helm.sh/hook", default="")).split(",") if p.strip()}

    configmaps = {get(d, "metadata", "name"): d for d in by_kind.get("ConfigMap", [])}
    secrets = {get(d, "metadata", "name"): d for d in by_kind.get("Secret", [])}

    # No secret in any ConfigMap, by name or by look (a URL with a password).
    for name, cm in configmaps.items():
        for key, value in (cm.get("data") or {}).items():
            if key in SECRET_VARS:
                fail(f"ConfigMap {name}: holds {key}, a secret setting (it belongs in a Secret)")
            if re.search(r"://[^/@\s:]*:[^/@\s]+@", str(value)):
                fail(f"ConfigMap {name}: {key} looks like a URL with a password")

    deployment = one("Deployment")
    api_labels, port, config, drain_ms = {}, None, {}, None
    if deployment:
        pod = get(deployment, "spec", "template", "spec") or {}
        api_labels = get(deployment, "spec", "template", "metadata", "labels") or {}
        if not selects(get(deployment, "spec", "selector", "matchLabels"), api_labels):
            fail("Deployment: spec.selector does not select its own pod labels")
        api = [c for c in pod.get("containers") or [] if c.get("name") == "api"]
        if not api:
            fail("Deployment: no container named api")
        else:
            api = api[0]
            ports = {p.get("name"): p.get("containerPort") for p in api.get("ports") or []}
            port = ports.get("http")
            if not port:
                fail("Deployment: the api container has no port named http")

            for ref in api.get("envFrom") or []:
                cm = configmaps.get(get(ref, "configMapRef", "name"))
                if cm:
                    config.update(cm.get("data") or {})
            if not config:
                fail("Deployment: the api container takes no rendered ConfigMap (envFrom)")
            listen = config.get("CABILDO_LISTEN", "")
            if port and not listen.endswith(f":{port}"):
                fail(f"ConfigMap: CABILDO_LISTEN ({listen!r}) does not listen on the container port {port}")

            def probe(kind, paths, required=True):
                p = api.get(kind)
                if not p:
                    if required:
                        fail(f"Deployment: the api container has no {kind}")
                    return
                path, pport = get(p, "httpGet", "path"), get(p, "httpGet", "port")
                if path not in paths:
                    fail(f"Deployment: {kind} checks {path!r}, not {' or '.join(paths)}")
                if pport not in ("http", port):
                    fail(f"Deployment: {kind} checks port {pport!r}, not the container's http port {port}")

            probe("livenessProbe", ["/healthz"])
            probe("readinessProbe", ["/readyz"])
            probe("startupProbe", ["/healthz", "/readyz"], required=False)

            res = api.get("resources") or {}
            for part in ("requests", "limits"):
                for what in ("cpu", "memory"):
                    if get(res, part, what) in (None, ""):
                        fail(f"Deployment: resources.{part}.{what} is not set")
            limit = mebibytes(get(res, "limits", "memory", default=""))
            request = mebibytes(get(res, "requests", "memory", default=""))
            threads = config.get("CABILDO_PASSWORD_HASH_THREADS")
            if threads in (None, "0"):
                fail("ConfigMap: CABILDO_PASSWORD_HASH_THREADS is unset or 0 (one per *node* core, 64 MiB each): pin it")
            elif limit is not None:
                need = STEADY_RSS_MIB + ARGON2_MIB * int(threads)
                if limit < need:
                    fail(f"Deployment: resources.limits.memory ({limit:.0f} MiB) is below {need} MiB "
                         f"(README Performance: {STEADY_RSS_MIB} MiB after load + {ARGON2_MIB} MiB x {threads} Argon2id threads)")
            if limit is not None and request is not None and request > limit:
                fail("Deployment: resources.requests.memory exceeds the limit")

            # Shutdown: one value drives preStop and the server's drain.
            drain_ms = config.get("CABILDO_SHUTDOWN_DRAIN_MS")
            pre = get(api, "lifecycle", "preStop") or {}
            sleep = get(pre, "sleep", "seconds")
            cmd = get(pre, "exec", "command") or []
            if sleep is None and len(cmd) == 2 and cmd[0] in ("sleep", "/bin/sleep"):
                sleep = int(cmd[1])
            grace = pod.get("terminationGracePeriodSeconds")
            if sleep is None:
                fail("Deployment: the api container has no preStop sleep (lifecycle.preStop)")
            elif drain_ms is None:
                fail("ConfigMap: CABILDO_SHUTDOWN_DRAIN_MS is not set")
            else:
                if int(sleep) * 1000 != int(drain_ms):
                    fail(f"Deployment: preStop sleeps {sleep} s but CABILDO_SHUTDOWN_DRAIN_MS is {drain_ms}: one value must drive both")
                bound = int(sleep) + int(drain_ms) // 1000 + (in_flight or 0)
                if not isinstance(grace, int) or grace <= bound:
                    fail(f"Deployment: terminationGracePeriodSeconds ({grace}) does not exceed preStop {sleep} s + "
                         f"drain {int(drain_ms) // 1000} s + in-flight bound {in_flight} s = {bound} s")

            check_secret_env("Deployment api", api, secrets)
            env = env_map(api)
            if "CABILDO_DATABASE_URL" not in env:
                fail("Deployment: CABILDO_DATABASE_URL is not given to the api container")
            for name in ("CABILDO_DATABASE_ADMIN_URL", "CABILDO_BOOTSTRAP_ADMIN_PASSWORD"):
                if name in env:
                    fail(f"Deployment: {name} reaches the API pods (only the migration hook needs it)")
            for ref in env.values():
                s = get(ref, "valueFrom", "secretKeyRef", "name")
                if s and s in secrets and hook_phases(secrets[s]):
                    fail(f"Deployment: reads Secret {s}, a hook resource that Helm deletes")
        check_security("Deployment", pod)

    # The migration hook.
    job = None if "no-hook" in expect else one("Job")
    job_labels, job_env = {}, {}
    if job:
        phases = hook_phases(job)
        for phase in ("pre-install", "pre-upgrade"):
            if phase not in phases:
                fail(f"Job {get(job, 'metadata', 'name')}: annotation helm.sh/hook lacks {phase}")
        if not get(job, "metadata", "annotations", "helm.sh/hook-delete-policy"):
            fail("Job: no helm.sh/hook-delete-policy annotation")
        if not isinstance(get(job, "spec", "backoffLimit"), int):
            fail("Job: spec.backoffLimit is not set")
        pod = get(job, "spec", "template", "spec") or {}
        job_labels = get(job, "spec", "template", "metadata", "labels") or {}
        if pod.get("restartPolicy") not in ("Never", "OnFailure"):
            fail("Job: restartPolicy is neither Never nor OnFailure")
        steps = containers_of(pod)
        if not steps or (steps[0].get("args") or [])[:1] != ["migrate"]:
            fail("Job: its first container does not run `migrate`")
        weight = int(get(job, "metadata", "annotations", "helm.sh/hook-weight", default=0))
        for c in steps:
            check_secret_env(f"Job container {c.get('name')}", c, secrets)
            job_env.update(env_map(c))
            for entry in env_map(c).values():
                s = get(entry, "valueFrom", "secretKeyRef", "name")
                if s in secrets:
                    w = int(get(secrets[s], "metadata", "annotations", "helm.sh/hook-weight", default=0))
                    if "pre-install" not in hook_phases(secrets[s]) or w >= weight:
                        fail(f"Job: reads Secret {s}, which is not a pre-install hook created before the Job")
        if get(job_env.get("CABILDO_DATABASE_ADMIN_URL"), "valueFrom", "secretKeyRef") is None:
            fail("Job: CABILDO_DATABASE_ADMIN_URL is not read from a Secret (migrations run as the owner role)")
        tenants_steps = [c for c in steps if (c.get("args") or [])[:2] == ["tenants", "apply"]]
        if "tenants" in expect:
            if not tenants_steps:
                fail("Job: no `tenants apply` step although a tenants file was given")
            for v in pod.get("volumes") or []:
                cm = get(v, "configMap", "name")
                if cm:
                    if cm not in configmaps:
                        fail(f"Job: volume {v.get('name')} reads ConfigMap {cm}, which is not rendered")
                    elif "pre-install" not in hook_phases(configmaps[cm]):
                        fail(f"Job: ConfigMap {cm} is not a pre-install hook (it would not exist yet)")
                    elif not any(str(x).strip().startswith("{") for x in (configmaps[cm].get("data") or {}).values()):
                        fail(f"ConfigMap {cm}: holds no tenants JSON")
        if "bootstrap" in expect:
            if not any("user create" in " ".join(map(str, (c.get("command") or []) + (c.get("args") or []))) for c in steps):
                fail("Job: no bootstrap-admin step (`cabildo user create`)")
        # The image has no shell (scripts/image): every step runs cabildo itself.
        for c in steps:
            cmd = [str(x) for x in c.get("command") or []]
            if cmd and cmd[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash"):
                fail(f"Job: step {c.get('name')} runs a shell, which the image does not have")
        check_security("Job", pod)

    # Every setting of the README reaches the pods.
    if deployment:
        api_env = env_map(api) if isinstance(api, dict) else {}
        for name in sorted(set(readme_vars) | EXTRA_VARS):
            if name in SECRET_VARS:
                where = job_env if name == "CABILDO_DATABASE_ADMIN_URL" else api_env
                if where is job_env and not job:
                    continue
                if name not in where:
                    fail(f"{name}: no Secret reference in the {'Job' if where is job_env else 'Deployment'}")
            elif name not in config:
                fail(f"{name}: listed in README's configuration table but not in the ConfigMap")

    # Selection: Service, PDB, HPA, ServiceMonitor.
    service = one("Service")
    if service and api_labels:
        sel = get(service, "spec", "selector") or {}
        if not selects(sel, api_labels):
            fail("Service: its selector does not select the API pods")
        if job_labels and selects(sel, job_labels):
            fail("Service: its selector also selects the migration hook's pods")
        targets = [p.get("targetPort") for p in get(service, "spec", "ports") or []]
        if not any(t in ("http", port) for t in targets):
            fail("Service: no port targets the container's http port")
    if "HorizontalPodAutoscaler" in by_kind:
        hpa = by_kind["HorizontalPodAutoscaler"][0]
        if deployment and get(hpa, "spec", "scaleTargetRef", "name") != get(deployment, "metadata", "name"):
            fail("HorizontalPodAutoscaler: does not target the Deployment")
        if get(hpa, "spec", "minReplicas", default=1) > get(hpa, "spec", "maxReplicas", default=0):
            fail("HorizontalPodAutoscaler: minReplicas exceeds maxReplicas")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        sel = get(pdb, "spec", "selector", "matchLabels") or {}
        if not selects(sel, api_labels) or (job_labels and selects(sel, job_labels)):
            fail("PodDisruptionBudget: does not select exactly the API pods")

    if "networkpolicy" in expect:
        nps = by_kind.get("NetworkPolicy", [])
        if not nps:
            fail("NetworkPolicy: not rendered")
        for np in nps:
            spec = np.get("spec") or {}
            sel = get(spec, "podSelector", "matchLabels") or {}
            if not selects(sel, api_labels):
                fail("NetworkPolicy: its podSelector does not select the API pods")
            types = spec.get("policyTypes") or []
            if "Ingress" not in types or "Egress" not in types:
                fail("NetworkPolicy: policyTypes must hold Ingress and Egress")
            rules = spec.get("ingress") or []
            if not rules:
                fail("NetworkPolicy: no ingress rule (the ingress controller could not reach the pods)")
            for rule in rules:
                peers = rule.get("from")
                if not peers or any("namespaceSelector" not in p and "podSelector" not in p for p in peers):
                    fail("NetworkPolicy: an ingress rule admits any source (every peer needs a namespace/pod selector)")
                if not any(p.get("port") in ("http", port) for p in rule.get("ports") or []):
                    fail("NetworkPolicy: an ingress rule is not limited to the http port")
            egress_ports = {(p.get("port"), p.get("protocol", "TCP")) for r in spec.get("egress") or [] for p in r.get("ports") or []}
            if (53, "UDP") not in egress_ports:
                fail("NetworkPolicy: no egress to DNS (port 53/UDP)")
            if not egress_ports & {(5432, "TCP"), (6432, "TCP")}:
                fail("NetworkPolicy: no egress to PostgreSQL (5432 or PgBouncer's 6432)")
            if not egress_ports & {(6379, "TCP"), (6380, "TCP")}:
                fail("NetworkPolicy: no egress to Redis (6379 or 6380)")
            if any(not r.get("ports") for r in spec.get("egress") or []):
                fail("NetworkPolicy: an egress rule is open on every port")

    if "ingress" in expect:
        ingresses = by_kind.get("Ingress", [])
        main_ing = [i for i in ingresses if any(
            p.get("path") == "/" for r in get(i, "spec", "rules") or [] for p in get(r, "http", "paths") or [])]
        if not main_ing:
            fail("Ingress: none routes / to the Service")
        for ing in main_ing:
            ann = get(ing, "metadata", "annotations") or {}
            size = nginx_size(ann.get("nginx.ingress.kubernetes.io/proxy-body-size", ""))
            if size is None:
                fail("Ingress: no nginx.ingress.kubernetes.io/proxy-body-size")
            elif str(size) != str(config.get("CABILDO_MAX_BODY_BYTES")):
                fail(f"Ingress: proxy-body-size ({size} bytes) differs from CABILDO_MAX_BODY_BYTES ({config.get('CABILDO_MAX_BODY_BYTES')})")
            for t in ("proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout"):
                if not str(ann.get(f"nginx.ingress.kubernetes.io/{t}", "")).isdigit():
                    fail(f"Ingress: no nginx.ingress.kubernetes.io/{t} (seconds)")
            if ann.get("nginx.ingress.kubernetes.io/proxy-http-version") != "1.1":
                fail("Ingress: proxy-http-version is not 1.1 (no keep-alive to the pods)")
            for r in get(ing, "spec", "rules") or []:
                for p in get(r, "http", "paths") or []:
                    if service and get(p, "backend", "service", "name") != get(service, "metadata", "name"):
                        fail(f"Ingress: path {p.get('path')} does not go to the Service")
        denied = {p.get("path") for i in ingresses
                  if "0.0.0.0/0" in str(get(i, "metadata", "annotations", "nginx.ingress.kubernetes.io/denylist-source-range", default=""))
                  for r in get(i, "spec", "rules") or [] for p in get(r, "http", "paths") or []}
        for path in ("/metrics", "/readyz"):
            if main_ing and path not in denied:
                fail(f"Ingress: {path} is reachable from outside (no Ingress denies it)")

    if "servicemonitor" in expect:
        sms = by_kind.get("ServiceMonitor", [])
        if not sms:
            fail("ServiceMonitor: not rendered")
        for sm in sms:
            if sm.get("apiVersion") != "monitoring.coreos.com/v1":
                fail("ServiceMonitor: apiVersion is not monitoring.coreos.com/v1")
            if service and not selects(get(sm, "spec", "selector", "matchLabels") or {}, get(service, "metadata", "labels") or {}):
                fail("ServiceMonitor: its selector does not select the Service")
            eps = get(sm, "spec", "endpoints") or []
            if not any(e.get("path") == "/metrics" and e.get("port") == "http" for e in eps):
                fail("ServiceMonitor: no endpoint scrapes /metrics on port http")

    if problems:
        for p in problems:
            print(f"helm-check: {args.rendered}: {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
