"""Live transport: sends gateway requests through the official kubernetes client.

The kubernetes package is imported only here and only when a live run starts: importing even its
configuration layer costs ~0.5 s that ``vcdoctor --help`` must not pay.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from vcdoctor import __version__
from vcdoctor.deadline import Deadline
from vcdoctor.gateway.errors import DeadlineReached, RefusedAnswer, Unreachable
from vcdoctor.gateway.requests import ApiRequest, RawResponse

IN_CLUSTER = "(in-cluster)"
#: where Kubernetes mounts a pod's ServiceAccount credentials
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
MAX_STATUS_BYTES = 64 * 1024
#: what one answer may weigh, read in a stream and refused past it: a page of a list (a 50k-pod cluster's pods
#: are ~150 MiB unpaged), one object, and the small answers (/version, access reviews)
MAX_LIST_BYTES = 256 * 1024 * 1024
MAX_OBJECT_BYTES = 16 * 1024 * 1024
MAX_SMALL_BYTES = 1024 * 1024
#: read size of the stream; the deadline is checked between reads
CHUNK = 1024 * 1024
#: metadata-only lists, with plain JSON as the fallback for servers that cannot do it
PARTIAL_METADATA = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"


class KubeconfigError(Exception):
    """The kubeconfig is missing, unreadable, malformed or lacks the asked context."""


@dataclass(frozen=True)
class ClusterIdentity:
    context: str
    #: the API server URL without userinfo: it is shown in reports and stored in snapshots
    server: str
    #: namespace of the context, the default for ``-n`` as in kubectl
    namespace: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "server", strip_userinfo(self.server))


def strip_userinfo(url: str | None) -> str | None:
    """``url`` without ``user:password@``: a kubeconfig server URL can carry basic-auth credentials."""
    if not url or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))


def kubeconfig_paths(explicit: Optional[str]) -> List[str]:
    if explicit:
        return [explicit]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


def _in_cluster_available() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and os.path.exists(
        os.path.join(SERVICE_ACCOUNT_DIR, "token"))


def connect(kubeconfig: Optional[str], context: Optional[str], timeout: float,
            deadline: Optional[Deadline] = None,
            impersonate: Tuple[Optional[str], Tuple[str, ...]] = (None, ())
            ) -> Tuple["KubernetesTransport", ClusterIdentity]:
    """Build a live transport; returns (transport, ClusterIdentity) or raises KubeconfigError."""
    from kubernetes import client, config  # heavy import: only when a command needs the cluster

    paths = kubeconfig_paths(kubeconfig)
    existing = [p for p in paths if os.path.isfile(p)]
    if not existing:
        if kubeconfig is None and not os.environ.get("KUBECONFIG") and _in_cluster_available():
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            namespace = _service_account_namespace()
            return (_transport(client, cfg, timeout, deadline, impersonate),
                    ClusterIdentity(IN_CLUSTER, cfg.host, namespace))
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
    return (_transport(client, cfg, timeout, deadline, impersonate),
            ClusterIdentity(chosen["name"], cfg.host, namespace))


def context_names(kubeconfig: Optional[str]) -> List[str]:
    """Every context of the (merged) kubeconfig, for --all-contexts."""
    existing = [p for p in kubeconfig_paths(kubeconfig) if os.path.isfile(p)]
    if not existing:
        raise KubeconfigError(f"no kubeconfig found (looked at {', '.join(kubeconfig_paths(kubeconfig))})")
    contexts, _ = _contexts(existing)
    return [c["name"] for c in contexts]


def _contexts(paths: List[str]):
    """Contexts merged as kubectl does: the first file defining a name or current-context wins."""
    import yaml

    contexts: Dict[str, dict] = {}
    current = None
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
        with open(os.path.join(SERVICE_ACCOUNT_DIR, "namespace")) as fh:
            return fh.read().strip() or "default"
    except OSError:
        return "default"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


#: a run asks about 20 questions at once (warm-up, pre-flight, checks); keep their connections
POOL_SIZE = 32


def _transport(client: Any, cfg: Any, timeout: float, deadline: Optional[Deadline],
               impersonate: Tuple[Optional[str], Tuple[str, ...]]) -> "KubernetesTransport":
    cfg.connection_pool_maxsize = POOL_SIZE
    if not cfg.verify_ssl:
        # the kubeconfig says insecure-skip-tls-verify: urllib3 would warn once per request (dozens of lines,
        # also under -q); the user chose it, as kubectl lets them
        import warnings

        import urllib3

        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    return KubernetesTransport(client.ApiClient(cfg), timeout, deadline, impersonate)


class KubernetesTransport:
    """Sends each :class:`ApiRequest` over the kubernetes client's configured connection pool.

    The client supplies what is hard to get right (kubeconfig, TLS, client certificates, proxies,
    token refresh for exec/OIDC auth); the request itself is a plain GET whose raw JSON is returned
    untouched. The typed API classes are not used: importing CoreV1Api alone costs over a second in
    current clients and their model objects are ~6x slower on big pod lists.
    """

    def __init__(self, api_client: Any, timeout: float, deadline: Optional[Deadline] = None,
                 impersonate: Tuple[Optional[str], Tuple[str, ...]] = (None, ())):
        self._api = api_client  # owns the pool below; keep it alive for as long as the transport
        self._cfg = api_client.configuration
        self._pool = api_client.rest_client.pool_manager
        self._timeout = timeout
        self._deadline = deadline
        user, groups = impersonate
        # kubectl --as / --as-group: the API server evaluates every request as that identity
        self._impersonate = ([("Impersonate-User", user)] if user else []) + [("Impersonate-Group", g) for g in groups]

    def send(self, request: ApiRequest) -> RawResponse:
        import urllib3
        from urllib3._collections import HTTPHeaderDict

        method, path, query, body = route(request)
        url = self._cfg.host.rstrip("/") + path + (("?" + urlencode(query)) if query else "")
        accept = PARTIAL_METADATA if request.metadata_only else "application/json"
        # a header dict that can repeat a name: one Impersonate-Group line per group, as kubectl sends them
        # identity: urllib3 would inflate a gzip or deflate body whatever its size (a 3 MB bomb is gigabytes)
        headers = HTTPHeaderDict({"Accept": accept, "Accept-Encoding": "identity",
                                  "User-Agent": f"vcdoctor/{__version__}"})
        for name, value in self._impersonate:
            headers.add(name, value)
        auth = (self._cfg.auth_settings() or {}).get("BearerToken")
        if auth and auth.get("value"):
            headers["Authorization"] = auth["value"]
        if body is not None:
            headers["Content-Type"] = "application/json"
        timeout = self._deadline.bound(self._timeout) if self._deadline is not None else self._timeout
        # the deadline, not the per-request timeout, bounds this request: its timing out is the deadline's doing
        cut_by_deadline = timeout < self._timeout
        if timeout <= 0:
            raise DeadlineReached(request, "not sent: the run's deadline has passed")
        try:
            response = self._pool.request(
                method, url, headers=headers, body=json.dumps(body) if body is not None else None,
                preload_content=False, retries=False,
                timeout=urllib3.Timeout(connect=min(10.0, timeout), read=timeout))
            try:
                data = self._read(request, response)
            finally:
                response.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            reason = _connection_reason(exc)
            if cut_by_deadline and reason.startswith("timed out"):
                raise DeadlineReached(request, f"{reason} (at the run's deadline)") from None
            raise Unreachable(request, reason) from None
        return RawResponse(response.status, data, _retry_after(response.headers.get("Retry-After")))


    def _read(self, request: ApiRequest, response: Any) -> bytes:
        """The body as sent (never inflated), in a stream: at most the answer's cap, within the deadline. A server
        that ignores limitBytes gets what was asked for and no more; an encoded or oversized body is refused."""
        encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise RefusedAnswer(request, f"the server sent a {encoding[:20]}-encoded answer though vcdoctor asked "
                                         f"for identity: refused unread")
        ok = 200 <= response.status < 300
        if not ok:
            cap, truncate = MAX_STATUS_BYTES, True
        elif request.limit_bytes:
            cap, truncate = request.limit_bytes + 1, True
        else:
            cap, truncate = _cap(request), False
        body = bytearray()
        while len(body) <= cap:
            if self._deadline is not None and self._deadline.expired:
                raise DeadlineReached(request, f"timed out reading the answer (deadline {self._deadline.seconds:g} s)")
            chunk = response.read(min(CHUNK, cap + 1 - len(body)), decode_content=False)
            if not chunk:
                return bytes(body)
            body += chunk
            if truncate and len(body) >= cap:
                return bytes(body[:cap])
        raise RefusedAnswer(request, f"the server's answer is larger than {cap // (1024 * 1024)} MiB: refused")


def _cap(request: ApiRequest) -> int:
    if request.verb == "list":
        return MAX_LIST_BYTES
    return MAX_OBJECT_BYTES if request.verb == "get" else MAX_SMALL_BYTES


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After in seconds (the API server sends seconds; an HTTP date is ignored)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 3600 else None


def route(request: ApiRequest):
    """(method, path, query, body) of a request on the Kubernetes REST API."""
    if request.verb == "version":
        return "GET", "/version", {}, None
    if request.verb == "access-review" and request.review is not None:
        verb, group, resource, sub, ns, name = request.review
        attrs = {"verb": verb, "group": group, "resource": resource}
        attrs.update({k: v for k, v in (("subresource", sub), ("namespace", ns), ("name", name)) if v})
        if request.user:
            body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": {"resourceAttributes": attrs, "user": request.user}}
            return "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {}, body
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": attrs}}
        return "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {}, body
    if request.verb == "log":
        query = {k: v for k, v in (("container", request.container), ("tailLines", request.tail_lines),
                                   ("limitBytes", request.limit_bytes)) if v is not None}
        return "GET", f"/api/v1/namespaces/{_seg(request.namespace)}/pods/{_seg(request.name)}/log", query, None
    res = request.resource
    if res is None:
        raise ValueError(f"{request.verb} request without a resource")
    prefix = f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"
    path = prefix + (f"/namespaces/{_seg(request.namespace)}" if res.namespaced and request.namespace else "")
    path += f"/{res.plural}"
    if request.verb == "get":
        return "GET", f"{path}/{_seg(request.name)}", {}, None
    query = {k: v for k, v in (("labelSelector", request.label_selector), ("fieldSelector", request.field_selector),
                               ("limit", request.limit), ("continue", request.continue_token)) if v is not None}
    return "GET", path, query, None


def _seg(value: Optional[str]) -> str:
    return quote(value or "", safe="")


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
