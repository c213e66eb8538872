"""Fix scripts: bash that runs as-is, every command aimed at the diagnosed kube context, prose as comments."""

from __future__ import annotations

import re
import shlex
from typing import List, Optional, Sequence

from vcdoctor.model import Fix

#: the flag each tool takes to name a kube context (vcluster's is its global --context)
CONTEXT_FLAGS = {"kubectl": "--context", "helm": "--kube-context", "vcluster": "--context"}
_HEREDOC_WORD = "VCDOCTOR_EOF"


class ScriptError(ValueError):
    """A fix script that would not run as-is (a bug in the check that builds it)."""


class Script:
    """Builds one fix script. Commands are lists of words, quoted here; every kubectl, helm and vcluster
    command gets the context flag, also when the context is the current one, so a paste can never hit
    another cluster."""

    def __init__(self, context: Optional[str]):
        self.context = context
        self._lines: List[str] = []

    def comment(self, text: str) -> "Script":
        for line in text.splitlines() or [""]:
            self._lines.append(f"# {line}".rstrip())
        return self

    def run(self, tool: str, *words: str, redirect: Optional[str] = None) -> "Script":
        args = [tool, *words]
        flag = CONTEXT_FLAGS.get(tool)
        unaimed = flag is not None and not self.context
        if flag is not None and self.context:
            args += [flag, self.context]
        line = " ".join(shlex.quote(a) for a in args)
        if redirect:
            line += f" > {shlex.quote(redirect)}"
        if unaimed:
            # no context this run can name (a tenant without the host's): a command would hit whatever cluster
            # is current, so it stays a comment, for whoever holds that context
            self._lines.append(f"# for the cluster admin, against the host cluster's context: {line}")
        else:
            self._lines.append(line)
        return self

    def write_file(self, path: str, content: str) -> "Script":
        """``cat > path`` with a quoted heredoc: nothing inside is expanded, the terminator stands at column 0."""
        if any(line == _HEREDOC_WORD for line in content.splitlines()):
            raise ScriptError("file content contains the heredoc terminator")
        self._lines.append(f"cat > {shlex.quote(path)} <<'{_HEREDOC_WORD}'")
        self._lines.extend(content.rstrip("\n").splitlines())
        self._lines.append(_HEREDOC_WORD)
        return self

    def blank(self) -> "Script":
        self._lines.append("")
        return self

    def build(self) -> Fix:
        text = "\n".join(self._lines).strip("\n") + "\n"
        if re.search(r"<[a-z][a-z -]*>", _code(text)):
            raise ScriptError("a placeholder (<name>) stands in a command of the fix script")
        return Fix(text, self.context)


def _code(script: str) -> str:
    """The script without its comment lines (placeholders are allowed in prose)."""
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))


def join(fixes: Sequence[Optional[Fix]]) -> Optional[Fix]:
    """Several fixes for one cluster as one script (a check that found several problems)."""
    present = [f for f in fixes if f is not None]
    if not present:
        return None
    unique = list(dict.fromkeys(f.script for f in present))
    return Fix("\n".join(unique), present[0].context)
