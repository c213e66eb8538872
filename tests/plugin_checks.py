"""A third-party check as a plugin package ships one (for tests/test_registry.py): its findings beside it."""

from __future__ import annotations

from vcdoctor.model import Check, Evidence, Finding, Severity, Status, Verdict

QUOTA_LOW = Finding("ACME100", Status.WARN, "a quota is low", "Raise the quota.")
QUOTA_GONE = Finding("ACME101", Status.FAIL, "a quota is gone", "Create the quota.")


def run() -> Verdict:
    return QUOTA_LOW.verdict("quota q is low", (Evidence("quota q", "90 % used"),))


DECLARED = Check(id="acme-quota", title="expected: quotas with room", severity=Severity.LOW, run=run,
                 findings=(QUOTA_LOW, QUOTA_GONE), passes=("every quota has room",))
#: QUOTA_GONE is defined here, so run could return it, but the check does not say so
UNDECLARED = Check(id="acme-quota", title="expected: quotas with room", severity=Severity.LOW, run=run,
                   findings=(QUOTA_LOW,))
