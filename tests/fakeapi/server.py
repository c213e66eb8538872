"""A small Kubernetes API server for tests: real HTTP on 127.0.0.1, answers like kube-apiserver.

It serves discovery, get/list with label and field selectors, limit/continue paging,
Status bodies for 400/401/403/404/405, pod logs with container/tailLines/limitBytes, custom
resources and SelfSubjectAccessReviews, and records every request it receives.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-bearer-token-for-tests"
USER = "vcdoctor-test"


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    field_labels: Tuple[str, ...] = ()

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version


POD_FIELDS = ("spec.nodeName", "spec.schedulerName", "status.phase", "spec.serviceAccountName",
              "spec.restartPolicy", "status.podIP", "status.nominatedNodeName", "spec.hostNetwork")
KINDS = [
    Kind("", "v1", "pods", "Pod", True, POD_FIELDS),
    Kind("", "v1", "namespaces", "Namespace", False, ("status.phase",)),
    Kind("", "v1", "nodes", "Node", False, ("spec.unschedulable",)),
    Kind("", "v1", "secrets", "Secret", True, ("type",)),
    Kind("", "v1", "services", "Service", True),
    Kind("", "v1", "configmaps", "ConfigMap", True),
    Kind("", "v1", "events", "Event", True, ("involvedObject.kind", "involvedObject.name",
                                             "involvedObject.namespace", "involvedObject.uid",
                                             "reason", "type", "source")),
    Kind("apps", "v1", "statefulsets", "StatefulSet", True),
    Kind("apps", "v1", "deployments", "Deployment", True),
    Kind("kai.scheduler", "v1", "configs", "Config", False),
    Kind("scheduling.run.ai", "v2", "queues", "Queue", False),
    Kind("scheduling.run.ai", "v2alpha2", "podgroups", "PodGroup", True),
    Kind("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", False),
    Kind("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False),
    Kind("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", False),
    Kind("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration",
         False),
]
ACCESS_REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SUBJECT_REVIEW_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: Dict[str, List[str]]
    status: int
    authorization: Optional[str] = None
    accept: Optional[str] = None
    #: Impersonate-User and each Impersonate-Group header, as sent
    impersonate: Tuple[str, ...] = ()
    #: when it arrived (time.monotonic)
    at: float = 0.0


@dataclass
class FakeCluster:
    """State behind the server; tests add objects, logs and RBAC denials."""

    objects: Dict[Tuple[str, str], List[dict]] = field(default_factory=dict)
    logs: Dict[Tuple[str, str, str], bytes] = field(default_factory=dict)
    denied: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)
    #: what other identities may do, for SubjectAccessReviews: user -> [(verb, resource, namespace or None)]
    grants: Dict[str, List[Tuple[str, str, Optional[str]]]] = field(default_factory=dict)
    absent_groups: set = field(default_factory=set)
    requests: List[RecordedRequest] = field(default_factory=list)
    token: str = TOKEN
    git_version: str = "v1.30.2"
    latency: float = 0.0
    #: extra seconds for requests whose path matches the regex key
    slow_paths: Dict[str, float] = field(default_factory=dict)
    #: (path regex, HTTP status, how many times[, message]) answered before the real response
    failures: List[list] = field(default_factory=list)
    #: seconds sent in Retry-After with an injected 429 (kube-apiserver's priority-and-fairness sends one)
    retry_after: Optional[int] = None
    #: path regexes whose requests hang until the test is over (unmount or release.set() lets them go); each
    #: arrival calls on_hang first (where a test's manual clock jumps past the run's deadline)
    hung_paths: List[str] = field(default_factory=list)
    on_hang: Optional[Callable[[], None]] = field(default=None, repr=False)
    release: threading.Event = field(default_factory=threading.Event, repr=False)
    #: serve whole logs even when limitBytes asks for less (a misbehaving server)
    ignore_limit_bytes: bool = False
    #: (path regex, body[, headers]): served with 200 as is, for hostile-server tests; a callable body is an
    #: iterator of chunks, streamed with chunked encoding until it ends or the client goes away
    raw_bodies: List[tuple] = field(default_factory=list)
    #: when set, only requests matching one of these RBAC rules are allowed (see allow_rules)
    rules: Optional[List[dict]] = None
    bytes_sent: int = 0
    list_snapshots: Dict[int, list] = field(default_factory=dict, repr=False)
    #: objects will not change any more: serialise each once (benchmarks)
    frozen: bool = False
    encoded: Dict[tuple, str] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def kind_for(self, api_version: str, kind: str) -> Kind:
        for k in KINDS:
            if k.api_version == api_version and k.kind == kind:
                return k
        raise KeyError(f"fake server does not know {api_version} {kind}")

    def add(self, *objs: dict) -> "FakeCluster":
        for obj in objs:
            k = self.kind_for(obj["apiVersion"], obj["kind"])
            self.objects.setdefault((k.group, k.plural), []).append(obj)
        return self

    def set_log(self, namespace: str, pod: str, container: str, text) -> None:
        self.logs[(namespace, pod, container)] = text.encode() if isinstance(text, str) else text

    def deny(self, verb: str, resource: str, namespace: Optional[str] = None) -> None:
        """Make RBAC refuse ``verb`` on ``resource`` ('pods', 'pods/log', 'configs.kai.scheduler')."""
        self.denied.append((verb, resource, namespace))

    def remove_group(self, group: str) -> None:
        """Behave as if the CRDs of ``group`` were not installed."""
        self.absent_groups.add(group)

    def allow_rules(self, rules: List[dict]) -> None:
        """Enforce RBAC: each rule {apiGroups, resources, verbs, resourceNames?, namespace?} grants access;
        everything else is 403, as with a real ClusterRole/Role binding."""
        self.rules = list(rules)

    def allowed(self, verb: str, resource: str, namespace: Optional[str], name: Optional[str] = None) -> bool:
        for d_verb, d_res, d_ns in self.denied:
            if d_verb in (verb, "*") and d_res in (resource, "*") and (d_ns is None or d_ns == namespace):
                return False
        if self.rules is None:
            return True
        plural, _, group = resource.partition(".")
        return any(_rule_matches(rule, verb, group, plural, namespace, name) for rule in self.rules)

    def writes(self) -> List[RecordedRequest]:
        reviews = (ACCESS_REVIEW_PATH, SUBJECT_REVIEW_PATH)
        return [r for r in self.requests if r.method != "GET" and r.path not in reviews]


def make_certificate(directory: str, key_type: str = "ec") -> Tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (it doubles as its own CA), made with openssl. The tests' key is
    ECDSA P-256: every run opens a dozen TLS connections and the server signs each handshake (RSA 2048 is ~30x the
    work); the benchmarks ask for "rsa", what kubeadm gives a real API server."""
    cert, key = os.path.join(directory, "server.crt"), os.path.join(directory, "server.key")
    new_key = ["-newkey", "rsa:2048"] if key_type == "rsa" else ["-newkey", "ec", "-pkeyopt",
                                                                    "ec_paramgen_curve:prime256v1"]
    subprocess.run(["openssl", "req", "-x509", *new_key, "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class _QuietServer(ThreadingHTTPServer):
    # vcdoctor opens a dozen connections at once; the default backlog of 5 drops SYNs (1 s retries)
    request_queue_size = 128
    #: the cluster behind each path prefix ("" for requests without one; see FakeApiServer.mount)
    clusters: Dict[str, "FakeCluster"]
    mounts = 0
    mount_lock = threading.Lock()

    def handle_error(self, request, client_address):
        # A client that gave up (deadline tests) leaves a broken pipe behind; that is expected.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeApiServer:
    """Runs a FakeCluster on 127.0.0.1 in a background thread, over HTTPS when given a certificate.

    kubectl (client-go) refuses to send a bearer token over plain HTTP, so tests that compare
    with kubectl need TLS; the python client is exercised over TLS as well.
    """

    def __init__(self, cluster: Optional[FakeCluster] = None, tls: Optional[Tuple[str, str]] = None):
        self.cluster = cluster or FakeCluster()
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.clusters = {"": self.cluster}
        self.prefix = ""
        self.ca_file = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # the TLS handshake runs in each connection's thread, not in the accept loop
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True,
                                                     do_handshake_on_connect=False)
            self.ca_file = tls[0]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self.ca_file else 'http'}://{host}:{port}{self.prefix}"

    def start(self) -> "FakeApiServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.prefix:
            raise RuntimeError("a mount ends with unmount(): stopping it would stop every test's server")
        self.cluster.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def mount(self, cluster: FakeCluster) -> "FakeApiServer":
        """This running server, answering for ``cluster`` under a path of its own (/t1, /t2...: the server URL of
        its kubeconfig), as a proxy in front of several clusters does. A request is bound to its cluster by its
        path when it arrives, so a request left behind by an earlier test never reaches a later test's cluster;
        requests without a prefix (in-cluster config knows only host and port) go to the latest mount still mounted."""
        with self._httpd.mount_lock:
            self._httpd.mounts += 1
            view = copy.copy(self)
            view.cluster, view.prefix = cluster, f"/t{self._httpd.mounts}"
            self._httpd.clusters[view.prefix] = self._httpd.clusters[""] = cluster
        return view

    def unmount(self) -> None:
        """Forget this mount's cluster: later requests under its prefix are answered 410 Gone, and its hung requests
        are let go."""
        with self._httpd.mount_lock:
            self._httpd.clusters.pop(self.prefix, None)
            if self._httpd.clusters.get("") is self.cluster:
                del self._httpd.clusters[""]
        self.cluster.release.set()

    def kubeconfig(self, namespace: str = "default", token: Optional[str] = None,
                   context: str = "fake") -> dict:
        return {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": "fake-cluster", "cluster": self._cluster_entry()}],
            "users": [{"name": "fake-user", "user": {"token": token or self.cluster.token}}],
            "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "fake-user",
                                                         "namespace": namespace}}],
        }

    def _cluster_entry(self) -> dict:
        entry = {"server": self.url}
        if self.ca_file:
            # the CA's file, not its base64 inline: a run parses the kubeconfig twice with pure-Python YAML, where
            # 1.5 KB of base64 cost ~5 ms each time (tests/test_reliability.py has the inline form)
            entry["certificate-authority"] = self.ca_file
        return entry


def status_body(code: int, reason: str, message: str, details: Optional[dict] = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


class _HttpError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: Optional[dict] = None):
        super().__init__(message)
        self.body = status_body(code, reason, message, details)


class _Handler(BaseHTTPRequestHandler):
    #: the cluster of the request being served (see _serve)
    cluster: FakeCluster
    protocol_version = "HTTP/1.1"
    # Go's net/http (kube-apiserver) sets TCP_NODELAY; without it the separate header and body writes
    # meet the client's delayed ACK and every keep-alive response waits 40 ms
    disable_nagle_algorithm = True

    def log_message(self, *args):  # keep pytest output clean
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    def _serve(self, method: str):
        parts = urlsplit(self.path)
        mount = re.match(r"/t\d+(?=/|$)", parts.path)
        prefix = mount.group(0) if mount else ""
        path = parts.path[len(prefix):] or "/"
        cluster = self.server.clusters.get(prefix)  # type: ignore[attr-defined]
        if cluster is None:
            # the test that mounted this prefix is over: a request it left behind reaches nobody's cluster (its body
            # stays unread, so the connection closes)
            self.close_connection = True
            return self._send(410, status_body(410, "Gone", f"nothing is mounted at {prefix}"), None)
        # bound for the whole request: a later mount changes what new requests reach, never this one
        self.cluster = cluster
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = RecordedRequest(method, path, query, 0, self.headers.get("Authorization"),
                                 self.headers.get("Accept"),
                                 tuple(self.headers.get_all("Impersonate-User") or ())
                                 + tuple(self.headers.get_all("Impersonate-Group") or ()))
        record.at = time.monotonic()
        cluster.requests.append(record)
        delay = cluster.latency + sum(v for k, v in cluster.slow_paths.items() if re.search(k, path))
        if delay:
            time.sleep(delay)
        if any(re.search(pattern, path) for pattern in cluster.hung_paths):
            if cluster.on_hang is not None:
                cluster.on_hang()
            cluster.release.wait()
        try:
            for failure in cluster.failures:
                if failure[2] > 0 and re.search(failure[0], path):
                    failure[2] -= 1
                    reason = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(failure[1], "InternalError")
                    raise _HttpError(failure[1], reason, failure[3] if len(failure) > 3
                                     else f"injected {failure[1]} for {path}")
            scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
            # kube-apiserver compares the scheme case-insensitively (in-cluster clients send "bearer")
            if scheme.lower() != "bearer" or token != cluster.token:
                raise _HttpError(401, "Unauthorized", "Unauthorized")
            raw = next((entry for entry in cluster.raw_bodies if re.search(entry[0], path)), None)
            if raw is not None:
                return self._send_raw(record, *raw[1:])
            status, payload, ctype = self._route(method, path, query, body)
        except _HttpError as exc:
            status, payload, ctype = exc.body["code"], exc.body, "application/json"
        record.status = status
        self._send(status, payload, cluster, ctype)

    def _send(self, status: int, payload, cluster: Optional[FakeCluster], ctype: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        if status == 429 and cluster is not None and cluster.retry_after is not None:
            self.send_header("Retry-After", str(cluster.retry_after))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if cluster is not None:
            with cluster.lock:
                cluster.bytes_sent += len(data)

    def _send_raw(self, record, body, headers=None):
        record.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not callable(body):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in body():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client stopped reading: what a bounded reader does

    # -- routing ----------------------------------------------------------------------

    def _route(self, method, path, query, body):
        if method == "POST" and path == ACCESS_REVIEW_PATH:
            return 201, self._access_review(body), "application/json"
        if method == "POST" and path == SUBJECT_REVIEW_PATH:
            self._authorize("create", "subjectaccessreviews.authorization.k8s.io", None)
            return 201, self._subject_review(body), "application/json"
        if method != "GET":
            raise _HttpError(405, "MethodNotAllowed", f"the fake server is read-only: {method} {path}")
        if path.rstrip("/") == "/version":
            return 200, {"major": "1", "minor": self.cluster.git_version.split(".")[1],
                         "gitVersion": self.cluster.git_version, "platform": "linux/amd64"}, "application/json"
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self.headers.get("Host", "")}]}, "application/json"
        if path == "/apis":
            return 200, self._group_list(), "application/json"
        match = re.fullmatch(r"/api/(v1)(/.*)?", path) or re.fullmatch(r"/apis/([^/]+/[^/]+)(/.*)?", path)
        if not match:
            raise _HttpError(404, "NotFound", "the server could not find the requested resource")
        group_version, rest = match.group(1), (match.group(2) or "").strip("/")
        group, _, version = group_version.rpartition("/")
        if group in self.cluster.absent_groups:
            raise _HttpError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return 200, self._resource_list(group, version), "application/json"
        segs = rest.split("/")
        namespace = None
        if segs[0] == "namespaces" and len(segs) >= 3:
            namespace, segs = segs[1], segs[2:]
        kind = next((k for k in KINDS if (k.group, k.version, k.plural) == (group, version, segs[0])), None)
        if kind is None or (namespace is not None and not kind.namespaced):
            raise _HttpError(404, "NotFound", "the server could not find the requested resource")
        name = segs[1] if len(segs) > 1 else None
        sub = segs[2] if len(segs) > 2 else None
        if sub == "log" and kind.plural == "pods":
            self._authorize("get", "pods/log", namespace, name)
            return 200, self._log(namespace, name, query), "text/plain"
        if sub is not None or len(segs) > 3:
            raise _HttpError(404, "NotFound", "the server could not find the requested resource")
        if name is None:
            self._authorize("list", _rbac_name(kind), namespace)
            if "as=PartialObjectMetadataList" in (self.headers.get("Accept") or ""):
                listed = self._list(kind, namespace, query, metadata_only=True)
            else:
                listed = self._list(kind, namespace, query)
            return 200, listed, "application/json"
        self._authorize("get", _rbac_name(kind), namespace, name)
        return 200, self._get(kind, namespace, name), "application/json"

    def _authorize(self, verb, resource, namespace, name=None):
        if self.cluster.allowed(verb, resource, namespace, name):
            return
        plural, _, group = resource.partition(".")
        where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        raise _HttpError(403, "Forbidden",
                         f'{plural} is forbidden: User "{USER}" cannot {verb} resource "{plural}" '
                         f'in API group "{group}" {where}', {"kind": plural.split("/")[0]})

    def _access_review(self, body):
        review = json.loads(body or b"{}")
        attrs = (review.get("spec") or {}).get("resourceAttributes") or {}
        resource = attrs.get("resource", "")
        if attrs.get("subresource"):
            resource += "/" + attrs["subresource"]
        if attrs.get("group"):
            resource += "." + attrs["group"]
        allowed = self.cluster.allowed(attrs.get("verb", ""), resource, attrs.get("namespace") or None,
                                       attrs.get("name") or None)
        review["status"] = {"allowed": allowed}
        return review

    def _subject_review(self, body):
        review = json.loads(body or b"{}")
        spec = review.get("spec") or {}
        attrs = spec.get("resourceAttributes") or {}
        resource = attrs.get("resource", "") + (f".{attrs['group']}" if attrs.get("group") else "")
        grants = self.cluster.grants.get(spec.get("user"), [])
        allowed = any(v in (attrs.get("verb"), "*") and r == resource and (ns is None or ns == attrs.get("namespace"))
                      for v, r, ns in grants)
        review["status"] = {"allowed": allowed}
        return review

    # -- discovery --------------------------------------------------------------------

    def _groups(self):
        seen = {}
        for k in KINDS:
            if k.group and k.group not in self.cluster.absent_groups:
                seen.setdefault(k.group, []).append(k.version)
        return seen

    def _group_list(self):
        groups = []
        for group, versions in self._groups().items():
            vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in dict.fromkeys(versions)]
            groups.append({"name": group, "versions": vs, "preferredVersion": vs[0]})
        groups.append({"name": "authorization.k8s.io", "versions": [
            {"groupVersion": "authorization.k8s.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "authorization.k8s.io/v1", "version": "v1"}})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group, version):
        resources = []
        for k in KINDS:
            if (k.group, k.version) == (group, version):
                resources.append({"name": k.plural, "singularName": k.kind.lower(), "namespaced": k.namespaced,
                                  "kind": k.kind, "verbs": ["get", "list"]})
                if k.plural == "pods":
                    resources.append({"name": "pods/log", "singularName": "", "namespaced": True,
                                      "kind": "Pod", "verbs": ["get"]})
        if group == "authorization.k8s.io":
            resources.append({"name": "selfsubjectaccessreviews", "singularName": "", "namespaced": False,
                              "kind": "SelfSubjectAccessReview", "verbs": ["create"]})
        if not resources:
            raise _HttpError(404, "NotFound", "the server could not find the requested resource")
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}

    # -- reads --------------------------------------------------------------------------

    def _items(self, kind, namespace):
        items = self.cluster.objects.get((kind.group, kind.plural), [])
        if namespace is not None:
            items = [o for o in items if o.get("metadata", {}).get("namespace") == namespace]
        return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))

    def _get(self, kind, namespace, name):
        for obj in self._items(kind, namespace):
            if obj["metadata"]["name"] == name:
                return obj
        raise _HttpError(404, "NotFound", f'{kind.plural} "{name}" not found', {"name": name, "kind": kind.plural})

    def _list(self, kind, namespace, query, metadata_only=False):
        labels = _one(query, "labelSelector")
        fields = _one(query, "fieldSelector")
        try:
            label_match = parse_label_selector(labels or "")
        except ValueError as exc:
            raise _HttpError(400, "BadRequest", f"unable to parse requirement: {exc}") from None
        field_terms = parse_field_selector(fields or "")
        for key, _, _ in field_terms:
            if key not in ("metadata.name", "metadata.namespace") + kind.field_labels:
                raise _HttpError(400, "BadRequest", f"field label not supported: {key}")
        token = _one(query, "continue")
        if token:
            # later pages come from the snapshot taken by the first one, as with a real resourceVersion
            try:
                cont = json.loads(base64.urlsafe_b64decode(token))
                items, offset = self.cluster.list_snapshots[cont["snapshot"]], cont["offset"]
            except (ValueError, KeyError, TypeError):
                raise _HttpError(400, "BadRequest", "continue key is not valid") from None
        else:
            items, offset = [o for o in self._items(kind, namespace)
                             if label_match(o["metadata"].get("labels") or {}) and _fields_match(o, field_terms)], 0
        meta = {"resourceVersion": "1000"}
        limit = int(_one(query, "limit") or 0)
        page = items[offset:]
        if limit and len(page) > limit:
            page = page[:limit]
            with self.cluster.lock:
                snapshot = cont["snapshot"] if token else len(self.cluster.list_snapshots)
                self.cluster.list_snapshots[snapshot] = items
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"snapshot": snapshot, "offset": offset + limit}).encode()).decode()
            meta["remainingItemCount"] = len(items) - offset - limit
        if metadata_only:
            # as kube-apiserver answers Accept: application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io
            list_kind, list_version = "PartialObjectMetadataList", "meta.k8s.io/v1"
            page = [_partial(o) for o in page]
        else:
            list_kind, list_version = f"{kind.kind}List", kind.api_version
        if self.cluster.frozen:
            # benchmarks: objects never change, so serialise each once (a real apiserver is far faster
            # than json.dumps here, and the benchmark measures vcdoctor, not this server)
            head = json.dumps({"kind": list_kind, "apiVersion": list_version, "metadata": meta})
            items = ", ".join(self._encoded(o, metadata_only) for o in page)
            return (head[:-1] + ', "items": [' + items + "]}").encode()
        return {"kind": list_kind, "apiVersion": list_version, "metadata": meta, "items": page}

    def _encoded(self, obj: dict, metadata_only: bool) -> str:
        key = (id(obj["metadata"]), metadata_only)
        text = self.cluster.encoded.get(key)
        if text is None:
            text = self.cluster.encoded[key] = json.dumps(obj)
        return text

    def _log(self, namespace, name, query):
        pod = self._get(KINDS[0], namespace, name)
        containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = _one(query, "container")
        if container is None:
            if len(containers) != 1:
                raise _HttpError(400, "BadRequest", f"a container name must be specified for pod {name}, "
                                                    f"choose one of: [{' '.join(containers)}]")
            container = containers[0]
        elif container not in containers:
            raise _HttpError(400, "BadRequest", f"container {container} is not valid for pod {name}")
        data = self.cluster.logs.get((namespace, name, container), b"")
        tail = _one(query, "tailLines")
        if tail is not None:
            lines = data.splitlines(keepends=True)
            data = b"".join(lines[-int(tail):]) if int(tail) > 0 else b""
        limit = _one(query, "limitBytes")
        if limit is not None and not self.cluster.ignore_limit_bytes:
            data = data[:int(limit)]
        return data


def _rule_matches(rule, verb, group, resource, namespace, name) -> bool:
    if rule.get("namespace") and rule["namespace"] != namespace:
        return False
    if group not in rule.get("apiGroups", []) and "*" not in rule.get("apiGroups", []):
        return False
    if resource not in rule.get("resources", []) and "*" not in rule.get("resources", []):
        return False
    if verb not in rule.get("verbs", []) and "*" not in rule.get("verbs", []):
        return False
    names = rule.get("resourceNames")
    return not names or name in names


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def _rbac_name(kind: Kind) -> str:
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural


def _one(query, key):
    values = query.get(key)
    return values[0] if values else None


_SET_TERM = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_TERM = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)\s*$")
_EXISTS_TERM = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def parse_label_selector(text: str):
    """Parse a label selector into a predicate over a labels dict (raises ValueError)."""
    terms = []
    for raw in re.split(r",(?![^(]*\))", text):
        if not raw.strip():
            continue
        if m := _SET_TERM.match(raw):
            values = {v.strip() for v in m.group(3).split(",") if v.strip()}
            key, op = m.group(1), m.group(2)
            terms.append(lambda labels, k=key, vs=values, o=op:
                         (labels.get(k) in vs) if o == "in" else (labels.get(k) not in vs))
        elif m := _EQ_TERM.match(raw):
            key, op, value = m.groups()
            terms.append(lambda labels, k=key, v=value, o=op:
                         (labels.get(k) == v) if o != "!=" else (labels.get(k) != v))
        elif m := _EXISTS_TERM.match(raw):
            neg, key = m.groups()
            terms.append(lambda labels, k=key, n=bool(neg): (k in labels) != n)
        else:
            raise ValueError(f"invalid label selector term {raw.strip()!r}")
    return lambda labels: all(t(labels) for t in terms)


def parse_field_selector(text: str):
    terms = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        m = re.match(r"^\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$", raw)
        if not m:
            raise _HttpError(400, "BadRequest", f"invalid field selector: {raw}")
        terms.append(m.groups())
    return terms


def _field_value(obj, path):
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _fields_match(obj, terms):
    for key, op, value in terms:
        actual = _field_value(obj, key)
        if (op == "!=") == (actual == value):
            return False
    return True
