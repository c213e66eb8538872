"""Recording what the checks read through the gateway, and replaying it without a cluster."""

from __future__ import annotations

import dataclasses
import json
import threading

from vcdoctor import json_input
from vcdoctor.gateway.errors import NotInSnapshot
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.snapshot.layout import request_from_dict, request_key
from vcdoctor.snapshot.minimise import minimise


class RecordingTransport:
    """Wraps the live transport; checks see exactly the minimised responses that get stored."""

    def __init__(self, inner):
        self._inner = inner
        self._lock = threading.Lock()
        self.records: dict[str, tuple[ApiRequest, RawResponse]] = {}

    def send(self, request: ApiRequest) -> RawResponse:
        response = minimise(request, self._inner.send(request))
        with self._lock:
            self.records[request_key(request)] = (request, response)
        return response


def _unpaged_key(request: ApiRequest) -> str:
    return request_key(dataclasses.replace(request, limit=None, continue_token=None))


class ReplayTransport:
    """Answers from a snapshot; anything not recorded is an honest NotInSnapshot, never a guess.

    A LIST is answered page by page as recorded, whatever page size the replaying vcdoctor asks for: a page is
    found by the list's unpaged request and its continue token, so snapshots do not depend on the page size of the
    vcdoctor that collected them, and no page is joined, decoded or encoded again here (the gateway decodes each
    once, under its caps, and refuses a token that repeats).
    """

    def __init__(self, records: dict[str, RawResponse]):
        self._records = records
        self._pages: dict[tuple[str, str | None], RawResponse] = {}
        for key, response in records.items():
            request = request_from_dict(json.loads(key))
            if request.verb == "list":
                self._pages[(_unpaged_key(request), request.continue_token)] = response

    def _page(self, request: ApiRequest) -> RawResponse | None:
        return self._pages.get((_unpaged_key(request), request.continue_token))

    def send(self, request: ApiRequest) -> RawResponse:
        if request.verb == "list":
            response = self._page(request)
            if response is None and request.metadata_only:
                # a snapshot that recorded the full list answers a metadata-only question too
                full = self._page(dataclasses.replace(request, metadata_only=None))
                response = _metadata_only(full) if full is not None else None
        else:
            response = self._records.get(request_key(request))
        if response is None:
            raise NotInSnapshot(request, "this request was not recorded in the snapshot (collected by an older "
                                         "vcdoctor or with a different target)")
        return response


def _metadata_only(response: RawResponse) -> RawResponse:
    if not 200 <= response.status < 300:
        return response
    body = response.decoded if response.decoded is not None else json_input.decode(response.body)
    items = [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": i.get("metadata")}
             for i in body.get("items") or []]
    slim = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
            "metadata": body.get("metadata") or {}, "items": items}
    return RawResponse(response.status, b"", decoded=slim)

