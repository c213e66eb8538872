"""Live transport: sends gateway requests through the official kubernetes client.

The kubernetes package is imported only here and only when a live run starts: importing it
costs ~0.4 s that ``vcdoctor --help`` must not pay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional

from vcdoctor.gateway.errors import GatewayError, Unreachable
from vcdoctor.gateway.requests import ApiRequest, RawResponse

IN_CLUSTER = "(in-cluster)"


class KubeconfigError(Exception):
    """The kubeconfig is missing, unreadable, malformed or lacks the asked context."""


@dataclass(frozen=True)
class ClusterIdentity:
    context: str
    server: str
    #: namespace of the context, the default for ``-n`` as in kubectl
    namespace: str


def kubeconfig_paths(explicit: Optional[str]) -> List[str]:
    if explicit:
        return [explicit]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


def _in_cluster_available() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and os.path.exists(
        "/var/run/secrets/kubernetes.io/serviceaccount/token"
    )


def connect(kubeconfig: Optional[str], context: Optional[str], timeout: float):
    """Build a live transport; returns (transport, ClusterIdentity) or raises KubeconfigError."""
    from kubernetes import client, config  # heavy import: only when a command needs the cluster

    paths = kubeconfig_paths(kubeconfig)
    existing = [p for p in paths if os.path.isfile(p)]
    if not existing:
        if kubeconfig is None and not os.environ.get("KUBECONFIG") and _in_cluster_available():
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            namespace = _service_account_namespace()
            return _transport(client, cfg, timeout), ClusterIdentity(IN_CLUSTER, cfg.host, namespace)
        raise KubeconfigError(f"no kubeconfig found (looked at {', '.join(paths)})")
    joined = os.pathsep.join(existing)
    contexts, active = _contexts(existing)
    if context is not None and context not in {c["name"] for c in contexts}:
        known = ", ".join(sorted(c["name"] for c in contexts)) or "none"
        raise KubeconfigError(f"context {context!r} not found in kubeconfig; known contexts: {known}")
    chosen = next(c for c in contexts if c["name"] == context) if context else active
    if not chosen:
        raise KubeconfigError(f"kubeconfig {joined} has no current-context; pass --context")
    cfg = client.Configuration()
    try:
        config.load_kube_config(config_file=joined, context=chosen["name"], client_configuration=cfg)
    except Exception as exc:  # the loader raises ConfigException, ValueError, OSError...
        raise KubeconfigError(f"kubeconfig context {chosen['name']!r} is unusable: {_first_line(exc)}") from None
    namespace = (chosen.get("context") or {}).get("namespace") or "default"
    return _transport(client, cfg, timeout), ClusterIdentity(chosen["name"], cfg.host, namespace)


def _contexts(paths: List[str]):
    """Contexts merged as kubectl does: the first file defining a name or current-context wins."""
    import yaml

    contexts, current = {}, None
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise KubeconfigError(f"cannot read kubeconfig {path}: {_first_line(exc)}") from None
        except yaml.YAMLError as exc:
            raise KubeconfigError(f"kubeconfig {path} is not valid YAML: {_first_line(exc)}") from None
        if not isinstance(data, dict):
            raise KubeconfigError(f"kubeconfig {path} is not a YAML mapping")
        for entry in data.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name"):
                contexts.setdefault(entry["name"], entry)
        current = current or data.get("current-context") or None
    return list(contexts.values()), contexts.get(current) if current else None


def _service_account_namespace() -> str:
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as fh:
            return fh.read().strip() or "default"
    except OSError:
        return "default"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _transport(client, cfg, timeout):
    # Retrying a refused connection three times only delays the clear error.
    cfg.retries = 0
    return KubernetesTransport(client, client.ApiClient(cfg), timeout)


class KubernetesTransport:
    """Maps each :class:`ApiRequest` onto a typed client method with ``_preload_content=False``.

    Raw JSON is returned untouched: building the client's model objects is ~6x slower on
    big pod lists and nothing here needs them.
    """

    def __init__(self, client_module, api_client, timeout: float):
        self._client = client_module
        self._api = api_client
        self._timeout = timeout
        self._core = client_module.CoreV1Api(api_client)
        self._apps = client_module.AppsV1Api(api_client)
        self._custom = client_module.CustomObjectsApi(api_client)

    def send(self, request: ApiRequest) -> RawResponse:
        from kubernetes.client.exceptions import ApiException
        import urllib3

        try:
            response = self._dispatch(request)
            try:
                if request.limit_bytes:
                    # a server that ignores limitBytes must not blow up our memory
                    body = response.read(request.limit_bytes + 1)
                else:
                    body = response.read()
            finally:
                response.release_conn()
            return RawResponse(response.status, body)
        except ApiException as exc:
            if not exc.status:  # the client reports TLS failures as status 0
                raise Unreachable(request, _first_line(exc.reason or exc)) from None
            body = exc.body if isinstance(exc.body, bytes) else (exc.body or "").encode()
            return RawResponse(exc.status, body)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise Unreachable(request, _connection_reason(exc)) from None
        except GatewayError:
            raise
        except (TypeError, ValueError) as exc:  # parameter validation inside the client
            raise Unreachable(request, f"client rejected the request: {_first_line(exc)}") from None

    def _dispatch(self, request: ApiRequest):
        common = {"_preload_content": False, "_request_timeout": self._timeout}
        if request.verb == "version":
            return self._client.VersionApi(self._api).get_code(**common)
        if request.verb == "log":
            kwargs = {k: v for k, v in (
                ("container", request.container),
                ("tail_lines", request.tail_lines),
                ("limit_bytes", request.limit_bytes),
            ) if v is not None}
            return self._core.read_namespaced_pod_log(request.name, request.namespace, **kwargs, **common)
        if request.verb == "access-review":
            verb, group, resource, sub, ns, name = request.review
            attrs = {"verb": verb, "group": group, "resource": resource}
            attrs.update({k: v for k, v in (("subresource", sub), ("namespace", ns), ("name", name)) if v})
            body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                    "spec": {"resourceAttributes": attrs}}
            return self._client.AuthorizationV1Api(self._api).create_self_subject_access_review(body, **common)
        res = request.resource
        if request.verb == "get":
            if res.snake:
                api = self._core if res.group == "" else self._apps
                if res.namespaced:
                    return getattr(api, f"read_namespaced_{res.snake}")(request.name, request.namespace, **common)
                return getattr(api, f"read_{res.snake}")(request.name, **common)
            if res.namespaced:
                return self._custom.get_namespaced_custom_object(
                    res.group, res.version, request.namespace, res.plural, request.name, **common)
            return self._custom.get_cluster_custom_object(res.group, res.version, res.plural, request.name, **common)
        if request.verb == "list":
            query = {k: v for k, v in (
                ("label_selector", request.label_selector),
                ("field_selector", request.field_selector),
                ("limit", request.limit),
                ("_continue", request.continue_token),
            ) if v is not None}
            if res.snake:
                api = self._core if res.group == "" else self._apps
                if not res.namespaced:
                    return getattr(api, f"list_{res.snake}")(**query, **common)
                if request.namespace:
                    return getattr(api, f"list_namespaced_{res.snake}")(request.namespace, **query, **common)
                return getattr(api, f"list_{res.snake}_for_all_namespaces")(**query, **common)
            if res.namespaced and request.namespace:
                return self._custom.list_namespaced_custom_object(
                    res.group, res.version, request.namespace, res.plural, **query, **common)
            return self._custom.list_cluster_custom_object(res.group, res.version, res.plural, **query, **common)
        raise ValueError(f"unsupported verb {request.verb!r}")


def _connection_reason(exc: BaseException) -> str:
    # MaxRetryError hides the useful cause (refused, DNS, TLS) one level down.
    cause = getattr(exc, "reason", None) or exc
    text = _first_line(cause)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS verification failed: {text}"
    if "timed out" in lowered or "timeout" in lowered:
        return f"timed out: {text}"
    if "name or service not known" in lowered or "resolution" in lowered or "getaddrinfo" in lowered:
        return f"DNS lookup failed: {text}"
    if "refused" in lowered:
        return f"connection refused: {text}"
    return text
