"""Offline snapshots: record what the checks read through the gateway (minimised), replay it without a cluster.

One module per job: ``minimise`` (what a response keeps), ``transports`` (recording and replay), ``writing`` (the
archive) and ``reading`` (untrusted archives, also other tools'), around ``layout`` (the format itself)."""

from vcdoctor.snapshot.layout import FORMAT, META_FILE, PRIMARY, SnapshotError, request_key
from vcdoctor.snapshot.minimise import kept_args, minimise
from vcdoctor.snapshot.reading import read, read_files, read_sides, validate_entry, validate_meta
from vcdoctor.snapshot.transports import RecordingTransport, ReplayTransport
from vcdoctor.snapshot.writing import write

__all__ = ["FORMAT", "META_FILE", "PRIMARY", "RecordingTransport", "ReplayTransport", "SnapshotError", "kept_args",
           "minimise", "read", "read_files", "read_sides", "request_key", "validate_entry", "validate_meta", "write"]
