"""Which archive a file is, from its layout, and the replay source (transport and metadata) it gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from vcdoctor import contributions
from vcdoctor.archives import support_bundle
from vcdoctor.archives.store import ArchiveTransport, Unusable
from vcdoctor.snapshot.layout import FORMAT, META_FILE, SnapshotError
from vcdoctor.snapshot.reading import read_files

#: another tool's archive holds one file per object: far more members than a vcdoctor snapshot may have (the byte
#: caps stay those of snapshots)
MAX_ARCHIVE_MEMBERS = 200_000


def formats() -> Tuple[contributions.ArchiveFormat, ...]:
    """The archive formats products contribute (`vcluster debug collect`), then troubleshoot's support bundle."""
    return contributions.archive_formats() + (support_bundle.ARCHIVE,)


@dataclass(frozen=True)
class Archive:
    """A foreign archive ready to replay: its transport and what the report says about it."""

    transport: ArchiveTransport
    #: as snapshot.json is validated: format, tool, cluster, target, collected_at (and notes for the report)
    meta: Dict[str, Any]
    #: the host side, when ``transport`` answers for the vCluster (the tenant view of a debug collect)
    host: Optional[ArchiveTransport] = None


def read(path: str, tenant: bool = False) -> Optional[Archive]:
    """The archive at ``path`` when another tool made it; None for a vcdoctor snapshot (snapshot.read_sides reads
    those); SnapshotError with one line for anything else. One bounded pass, nothing written. With ``tenant`` (a pod
    examined by its name inside the vCluster), an archive holding the vCluster's own side is replayed as a tenant
    run with the host beside it, as `vcdoctor run` inside a vCluster with --host-context does."""
    members: Dict[str, bytes] = {}
    names = []
    known = formats()

    def wanted(name: str) -> bool:
        names.append(name)
        return name == META_FILE or any(f.wanted(name) for f in known)

    for name, data in read_files(path, wanted, MAX_ARCHIVE_MEMBERS):
        if name == META_FILE:
            return None  # vcdoctor writes it first: a snapshot is not decompressed twice
        members[name] = data
    layout = next((f for f in known if f.looks_like(names)), None)
    if layout is None:
        kinds = [f"a {FORMAT} snapshot (format: missing)", *(f.described for f in known)]
        raise SnapshotError(f"{path} is not {', '.join(kinds[:-1])} or {kinds[-1]}")
    kept = {n: d for n, d in members.items() if layout.wanted(n)}
    try:
        index, about = layout.read(kept, path)
    except Unusable as exc:
        raise SnapshotError(f"archive {path} is refused: {exc}") from None
    vcluster = about.get("vcluster") or {}
    meta = {"format": about["format"], "tool": {"name": about["tool"], "version": about.get("tool_version")},
            "collected_at": about.get("collected_at"), "notes": about.get("notes") or [],
            "cluster": {"kind": "host", "context": None, "server": None,
                        "kubernetes_version": about.get("kubernetes_version")},
            "target": {"vcluster": vcluster.get("name"), "vcluster_namespace": vcluster.get("namespace")}}
    what = f"this {about['tool']} archive"
    inside = about.get("virtual")
    if tenant and inside is not None and vcluster:
        host = dict(meta["cluster"], kind=None)
        meta["cluster"] = {"kind": "virtual", "context": None, "server": None,
                           "kubernetes_version": (inside.version or {}).get("gitVersion"),
                           "vcluster": {"name": vcluster["name"], "namespace": vcluster["namespace"]},
                           "host": {k: host[k] for k in ("context", "server", "kubernetes_version")}}
        meta["target"] = {}
        return Archive(ArchiveTransport(inside, what), meta, ArchiveTransport(index, what))
    return Archive(ArchiveTransport(index, what), meta)
