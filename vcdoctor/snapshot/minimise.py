"""Minimising recorded responses: a snapshot keeps only what checks read, never a secret or a log tail."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vcdoctor import contributions
from vcdoctor.gateway.gateway import UNREAD_METADATA
from vcdoctor.gateway.requests import ApiRequest, RawResponse
from vcdoctor.gateway.resources import SECRETS
from vcdoctor.secret_values import SNAPSHOT_DIGEST, SNAPSHOT_REDUCED

# What a snapshot keeps, each product declaring its part (contributions.every, asked at use): the Secret data keys
# checks read, each reduced (secret_values); the only command-line flags any check parses ("flags"; Go's
# "bool_flags" never take the next word as their value: that word is someone else's); the only annotations any check
# reads, by exact key ("annotations"); the namespaces whose pods keep their containers' state messages
# ("message_namespaces"). Everything else is dropped: a product that starts reading more adds it to its contribution.
#: the snapshot's own digests, kept by prefix (no product's annotation is kept by prefix: vCluster keeps each
#: synced pod's ServiceAccount token under vcluster.loft.sh/token-<random>)
READ_ANNOTATION_PREFIXES = ("vcdoctor.snapshot/",)
#: Container fields no check reads that commonly hold secrets or internal endpoints.
DROPPED_CONTAINER_FIELDS = ("envFrom", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle")


def minimise(request: ApiRequest, response: RawResponse) -> RawResponse:
    if request.verb == "log" or not (200 <= response.status < 300):
        return response
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    is_secret = request.resource == SECRETS
    if not isinstance(body, dict):
        return response
    if isinstance(body.get("items"), list):
        body["items"] = [_minimise_object(o, is_secret) for o in body["items"]]
    else:
        body = _minimise_object(body, is_secret)
    return RawResponse(response.status, json.dumps(body, separators=(",", ":")).encode())


def _minimise_object(obj: Any, is_secret: bool) -> Any:
    if not isinstance(obj, dict):
        return obj
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for field in UNREAD_METADATA:
            meta.pop(field, None)
        _keep_read_annotations(meta)
    if is_secret:
        data: dict = obj["data"] if isinstance(obj.get("data"), dict) else {}
        values = contributions.secret_values()
        kept = {k: v for k, v in data.items() if k in values and isinstance(v, str)}
        if isinstance(meta, dict):
            annotations = meta["annotations"] if isinstance(meta.get("annotations"), dict) else {}
            meta["annotations"] = annotations
            annotations[SNAPSHOT_REDUCED] = "true"
            # checks compare the digest of the original value with the pod template's config hash
            for key, value in kept.items():
                annotations[SNAPSHOT_DIGEST + key] = hashlib.sha256(value.encode()).hexdigest()
        obj["data"] = {k: values[k].reduce(v) for k, v in data.items() if k in values}
        obj.pop("stringData", None)
        return obj
    _strip_containers(obj.get("spec"))
    if not (isinstance(meta, dict) and meta.get("namespace") in contributions.every("message_namespaces")):
        _strip_state_messages(obj.get("status"))
    template = (obj.get("spec") or {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(template, dict):
        if isinstance(template.get("metadata"), dict):
            _keep_read_annotations(template["metadata"])
        _strip_containers(template.get("spec"))
    return obj


def _keep_read_annotations(meta: dict) -> None:
    annotations = meta.get("annotations")
    if annotations is None:
        return
    if not isinstance(annotations, dict):
        meta.pop("annotations")
        return
    read = contributions.every("annotations")
    meta["annotations"] = {k: v for k, v in annotations.items()
                           if isinstance(k, str) and (k in read or k.startswith(READ_ANNOTATION_PREFIXES))}


def _strip_state_messages(status: Any) -> None:
    """Container state messages no check reads: a terminated container's message can be its log tail."""
    if not isinstance(status, dict):
        return
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        containers = status.get(key)
        for container in containers if isinstance(containers, list) else ():
            for state in ("state", "lastState"):
                part = container.get(state) if isinstance(container, dict) else None
                if not isinstance(part, dict):
                    continue
                for detail in part.values():
                    if isinstance(detail, dict):
                        detail.pop("message", None)


def kept_args(args: Any) -> list[str]:
    """The container arguments vcdoctor parses (the products' flags, as ``--flag=value``, or ``--flag value`` as
    KAI's operator writes them); the rest can hold passwords, tokens and internal hostnames, and no check reads them."""
    if not isinstance(args, list):
        return []
    read_flags, bool_flags = contributions.every("flags"), contributions.every("bool_flags")
    kept: list[str] = []
    for i, arg in enumerate(args):
        if not (isinstance(arg, str) and arg.split("=", 1)[0] in read_flags):
            continue
        kept.append(arg)
        following = args[i + 1] if i + 1 < len(args) else None
        if arg in read_flags and arg not in bool_flags and isinstance(following, str) and not following.startswith("-"):
            kept.append(following)
    return kept


def _strip_containers(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for key in ("containers", "initContainers", "ephemeralContainers"):
        containers = spec.get(key)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if not isinstance(container, dict):
                continue
            if isinstance(container.get("env"), list):
                container["env"] = [{"name": e.get("name")} for e in container["env"] if isinstance(e, dict)]
            for dropped in DROPPED_CONTAINER_FIELDS:
                container.pop(dropped, None)
            for listed in ("command", "args"):
                if listed in container:
                    container[listed] = kept_args(container[listed])
