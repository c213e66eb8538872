"""Offline snapshots: record what the checks read through the gateway (minimised), replay it without a cluster.

One module per job: ``minimise`` (what a response keeps), ``transports`` (recording and replay), ``writing`` (the
archive) and ``reading`` (untrusted archives, other tools' too), around ``layout`` (the format itself). The
package re-exports what most callers use."""

from vcdoctor.snapshot.layout import FORMAT, PRIMARY, SnapshotError, request_key
from vcdoctor.snapshot.reading import read, read_sides, validate_entry
from vcdoctor.snapshot.transports import RecordingTransport, ReplayTransport
from vcdoctor.snapshot.writing import write

__all__ = ["FORMAT", "PRIMARY", "RecordingTransport", "ReplayTransport", "SnapshotError", "read", "read_sides",
           "request_key", "validate_entry", "write"]
