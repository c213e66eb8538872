"""Typed outcomes for API calls that did not return what was asked for."""

from __future__ import annotations

from typing import Optional

from vcdoctor.gateway.requests import ApiRequest


class GatewayError(Exception):
    """The gateway could not answer ``request``; ``reason`` is one short sentence."""

    kind = "api-error"

    def __init__(self, request: Optional[ApiRequest], reason: str, status: Optional[int] = None):
        super().__init__(reason)
        self.request = request
        self.reason = reason
        self.status = status

    def describe(self) -> str:
        where = self.request.describe() if self.request else "the API server"
        return f"{self.kind} on {where}: {self.reason}"


class Forbidden(GatewayError):
    """HTTP 403: RBAC denies this verb on this resource."""

    kind = "forbidden"


class NotFound(GatewayError):
    """HTTP 404: the object, namespace or resource type (CRD) does not exist."""

    kind = "not-found"


class Unauthorized(GatewayError):
    """HTTP 401: the credentials were refused; nothing else will work either."""

    kind = "unauthorized"


class Unreachable(GatewayError):
    """No HTTP answer: connection refused, DNS, TLS verification or timeout."""

    kind = "unreachable"


class DeadlineReached(Unreachable):
    """No answer because the run's deadline cut the request: not sent, timed out on the time that was left, or
    cut while reading. A socket timeout set to what is left can fire a moment before the deadline counts as passed,
    so the transport says so itself instead of leaving it to a clock read afterwards."""


class ApiError(GatewayError):
    """Any other non-success answer, or a body that is not the JSON promised."""

    kind = "api-error"


class RefusedAnswer(ApiError):
    """An answer past a bound vcdoctor keeps (encoded though identity was asked for, larger than its cap, too many
    objects, nested too deep, paging without end): the server is broken or hostile, and the run ends (exit 3)."""

    kind = "refused-answer"


class NotInSnapshot(GatewayError):
    """Replaying a snapshot that never recorded this request (collected by an older check set)."""

    kind = "not-in-snapshot"


class NotInArchive(NotInSnapshot):
    """Another tool's archive (a vcluster debug collect, a support bundle) holds no answer to this request:
    ``reason`` names what it lacks and ``how`` the collector or flag that gathers it. Checks end ``skip`` on it."""

    kind = "not-in-archive"

    def __init__(self, request: Optional[ApiRequest], reason: str, how: str):
        super().__init__(request, reason)
        self.how = how
