"""docs/checks.md and the README's checks table follow the registry: every check, its title, severity and facts."""

from __future__ import annotations

import pathlib
import re

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
