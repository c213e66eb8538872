"""docs/checks.md and the README's checks table follow the registry: every check, its title, severity and facts."""

from __future__ import annotations

import pathlib
import re

import pytest

from vcdoctor.engine.facts import INPUTS
from vcdoctor.explain import section
from vcdoctor.registry import load_checks

ROOT = pathlib.Path(__file__).parents[1]


def test_each_check_has_a_section_with_its_title_severity_and_facts():
    docs = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for check in load_checks():
        text = section(docs, check.id)
        assert text is not None, f"docs/checks.md has no section ## `{check.id}`"
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines[1] == f"*{check.title}* — severity {check.severity.value}.", check.id
        facts = ", ".join(f"`{name}`" for name in check.needs if name not in INPUTS)
        assert f"**Facts.** {facts}." in " ".join(text.split()), check.id


def test_readme_checks_table_lists_exactly_the_registered_checks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| id | what it verifies |"):].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", table, re.MULTILINE)
    assert sorted(listed) == sorted(c.id for c in load_checks())
    assert len(listed) == len(set(listed))


def test_explain_sections_stand_on_their_own():
    """`vcdoctor explain ID` shows one section: nothing in it may point above or below it."""
    import re

    from vcdoctor import registry
    from vcdoctor.explain import checks_markdown

    markdown = checks_markdown()
    for check in registry.load_checks():
        text = section(markdown, check.id) or ""
        assert not re.search(r"\b(described|shown|rows|see) (above|below)\b|\bcommon rows\b", text), check.id


def _generator(kind: str):
    """docs/<kind>/generate.py as a module: versions writes the supported-versions parts of docs/checks.md and the
    README, findings the verdict tables and the README's checks table."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{kind}_generator", ROOT / "docs" / kind / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _versions_generator():
    return _generator("versions")


def test_supported_versions_are_the_compat_tables():
    generator = _versions_generator()
    docs = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert generator.region(docs) == generator.render(), \
        "docs/checks.md and the compat tables disagree: run python docs/versions/generate.py"
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"KAI ({generator.known_range(generator.kai.SUPPORTED)})" in readme
    assert f"vCluster ({generator.known_range(generator.vcluster.SUPPORTED)})" in readme


def test_a_changed_table_changes_the_page_and_check_mode_says_so(monkeypatch, tmp_path, capsys):
    from vcdoctor.products.kai import compat as kai
    from vcdoctor.products.vcluster import compat as vcluster
    from vcdoctor.versions import Span

    generator = _versions_generator()
    page = tmp_path / "checks.md"
    page.write_text("intro\n" + generator.render() + "\nafter\n", encoding="utf-8")
    monkeypatch.setattr(generator, "CHECKS_MD", page)
    readme = tmp_path / "README.md"
    readme.write_text("# vcdoctor\n" + generator.readme_sentence() + "\n", encoding="utf-8")
    monkeypatch.setattr(generator, "README", readme)
    assert generator.main(["--check"]) == 0
    monkeypatch.setattr(vcluster, "PRIVATE_NODES", vcluster.Table("private nodes", (
        vcluster.Era(Span((0, 19, 0), (0, 37, 0)), "privateNodes.enabled", "config/config.go:1@v0.19.0"),)))
    monkeypatch.setattr(kai, "SUPPORTED", Span((0, 2, 0), (0, 19, 0)))
    assert "| private nodes | v0.19+: `privateNodes.enabled` |" in generator.render()
    assert "### KAI (v0.2–v0.18)" in generator.render()
    assert "Releases judged: KAI (v0.2–v0.18)" in generator.readme_sentence()
    assert generator.main(["--check"]) == 1 and "run python docs/versions/generate.py" in capsys.readouterr().err
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0
    assert page.read_text(encoding="utf-8").startswith("intro\n") and page.read_text().endswith("\nafter\n")
    assert "Releases judged: KAI (v0.2–v0.18) and vCluster (v0.19–v0.36)" in readme.read_text(encoding="utf-8")


@pytest.mark.parametrize("first, until, said", [
    ((0, 19, 0), (0, 20, 0), "v0.19"), ((0, 21, 0), (0, 23, 0), "v0.21–v0.22"), ((0, 28, 0), (0, 28, 1), "v0.28.0"),
    ((0, 28, 1), (0, 37, 0), "v0.28.1+"), ((0, 12, 23), (0, 13, 0), "v0.12.23–v0.12.x"),
    ((0, 12, 0), (0, 12, 22), "v0.12.0–v0.12.21"), ((0, 0, 1), (0, 10, 1), "v0.2–v0.10.0"),
    ((0, 20, 0), None, "v0.20+"), ((0, 38, 0), (0, 39, 0), "v0.38")])
def test_release_spans_read_as_people_say_them(first, until, said):
    """Spans inside the known releases (v0.2-v0.36 here); one past them is said as it is, never as "+"."""
    from vcdoctor.versions import Span

    assert _versions_generator().releases(Span(first, until), Span((0, 2, 0), (0, 37, 0))) == said


def test_a_kai_row_of_a_shape_the_generator_does_not_know_is_written_field_by_field():
    """kai/compat.py changes on its own: a new value shape is written out, never an error."""
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Gate:
        name: str
        annotation: str

    assert _versions_generator().value_text(Gate("skip", "kai.scheduler/skip")) == "skip (`kai.scheduler/skip`)"


def _findings_generator():
    return _generator("findings")


def test_verdict_tables_are_the_declared_findings():
    generator = _findings_generator()
    docs = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for name, text in generator.render(load_checks()).items():
        assert generator.region(docs, name) == text, \
            f"the verdict table of {name} differs from its declared findings: run python docs/findings/generate.py"


def test_a_changed_finding_changes_the_page_and_check_mode_says_so(monkeypatch, tmp_path, capsys):
    import dataclasses

    generator = _findings_generator()
    checks = load_checks()
    page = tmp_path / "checks.md"
    page.write_text("intro\n" + "\n\n".join(generator.render(checks).values()) + "\nafter\n", encoding="utf-8")
    monkeypatch.setattr(generator, "CHECKS_MD", page)
    readme = tmp_path / "README.md"
    readme.write_text("".join(generator.readme_table(checks).values()), encoding="utf-8")
    monkeypatch.setattr(generator, "README", readme)
    assert generator.main(["--check"]) == 0
    queue = next(c for c in checks if c.id == "kai-queue")
    renamed = dataclasses.replace(queue, findings=tuple(
        dataclasses.replace(f, title="a queue is gone") if f.code == "VCD310" else f for f in queue.findings))
    monkeypatch.setattr(generator.registry, "load_checks", lambda: [renamed if c is queue else c for c in checks])
    assert generator.main(["--check"]) == 1 and "kai-queue" in capsys.readouterr().err
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0
    assert "| `VCD310` | fail | a queue is gone |" in page.read_text(encoding="utf-8")
    summarised = dataclasses.replace(queue, summary="each pod's queue exists")
    monkeypatch.setattr(generator.registry, "load_checks", lambda: [summarised if c is queue else c for c in checks])
    assert generator.main(["--check"]) == 1 and "README.md" in capsys.readouterr().err
    assert generator.main([]) == 0 and "| `kai-queue` | each pod's queue exists |" in readme.read_text()
    assert page.read_text(encoding="utf-8").startswith("intro\n") and page.read_text().endswith("\nafter\n")


def test_verifying_a_new_kai_release_moves_two_bounds_not_every_row(monkeypatch):
    from vcdoctor.products.kai import compat, validator_compat

    monkeypatch.setattr(compat, "NEWEST", (0, 18, 2))
    assert compat.known_range().startswith("KAI v0.2–v0.18 ")
    ends = {row.span.until for module in (compat, validator_compat) for value in vars(module).values()
            if isinstance(value, tuple) for row in value if isinstance(row, compat.Known)}
    assert max(e for e in ends if e is not None) <= compat.SUPPORTED.until  # no row outlives the table
