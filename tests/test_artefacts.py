"""What ships: the in-cluster image's build context installs a working vcdoctor, and the wheel holds what output,
help and `explain` point at (the license, docs/rbac.yaml, the report schema, docs/checks.md)."""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).parents[1]
DOCKERFILE = ROOT / "docs" / "in-cluster" / "Dockerfile"
SHIPPED = ("LICENSE", "vcdoctor/docs/checks.md", "vcdoctor/docs/rbac.yaml", "vcdoctor/docs/report.schema.json")


def image_context(into: pathlib.Path) -> pathlib.Path:
    """The files the Dockerfile's COPY lines put in /src, copied as docker would (no other file of the clone)."""
    for line in DOCKERFILE.read_text().splitlines():
        words = shlex.split(line)
        if not words or words[0] != "COPY":
            continue
        *sources, target = words[1:]
        for source in sources:
            origin = ROOT / source
            destination = into / target / (origin.name if target.endswith("/") else "")
            destination.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(origin, destination)
    return into


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    """The wheel `pip install .` builds in the image, from exactly the image's build context."""
    context = image_context(tmp_path_factory.mktemp("context"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w",
                    str(out), str(context)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("vcdoctor-*.whl")
    return built


def assert_holds_what_ships(wheel: pathlib.Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    modules = [str(p.relative_to(ROOT)) for p in (ROOT / "vcdoctor").rglob("*.py")]
    modules += [f"vcdoctor/checks/{p.name}" for p in (ROOT / "checks").glob("*.py")]
    assert sorted(set(modules) - set(names)) == []  # a package setup.cfg does not list is left out
    for path in SHIPPED:
        assert any(n == path or n.endswith(f".dist-info/licenses/{path}") or n.endswith(f".dist-info/{path}")
                   for n in names), path


def test_the_wheel_holds_every_module_and_what_the_docs_point_at(wheel):
    assert_holds_what_ships(wheel)


def test_the_image_context_installs_a_vcdoctor_that_diagnoses_an_example(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    # -S: no site, so no .pth file and no editable install of the checkout can supply what the wheel lacks; the
    # dependencies come from the test environment's site-packages, named explicitly
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), *deps]))
    done = subprocess.run([sys.executable, "-S", "-m", "vcdoctor", "run", "--snapshot",
                           str(ROOT / "docs" / "examples" / "setowner-on.tar.gz"), "-o", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr  # the example's setOwner check fails, as it should
    assert json.loads(done.stdout)["remedy"]["steps"]
    explained = subprocess.run([sys.executable, "-S", "-m", "vcdoctor", "explain", "vcluster-set-owner"],
                               capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert explained.returncode == 0 and "setOwner" in explained.stdout


def test_docs_links_point_only_where_the_project_declares_itself():
    import configparser

    from vcdoctor import registry
    from vcdoctor.model import DOCS_BASE

    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "setup.cfg")
    declared = metadata["metadata"]["url"]
    assert DOCS_BASE.startswith(declared + "/")
    assert all((c.docs_url or DOCS_BASE).startswith(declared + "/") for c in registry.load_checks())


def test_the_krew_release_is_reproducible_and_its_manifest_carries_the_real_sha256(tmp_path):
    import hashlib
    import re
    import tarfile

    import yaml

    sys.path.insert(0, str(ROOT / "docs" / "krew"))
    import release

    from vcdoctor import __version__

    first, manifest_path = release.build(tmp_path / "a")
    second, _ = release.build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()  # the same release, the same bytes
    plugin = yaml.safe_load(manifest_path.read_text())
    # krew's manifest rules: the kind, a name, a semver version with its v, a 64-hex sha256 of the archive at the
    # uri, and a bin the archive holds
    assert plugin["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2" and plugin["kind"] == "Plugin"
    assert plugin["metadata"]["name"] == "vcdoctor" and plugin["spec"]["version"] == f"v{__version__}"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", plugin["spec"]["version"])
    (platform,) = plugin["spec"]["platforms"]
    assert platform["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert platform["uri"].endswith(f"/v{__version__}/kubectl-vcdoctor.tar.gz")
    with tarfile.open(first) as tar:
        shim = tar.getmember(platform["bin"])
        assert shim.mode & 0o111 and b"python3 -m vcdoctor" in tar.extractfile(shim).read()
        assert "LICENSE" in tar.getnames()


def test_the_sdist_builds_the_wheel_and_both_pass_twine_check(tmp_path):
    """`python -m build` makes the wheel from the sdist, so a file the sdist forgets fails here, not on PyPI."""
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    built = sorted(p.name for p in out.iterdir())
    assert len(built) == 2 and built[0].endswith(".whl") and built[1].endswith(".tar.gz"), built
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, out.iterdir())],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert_holds_what_ships(next(out.glob("*.whl")))
