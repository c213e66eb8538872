"""Hostile text from the cluster or a snapshot stays inert in every output format (issue 17)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from markdown_it import MarkdownIt

from tests.test_render_factories import make_check, make_fleet, make_report
from vcdoctor.render import FORMATS, inert, render

ESC = "\x1b"
HOSTILE = [
    f"{ESC}[2J{ESC}[H",                                    # clear the screen
    f"{ESC}]52;c;ZWNobyBwd25lZA=={ESC}\\",                 # OSC 52: write the clipboard
    f"{ESC}]8;;http://evil.example/{ESC}\\click{ESC}]8;;\x07",  # OSC 8 hyperlink
    "ring\x07", "\u009b31mC1 CSI", "over\rwrite", "back\x08space", "\u202eevil bidi",
    "# heading", "[x](http://evil)", "![img](http://evil/i.png)", "<img src=x onerror=alert(1)>",
    "<!-- hide the rest", "```\nfenced", "~~~", "````` five", "`code` and ``two``", "| cell | split |",
    "www.evil.example", "1. list\n- item\n> quote\n    indented code", "lone \ud800 surrogate \ufffe",
]
PAYLOAD = " ".join(HOSTILE)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def hostile_report() -> dict:
    evidence = [{"subject": PAYLOAD, "observation": PAYLOAD, "data": {PAYLOAD: PAYLOAD, "list": [PAYLOAD]}}]
    checks = [make_check(f"check-{s}", s, PAYLOAD, evidence=evidence, title=PAYLOAD,
                         remediation=PAYLOAD + "\n" + PAYLOAD if s not in ("pass", "skip") else None,
                         fix={"script": PAYLOAD, "context": PAYLOAD} if s == "fail" else None)
              for s in ("fail", "error", "warn", "skip", "pass")]
    target = {"namespace": PAYLOAD, "pod": PAYLOAD, "vcluster": PAYLOAD, "vcluster_namespace": PAYLOAD,
              "vclusters": [PAYLOAD], "host_pods": [PAYLOAD], "notes": [PAYLOAD]}
    report = make_report(*checks, context=PAYLOAD, target=target,
                         snapshot={"collected_at": PAYLOAD, "tool_version": PAYLOAD, "redacted": False})
    report["cluster"]["server"] = PAYLOAD
    return report


@pytest.mark.parametrize("colour", [False, True])
def test_table_lets_no_escape_sequence_or_control_through(colour):
    text = render(hostile_report(), "table", colour=colour)
    # the only escapes left are the renderer's own SGR colours
    assert not CONTROLS.search(re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\t", ""))
    assert "52;" not in text and "ZWNobyBwd25lZA" not in text and "evil.example/" not in text
    assert "click" in text and "ring" in text and "overwrite" in text  # the words survive, only controls go
    fleet = render(make_fleet(hostile_report()), "table", colour=colour)
    assert not CONTROLS.search(re.sub(r"\x1b\[[0-9;]*m", "", fleet))


OWN_HTML = {"<br>", "<details><summary>Evidence</summary>", "</details>"}


def test_markdown_forms_no_heading_link_image_or_html_from_cluster_text():
    report = hostile_report()
    text = render(report, "markdown")
    assert not CONTROLS.search(text)
    tokens = MarkdownIt("gfm-like").parse(text)  # gfm-like linkifies bare URLs too
    inline = [child for token in tokens for child in (token.children or [])]
    assert not [t for t in inline if t.type in ("link_open", "image")]
    headings = [t for t in tokens if t.type == "heading_open"]
    assert len(headings) == 1 + 4 + 1  # the report title, one per non-passing check, the remedy
    html = [t.content.strip() for t in tokens + inline if t.type in ("html_block", "html_inline")]
    assert set(html) <= OWN_HTML | {"<details><summary>Evidence</summary>\n</details>"}, html
    fences = [t for t in tokens if t.type == "fence"]
    assert sorted(t.info for t in fences) == sorted(["text", "text", "text", "sh"] + ["json"] * 4)
    # a script holding controls is never cleaned into something else: the block says it was left out
    assert any(t.info == "sh" and t.content.strip() == inert.SCRIPT_REFUSED for t in fences)
    table = [t for t in tokens if t.type == "tr_open"]
    assert len(table) == 1 + 5  # header and one row per check: a payload | split no row
    rows = MarkdownIt("gfm-like").parse(text)
    assert sum(t.type == "td_open" for t in rows) == 3 * 5


def test_markdown_fleet_heading_is_inert():
    tokens = MarkdownIt("gfm-like").parse(render(make_fleet(hostile_report()), "markdown"))
    inline = [child for token in tokens for child in (token.children or [])]
    assert not [t for t in inline if t.type in ("link_open", "image")]


def test_yaml_escapes_controls_and_loads_back_to_the_same_values():
    report = hostile_report()
    text = render(report, "yaml")
    assert not CONTROLS.search(text)
    loaded = yaml.safe_load(text)
    assert loaded["checks"][0]["message"] == PAYLOAD


def test_json_keeps_values_exactly():
    report = hostile_report()
    text = render(report, "json")
    assert not CONTROLS.search(text)
    assert json.loads(text) == report


def test_junit_with_raw_escapes_is_well_formed_xml():
    from junitparser import JUnitXml

    text = render(hostile_report(), "junit", fail_on="warn")
    ET.fromstring(text)
    cases = [case for suite in JUnitXml.fromstring(text) for case in suite]
    assert len(cases) == 5
    assert {c.name for c in cases} == {f"check-{s}" for s in ("fail", "error", "warn", "skip", "pass")}
    assert ESC not in text and "\ud800" not in text and "\ufffe" not in text
    fleet = render(make_fleet(hostile_report(), hostile_report()), "junit")
    ET.fromstring(fleet)


def test_sarif_messages_carry_no_controls():
    sarif = json.loads(render(hostile_report(), "sarif"))
    run = sarif["runs"][0]
    texts = [r["message"]["text"] for r in run["results"]]
    texts += [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert texts and not any(CONTROLS.search(t) for t in texts)


def test_prometheus_label_values_are_escaped_and_parse():
    from prometheus_client.parser import text_string_to_metric_families

    text = render(hostile_report(), "prometheus")
    assert not CONTROLS.search(text)
    samples = [s for f in text_string_to_metric_families(text + "\n") for s in f.samples]
    assert {s.labels.get("context") for s in samples} == {inert.one_line(PAYLOAD)}


@pytest.mark.parametrize("output", sorted(FORMATS))
def test_every_format_renders_hostile_reports(output):
    assert render(hostile_report(), output)
    assert render(make_fleet(hostile_report()), output)


def test_helpers():
    assert inert.clean(f"a{ESC}[31mb{ESC}]0;title\x07c\r\n") == "abc\n"
    assert inert.one_line("a\n\tb  c") == "a b c"
    assert inert.md_code("a``b") == "```a``b```"
    assert inert.md_code("`x") == "`` `x ``"
    assert inert.md_code("a|b", table=True) == "`a\\|b`"
    assert inert.md_fence("```\nx").startswith("````\n")
    assert inert.md_escape("# [x](y) <b>") == "\\# \\[x\\]\\(y\\) \\<b\\>"
    assert inert.scrub({"k\x07": [f"{ESC}[2J", 1]}) == {"k": ["", 1]}
    assert inert.unsafe("\u202e") and not inert.unsafe("plain ünïcode ✅")
