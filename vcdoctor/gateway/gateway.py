"""The one read-only gateway to the cluster: paging, caching, decoding and typed errors.

It speaks to a transport (live client today, recorded snapshot later) and has no method that
changes a cluster object; SelfSubjectAccessReview is the only POST it can make.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional, Protocol, Set, Tuple

from vcdoctor import json_input
from vcdoctor import pods as podinfo
from vcdoctor.deadline import Deadline
from vcdoctor.gateway import resources as r
from vcdoctor.gateway.errors import (
    ApiError,
    DeadlineReached,
    Forbidden,
    GatewayError,
    NotFound,
    RefusedAnswer,
    Unauthorized,
)
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import Resource
from vcdoctor.singleflight import SingleFlight

#: starts a call in the background and hands back its Future (the run's executor)
Spawn = Callable[..., Future]

#: the longest Retry-After vcdoctor waits for (a doctor does not sit out a long throttle; it reports it)
MAX_RETRY_AFTER = 5.0
#: one line per API request (method and path, status, milliseconds); ``vcdoctor -v`` shows it
API_LOG = logging.getLogger("vcdoctor.api")

PAGE_SIZE = 2000
#: metadata-only items (PartialObjectMetadata) are a tenth of a pod: fewer, larger pages
METADATA_PAGE_SIZE = 10000
#: the most items one list may hold (kube-apiserver's tested limit is 150k pods per cluster): a server that pages
#: on with ever-new tokens is cut off here, not only by the deadline
MAX_LIST_ITEMS = 500_000
#: ... and pages, for a server that answers empty pages with ever-new tokens
MAX_LIST_PAGES = 5_000
#: object metadata no check reads, dropped from every item ``list`` keeps as its page is decoded: the server's
#: field-ownership bookkeeping is often a third of a real object's JSON (pod records never hold it; the snapshot
#: minimiser drops the same fields)
UNREAD_METADATA = ("managedFields",)
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRIES = 2
RETRY_BACKOFF = 0.2


class Transport(Protocol):
    def send(self, request: ApiRequest) -> RawResponse:
        """Perform one request; raise Unreachable when no HTTP answer came back."""


class Gateway:
    """Answers reads once: concurrent callers asking the same thing share one request."""

    def __init__(self, transport: Transport, page_size: int = PAGE_SIZE, deadline: Optional[Deadline] = None,
                 spawn: Optional[Spawn] = None):
        self._transport = transport
        self._page_size = page_size
        self._deadline = deadline
        #: without a spawner, list pages are fetched one after the other
        self._spawn = spawn
        self._lock = threading.Lock()
        # API failures are answers: one 403 is not asked again by every check
        self._flights = SingleFlight(cached=(GatewayError,))
        self._permissions: Dict[tuple, str] = {}
        #: the first answer refused for breaking a bound: the run ends on it (see pipeline)
        self.refused: Optional[RefusedAnswer] = None
        self.requests_sent = 0

    # -- public reads -------------------------------------------------------------------

    def version(self) -> dict:
        return self._once(("version",), lambda: self._json(ApiRequest("version")))

    def get(self, resource: Resource, name: str, namespace: Optional[str] = None) -> dict:
        request = ApiRequest("get", resource, namespace if resource.namespaced else None, name)
        return self._once(("get", request), lambda: self._json(request))

    def list(self, resource: Resource, namespace: Optional[str] = None,
             labels: Optional[str] = None, fields: Optional[str] = None,
             metadata_only: bool = False) -> Tuple[dict, ...]:
        """All items, following ``continue`` tokens; one cached answer per scope and selector.

        ``metadata_only`` asks for PartialObjectMetadata: names, labels and annotations, no spec."""
        key = ("list", resource, namespace if resource.namespaced else None, labels, fields, metadata_only)
        return self._once(key, lambda: self._list_all(*key[1:], keep=_without_unread_metadata))

    def pods(self, namespace: Optional[str] = None, labels: Optional[str] = None,
             fields: Optional[str] = None) -> Tuple[podinfo.Pod, ...]:
        """Every pod of the scope, each page decoded into records as it arrives: the run never holds a page's pod
        objects past its decoding (the same request as ``list(PODS, ...)``)."""
        key = ("pods", r.PODS, namespace, labels, fields, False)
        return self._once(key, lambda: self._list_all(*key[1:], keep=_pod_records))

    def pod(self, name: str, namespace: str) -> podinfo.Pod:
        request = ApiRequest("get", r.PODS, namespace, name)
        return self._once(("pod", request), lambda: podinfo.from_json(self._json(request)))

    def list_refs(self, resource: Resource, namespace: Optional[str] = None,
                  labels: Optional[str] = None) -> Tuple[Tuple[str, str], ...]:
        """(namespace, name) of every item, from a metadata-only list reduced page by page: the names of 50,000
        PodGroups without holding 50,000 decoded objects (the same request as ``list(..., metadata_only=True)``)."""
        key = ("refs", resource, namespace if resource.namespaced else None, labels, None, True)
        return self._once(key, lambda: self._list_all(*key[1:], keep=_refs))

    def log(self, namespace: str, pod: str, container: Optional[str],
            tail_lines: int, limit_bytes: int) -> bytes:
        """The last ``tail_lines`` lines of a container log, never more than ``limit_bytes``."""
        request = ApiRequest("log", namespace=namespace, name=pod, container=container,
                             tail_lines=tail_lines, limit_bytes=limit_bytes)
        return self._once(("log", request), lambda: self._raw(request).body[:limit_bytes])

    def can_i(self, verb: str, resource: str, namespace: Optional[str] = None, group: str = "",
              subresource: str = "", name: str = "", user: Optional[str] = None) -> bool:
        """A SelfSubjectAccessReview, or with ``user`` a SubjectAccessReview about someone else."""
        review = (verb, group, resource, subresource, namespace or "", name)
        request = ApiRequest("access-review", review=review, user=user)

        def ask():
            answer = self._json(request)
            return bool((answer.get("status") or {}).get("allowed"))
        return self._once(("review", request), ask)

    def permissions_used(self) -> List[Dict[str, Any]]:
        """Each (verb, resource, namespace) the run needed and what the API said: for support to see
        exactly what was looked at."""
        rows = []
        for (verb, group, resource, namespace), outcome in sorted(self._permissions.items(),
                                                                  key=lambda kv: tuple(x or "" for x in kv[0])):
            rows.append({"verb": verb, "resource": f"{resource}.{group}" if group else resource,
                         "namespace": namespace, "outcome": outcome})
        return rows

    # -- internals ------------------------------------------------------------------------

    def _once(self, key: tuple, compute: Callable):
        return self._flights.get(key, compute)

    def _list_all(self, resource, namespace, labels, fields, metadata_only,
                  keep: Callable[[List[dict]], List[Any]]) -> Tuple[Any, ...]:
        """Every item of the list, each page's items passed through ``keep`` as soon as that page is decoded."""
        def page_request(token):
            limit = max(self._page_size, METADATA_PAGE_SIZE) if metadata_only else self._page_size
            return ApiRequest("list", resource, namespace, label_selector=labels, field_selector=fields,
                              limit=limit, continue_token=token, metadata_only=metadata_only or None)

        items: List[Any] = []
        request = page_request(None)
        response = self._raw(request)
        seen: Set[str] = set()
        while len(seen) < MAX_LIST_PAGES:
            # The API server writes the list metadata before the items: with the continue token read from
            # there, the next page is on its way while this one is decoded.
            spawn = self._spawn
            ahead = _continue_token_ahead(response.body) if spawn is not None else None
            following = spawn(self._raw, page_request(ahead), name="next-page") if spawn and ahead else None
            page = self._decode(request, response)
            if not isinstance(page.get("items"), list):
                raise ApiError(request, "list answer has no items array")
            items.extend(keep([item for item in page["items"] if isinstance(item, dict)]))
            if len(items) > MAX_LIST_ITEMS:
                raise self._refuse(request, f"the list holds more than {MAX_LIST_ITEMS} items: refused")
            token = (page.get("metadata") or {}).get("continue")
            del page  # what ``keep`` did not keep is freed before the next page arrives
            if not token:
                return tuple(items)
            if not isinstance(token, str) or token in seen:
                # a server (or snapshot) whose tokens repeat would page forever
                raise ApiError(request, "the list's continue token repeats an earlier page")
            seen.add(token)
            request = page_request(token)
            response = following.result() if following is not None and token == ahead else self._raw(request)
        raise self._refuse(request, f"the list goes on past {MAX_LIST_PAGES} pages: refused")

    def _json(self, request: ApiRequest) -> dict:
        return self._decode(request, self._raw(request))

    def _refuse(self, request: ApiRequest, reason: str) -> RefusedAnswer:
        return self._refused(RefusedAnswer(request, reason))

    def _refused(self, exc: RefusedAnswer) -> RefusedAnswer:
        with self._lock:
            self.refused = self.refused or exc
        return exc

    def _decode(self, request: ApiRequest, response: RawResponse) -> dict:
        if response.decoded is not None:
            value = response.decoded
        else:
            try:
                value = json_input.decode(response.body)
            except json_input.JsonInputError as exc:
                raise self._refuse(request, f"the server's answer is refused: {exc}") from None
        if not isinstance(value, dict):
            raise ApiError(request, "the server answered with JSON that is not an object")
        return value

    def _raw(self, request: ApiRequest) -> RawResponse:
        if self._deadline is not None and self._deadline.expired:
            raise DeadlineReached(request, f"not sent: the run's deadline ({self._deadline.seconds:g} s) has passed")
        with self._lock:
            self.requests_sent += 1
        API_LOG.debug("%s", request.describe())  # the progress line says what is being read, as it starts
        for attempt in range(RETRIES + 1):
            started = time.monotonic()
            try:
                response = self._transport.send(request)
            except GatewayError as exc:
                if isinstance(exc, RefusedAnswer):
                    self._refused(exc)
                self._note(request, exc.kind)
                API_LOG.info("%s -> %s (%.0f ms)", request.describe(), exc.kind, (time.monotonic() - started) * 1000)
                raise
            API_LOG.info("%s -> %d (%.0f ms, %s)", request.describe(), response.status,
                         (time.monotonic() - started) * 1000,
                         "recorded" if response.decoded is not None else f"{len(response.body)} bytes")
            if response.status not in RETRY_STATUSES or attempt == RETRIES:
                break
            # throttled or a flaky apiserver: back off (as long as the server asks, within reason and the
            # deadline), a doctor must not hammer a sick cluster
            pause = min(response.retry_after or RETRY_BACKOFF * 2 ** attempt, MAX_RETRY_AFTER)
            left = self._deadline.remaining() if self._deadline is not None else None
            if left is not None and pause >= left:
                break
            (self._deadline.sleep if self._deadline is not None else time.sleep)(pause)
            with self._lock:
                self.requests_sent += 1
        if 200 <= response.status < 300:
            self._note(request, "allowed")
            return response
        error = _status_error(request, response)
        self._note(request, "allowed" if isinstance(error, NotFound) else error.kind)
        raise error

    def _note(self, request: ApiRequest, outcome: str) -> None:
        if request.verb in ("version", "access-review"):
            return
        key = request.rbac()
        with self._lock:
            # a later denial on the same permission must not be hidden by an earlier success
            if self._permissions.get(key) in (None, "allowed"):
                self._permissions[key] = outcome


def _without_unread_metadata(items: List[dict]) -> List[dict]:
    for item in items:
        meta = item.get("metadata")
        if isinstance(meta, dict):
            for field in UNREAD_METADATA:
                meta.pop(field, None)
    return items


def _pod_records(items: List[dict]) -> List[podinfo.Pod]:
    shared: Dict[Any, Any] = {}  # per page: its repeated values and records become one object each
    return [podinfo.from_json(item, shared) for item in items]


def _refs(items: List[dict]) -> List[Tuple[str, str]]:
    namespaces: Dict[str, str] = {}  # a few namespaces hold thousands of items: one string each
    refs = []
    for item in items:
        meta = item.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        namespace = str(meta.get("namespace") or "")
        refs.append((namespaces.setdefault(namespace, namespace), str(meta.get("name") or "")))
    return refs


_HEAD = re.compile(rb'^\s*\{(?:\s*"(?:kind|apiVersion)"\s*:\s*"[^"\\]*"\s*,)*\s*"metadata"\s*:\s*')


def _continue_token_ahead(body: bytes) -> Optional[str]:
    """The continue token of a list page, read from its leading metadata without decoding the items;
    None when the page does not start that way (then the token comes from the full decode)."""
    head = _HEAD.match(body)
    if head is None:
        return None
    try:
        meta, _ = json.JSONDecoder().raw_decode(body[head.end():head.end() + 64 * 1024].decode("utf-8", "replace"))
    except (ValueError, RecursionError):  # the full decode says what is wrong with the page
        return None
    token = meta.get("continue") if isinstance(meta, dict) else None
    return token if isinstance(token, str) and token else None


def _status_error(request: ApiRequest, response: RawResponse) -> GatewayError:
    message = _status_message(response.body) or f"HTTP {response.status}"
    cls = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(response.status, ApiError)
    return cls(request, message, response.status)


def _status_message(body: bytes) -> str:
    try:
        status = json_input.decode(body)
    except json_input.JsonInputError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(status, dict):
        return str(status.get("message") or status.get("reason") or "")[:500]
    return ""
