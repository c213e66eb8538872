"""What a vcdoctor snapshot is on disk: its format name, members, sides, request keys and the one error it raises."""

from __future__ import annotations

import dataclasses
import json

from vcdoctor.gateway.requests import ApiRequest
from vcdoctor.gateway.resources import Resource

FORMAT = "vcdoctor.snapshot/v1"
META_FILE = "snapshot.json"
REPORT_FILE = "report.json"
RESPONSES_DIR = "responses"


#: responses of the context the run was pointed at carry no side; those of the host cluster of a tenant run (its
#: context a vCluster) carry "side": "host", so one file holds both and replay routes each to its gateway
PRIMARY = ""
SIDES = ("host",)


class SnapshotError(Exception):
    """The file is not a readable vcdoctor snapshot."""


def request_key(request: ApiRequest) -> str:
    return json.dumps(request_to_dict(request), sort_keys=True)


def request_to_dict(request: ApiRequest) -> dict:
    out = {k: v for k, v in dataclasses.asdict(request).items() if v is not None and k != "resource"}
    if request.resource is not None:
        out["resource"] = dataclasses.asdict(request.resource)
    if request.review is not None:
        out["review"] = list(request.review)
    return out


def request_from_dict(data: dict) -> ApiRequest:
    fields = dict(data)
    if "resource" in fields:
        known = {f.name for f in dataclasses.fields(Resource)}
        fields["resource"] = Resource(**{k: v for k, v in fields["resource"].items() if k in known})
    if "review" in fields:
        fields["review"] = tuple(fields["review"])
    return ApiRequest(**fields)

