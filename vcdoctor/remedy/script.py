"""Bash lines that are safe by construction: cluster values enter only as quoted words or yaml.safe_dump bodies."""

from __future__ import annotations

import re
import shlex
from typing import Any, List, Optional, Sequence

import yaml

from vcdoctor.render.inert import UNSAFE_CHARS
from vcdoctor.render.inert import shown as escaped

#: the flag each tool takes to name a kube context (vcluster's is its global --context)
CONTEXT_FLAGS = {"kubectl": "--context", "helm": "--kube-context", "vcluster": "--context"}
HEREDOC_WORD = "VCDOCTOR_EOF"
PROGRAM_WORD = "VCDOCTOR_PROGRAM"
#: the folder every file of a remedy goes to (made by the preamble with mktemp -d, removed on exit)
WORKDIR = "$work"
_PLACEHOLDER = re.compile(r"<[a-z][a-z -]*>")
#: before a command this run has no context for (a tenant without the host's): it stays a comment for whoever holds it
FOR_THE_ADMIN = "for the cluster admin, against the host cluster's context: "


class ScriptError(ValueError):
    """A script that would not run as-is (a bug in the code that builds it)."""


def usable(word: str) -> bool:
    """Whether ``word`` can enter a script (as a quoted word or in a comment) and read the same on any terminal."""
    return not UNSAFE_CHARS.search(word)


def shown(word: str, limit: int = 80) -> str:
    """A value that cannot enter a script, its unsafe characters spelt as escapes, for a comment."""
    text = escaped(word)
    return text if len(text) <= limit else text[:limit] + "..."


def prose(text: str) -> str:
    """One comment line: unsafe characters become spaces, so nothing can end the comment early (the line's own
    indentation is kept)."""
    lead = text[:len(text) - len(text.lstrip(" "))]
    return lead + re.sub(r"\s+", " ", UNSAFE_CHARS.sub(" ", text)).strip()


class WorkFile(str):
    """A command word naming one of the step's work files (vcdoctor's own name, expanded by bash, never quoted)."""


def command_text(tool: str, words: Sequence[str], context: Optional[str], prefix: str = "step") -> str:
    """One command as bash reads it: every word quoted, the context flag added for the tools that take one."""
    args = [tool, *words]
    flag = CONTEXT_FLAGS.get(tool)
    if flag is not None and context:
        args += [flag, context]
    return " ".join(file_path(f"{prefix}-{a}") if isinstance(a, WorkFile) else shlex.quote(a) for a in args)


def said(context: Optional[str], tool: str, *words: str) -> str:
    """A command for remediation prose, on the host cluster: quoted as a script would quote it, aimed at
    ``context``; without one, it says whose context it needs. Unusable words are shown escaped, never raw."""
    words = tuple(w if usable(w) else shown(w) for w in words)
    line = command_text(tool, words, context if context and usable(context) else None)
    if tool in CONTEXT_FLAGS and not (context and usable(context)):
        line += "   # against the host cluster's kube context"
    return line


def said_inside(tool: str, *words: str) -> str:
    """A command for a by-hand step inside a vCluster: quoted as a script would quote it, and aimed at no context
    (the user's connection to the vCluster is the one). Unusable words are shown escaped, never raw."""
    return command_text(tool, tuple(w if usable(w) else shown(w) for w in words), None)


def file_path(name: str) -> str:
    """A file in the remedy's work folder; ``name`` is vcdoctor's own (never a value from the cluster)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name):
        raise ScriptError(f"work file name {name!r} is not vcdoctor's own")
    return f'"{WORKDIR}/{name}"'


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def dump(body: Any) -> str:
    """YAML a heredoc can carry: no string in it holds a control character or line break (escaped by safe_dump it
    would still reach the cluster), and the terminator is checked on the final text (refused, never edited)."""
    for word in _strings(body):
        if not usable(word):
            raise Unusable("a value", word)
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, allow_unicode=False, width=10**6)
    if any(line.strip() == HEREDOC_WORD for line in text.splitlines()) or not usable(text.replace("\n", "")):
        raise Unusable("a value", HEREDOC_WORD)
    return text


class Unusable(ValueError):
    """A value from the cluster that no script may carry (a control character, a line break, the terminator)."""

    def __init__(self, what: str, value: str):
        super().__init__(f"{what} {shown(value)!r} holds a control character or line break")
        self.what = what
        self.value = value


class Script:
    """Lines of one remedy step. Commands are lists of words, quoted here; every kubectl, helm and vcluster command
    names the context, so a paste cannot hit another cluster. A value that cannot be carried stops the step: what
    follows it is dropped and a comment names the object instead."""

    def __init__(self, context: Optional[str], prefix: str = "step"):
        if context is not None and not usable(context):
            raise Unusable("the kube context", context)
        self.context = context
        #: work files of this step start so, so that steps of one plan never share a file
        self.prefix = prefix
        self.lines: List[str] = []
        self.refused: Optional[str] = None

    def comment(self, text: str) -> "Script":
        if self.refused is None:
            self.lines.extend(f"# {prose(line)}".rstrip() for line in (text.split("\n") or [""]))
        return self

    def refuse(self, what: str, value: str) -> "Script":
        """Stop this step: ``what`` (an object's role and kind) holds a value no command can carry."""
        if self.refused is None:
            self.lines.append(f"# vcdoctor stops this step: {prose(what)} is {shown(value)}, which holds a control "
                              f"character or line break; no command can name it safely. Inspect it by hand.")
            self.refused = what
        return self

    def _words(self, words: Sequence[str], what: str) -> bool:
        for word in words:
            if not usable(word):
                self.refuse(what, word)
                return False
        return True

    def run(self, tool: str, *words: str, what: str = "a name from the cluster", stdout: Optional[str] = None,
            may_fail: bool = False) -> "Script":
        """One command. ``stdout`` is a work file; ``may_fail`` marks a read-only look whose non-zero exit is an
        answer (kubectl auth can-i, logs --previous), which must not stop the script."""
        if self.refused is not None or not self._words(words, what):
            return self
        line = command_text(tool, words, self.context, self.prefix)
        if _PLACEHOLDER.search(line):
            raise ScriptError("a placeholder (<name>) stands in a command")
        if stdout:
            line += f" > {self.path(stdout)}"
        if may_fail:
            line += " || true"
        if tool in CONTEXT_FLAGS and not self.context:
            # no context this run can name (a tenant without the host's): a command would hit whatever cluster
            # is current, so it stays a comment, for whoever holds that context
            self.lines.append(f"# {FOR_THE_ADMIN}{line}")
        else:
            self.lines.append(line)
        return self

    def show(self, tool: str, *words: str, what: str = "a name from the cluster") -> "Script":
        """A command for later (when its cause is known), shown as a comment and not run."""
        if self.refused is None and self._words(words, what):
            whose = FOR_THE_ADMIN if tool in CONTEXT_FLAGS and not self.context else ""
            self.lines.append(f"#   {whose}{command_text(tool, words, self.context, self.prefix)}")
        return self

    def path(self, name: str) -> str:
        """The quoted path of this step's work file ``name``."""
        return file_path(f"{self.prefix}-{name}")

    def raw(self, line: str) -> "Script":
        """A line of vcdoctor's own shell (no value from the cluster in it)."""
        if self.refused is None:
            self.lines.append(line)
        return self

    def program(self, interpreter: str, text: str, *words: str, what: str = "a value from the cluster") -> "Script":
        """vcdoctor's own ``text`` fed to ``interpreter`` through a quoted heredoc, with ``words`` as arguments."""
        if self.refused is not None or not self._words(words, what):
            return self
        if any(line.strip() == PROGRAM_WORD for line in text.splitlines()):
            raise ScriptError("the program contains its heredoc terminator")
        self.lines.append(f"{command_text(interpreter, ('-', *words), None, self.prefix)} <<'{PROGRAM_WORD}'")
        self.lines.extend(text.rstrip("\n").split("\n"))
        self.lines.append(PROGRAM_WORD)
        return self

    def _yaml_lines(self, body: Any, what: str) -> Optional[List[str]]:
        """``body`` as YAML lines, or None when this step is (or now becomes) refused."""
        if self.refused is not None:
            return None
        try:
            return dump(body).rstrip("\n").split("\n")
        except Unusable as exc:
            self.refuse(what, exc.value)
            return None

    def write_file(self, name: str, body: Any, what: str = "a value from the cluster") -> "Script":
        """``body`` (a dict or list) as YAML into a work file, through a quoted heredoc: nothing inside expands."""
        lines = self._yaml_lines(body, what)
        if lines is not None:
            self.lines += [f"cat > {self.path(name)} <<'{HEREDOC_WORD}'", *lines, HEREDOC_WORD]
        return self

    def show_yaml(self, body: Any, what: str = "a value from the cluster") -> "Script":
        """``body`` as YAML in comment lines (a change a person puts into another tool's source)."""
        self.lines += [f"#   {line}" for line in self._yaml_lines(body, what) or []]
        return self
