"""Read-only access to the Kubernetes API; the only package that talks to a cluster."""

from vcdoctor.gateway.errors import (  # noqa: F401
    ApiError,
    DeadlineReached,
    Forbidden,
    GatewayError,
    NotFound,
    NotInArchive,
    NotInSnapshot,
    RefusedAnswer,
    Unauthorized,
    Unreachable,
)
from vcdoctor.gateway.gateway import Gateway, Transport  # noqa: F401
from vcdoctor.gateway.requests import ApiRequest, RawResponse  # noqa: F401
