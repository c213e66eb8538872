"""The read requests the gateway can make, as hashable values (cache and replay keys)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from vcdoctor.gateway.resources import Resource


@dataclass(frozen=True)
class ApiRequest:
    #: one of: version, get, list, log, access-review
    verb: str
    resource: Optional[Resource] = None
    namespace: Optional[str] = None
    name: Optional[str] = None
    label_selector: Optional[str] = None
    field_selector: Optional[str] = None
    limit: Optional[int] = None
    continue_token: Optional[str] = None
    container: Optional[str] = None
    tail_lines: Optional[int] = None
    limit_bytes: Optional[int] = None
    #: access reviews: (verb, group, resource, subresource, namespace, name)
    review: Optional[Tuple[str, str, str, str, str, str]] = None
    #: for a SubjectAccessReview: whose access is asked about (None: the caller's own)
    user: Optional[str] = None
    #: list as PartialObjectMetadataList (None rather than False keeps older snapshot keys valid)
    metadata_only: Optional[bool] = None

    def describe(self) -> str:
        if self.verb == "version":
            return "GET /version"
        if self.verb == "access-review" and self.review is not None:
            verb, group, res, sub, ns, _ = self.review
            what = f"{res}/{sub}" if sub else res
            who = f" of {self.user}" if self.user else ""
            return f"access review{who} for {verb} {what}" + (f" in namespace {ns}" if ns else "")
        if self.verb == "log":
            return f"read log of pod {self.namespace}/{self.name} container {self.container or '(default)'}"
        what = self.resource.display if self.resource else "?"
        text = f"{self.verb} {what}"
        if self.name:
            text += f" {self.name!r}"
        if self.resource is not None and self.resource.namespaced:
            text += f" in namespace {self.namespace}" if self.namespace else " in all namespaces"
        if self.label_selector:
            text += f" (labels {self.label_selector})"
        if self.field_selector:
            text += f" (fields {self.field_selector})"
        return text

    def rbac(self) -> Tuple[str, str, str, Optional[str]]:
        """(verb, apiGroup, resource, namespace) that RBAC must allow for this request."""
        if self.verb == "log":
            return ("get", "", "pods/log", self.namespace)
        res = self.resource
        return (self.verb, res.group if res else "", res.plural if res else "", self.namespace)


@dataclass(frozen=True)
class RawResponse:
    status: int
    body: bytes
    #: seconds from a Retry-After header (429/503), when the server sent one
    retry_after: Optional[float] = None
    #: the body already decoded (a snapshot's, validated as it was read), so no page is decoded twice; ``body``
    #: is then empty
    decoded: Any = field(default=None, compare=False, repr=False)
