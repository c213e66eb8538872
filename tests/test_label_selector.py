"""-l/--selector: kubectl's label selector syntax, read once and matched client-side."""

from __future__ import annotations

import pytest

from vcdoctor.label_selector import SelectorError, parse

LABELS = {"app": "train", "tier": "gpu", "example.com/team": "ml"}


@pytest.mark.parametrize("text, matches", [
    ("app=train", True), ("app==train", True), ("app!=train", False), ("app=serve", False),
    ("tier in (gpu, cpu)", True), ("tier notin (gpu)", False), ("tier notin (cpu)", True),
    ("example.com/team=ml,app", True), ("!legacy", True), ("!app", False), ("legacy", False),
    ("legacy!=x", True),  # != and notin select pods without the key, as Kubernetes does
    ("app=train,tier in (cpu)", False),
])
def test_requirements_match_as_kubernetes_does(text, matches):
    assert parse(text).matches(LABELS) is matches


@pytest.mark.parametrize("text", ["", "a=b,", "a b", "!a=b", "a in (b", "a in b)", "=x", "a=b c", "-x=y",
                                  "a=" + "v" * 64])
def test_what_kubectl_would_refuse_is_a_selector_error(text):
    with pytest.raises(SelectorError):
        parse(text)
