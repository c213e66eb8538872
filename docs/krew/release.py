"""Build the krew plugin archive and its manifest for a release: the archive is reproducible, and the manifest
carries its real sha256 and the release's version.

    python docs/krew/release.py dist/          # dist/kubectl-vcdoctor.tar.gz and dist/vcdoctor.yaml
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pathlib
import sys
import tarfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from vcdoctor import __version__  # noqa: E402

ARCHIVE = "kubectl-vcdoctor.tar.gz"
#: krew runs this; vcdoctor itself is pip-installed for the python3 on PATH (docs/install.md)
SHIM = b'#!/bin/sh\nexec python3 -m vcdoctor "$@"\n'
RELEASES = "https://github.com/vcdoctor/vcdoctor/releases/download"


def archive() -> bytes:
    """The shim and the license, with fixed owners and times: the same bytes for the same release."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        license_text = (ROOT / "LICENSE").read_bytes()
        for name, data, mode in (("kubectl-vcdoctor", SHIM, 0o755), ("LICENSE", license_text, 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime, info.uname, info.gname = len(data), mode, 0, "root", "root"
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def manifest(sha256: str) -> dict:
    """docs/krew/vcdoctor.yaml with this release's version, archive address and sha256."""
    plugin = yaml.safe_load((ROOT / "docs" / "krew" / "vcdoctor.yaml").read_text())
    version = f"v{__version__}"
    plugin["spec"]["version"] = version
    for platform in plugin["spec"]["platforms"]:
        platform["uri"] = f"{RELEASES}/{version}/{ARCHIVE}"
        platform["sha256"] = sha256
    return plugin


def build(out_dir: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = archive()
    (out_dir / ARCHIVE).write_bytes(data)
    (out_dir / "vcdoctor.yaml").write_text(yaml.safe_dump(manifest(hashlib.sha256(data).hexdigest()),
                                                          sort_keys=False))
    return out_dir / ARCHIVE, out_dir / "vcdoctor.yaml"


if __name__ == "__main__":
    for path in build(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")):
        print(path)
