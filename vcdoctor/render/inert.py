"""Make untrusted report text inert: no terminal escapes, no markup, no XML-illegal characters."""

from __future__ import annotations

import re
from typing import Any

# Whole escape sequences go first, payload included, so an OSC 52 clipboard write or an OSC 8
# hyperlink leaves no base64 or URL debris behind. Whatever this misses is still caught by
# _CONTROL below: inertness never depends on recognising a sequence.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"                        # CSI (ESC [ or the C1 byte)
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"                 # OSC, DCS, SOS, PM, APC ...
    r"[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"                  # ... up to BEL or ST
    r"|\x1b[ -/]*[0-~]?"                                         # any other ESC sequence
)
# C0 except tab and newline, DEL, C1; bidi embeddings/overrides/isolates (reorder what a reader
# sees, "Trojan source"); lone surrogates and U+FFFE/U+FFFF (no terminal or XML can carry them).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_LINE_SEPARATORS = re.compile("\r\n|[\u2028\u2029\x85]")
_BLANK = re.compile(r"\s+")
_BACKTICKS = re.compile("`+")


def clean(value: Any) -> str:
    """Terminal-safe text that keeps its lines: only printable characters, ``\\n`` and ``\\t`` remain."""
    if value is None:
        return ""
    value = _LINE_SEPARATORS.sub("\n", str(value))
    return _CONTROL.sub("", _SEQUENCE.sub("", value))


#: C0/C1 controls (tab and newline too), DEL, line and paragraph separators, bidi embeddings, overrides and
#: isolates, BOM, lone surrogates: what could end a line or a comment, paint a terminal or reorder what it shows
UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff\ufffe"
                          "\uffff]")


def shown(value: Any) -> str:
    """One line for stderr or a comment: every character of UNSAFE_CHARS is shown as its escape (\\x1b, \\n,
    \\u2028) and not sent, so text from the cluster can neither paint the terminal nor add a line."""
    text = "" if value is None else str(value)
    return UNSAFE_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def one_line(value: Any) -> str:
    """Terminal-safe text on one line: every run of blanks and line breaks becomes one space."""
    return _BLANK.sub(" ", clean(value)).strip()


def xml(value: Any) -> str:
    """Text an XML 1.0 document can carry: :func:`clean` leaves no character XML forbids."""
    return clean(value)


def unsafe(value: str) -> bool:
    """Whether *value* holds anything :func:`clean` would remove."""
    return bool(_SEQUENCE.search(value) or _CONTROL.search(value))


#: what a renderer prints instead of a script it must not edit (vcdoctor's builder never makes one)
SCRIPT_REFUSED = ("# this script holds characters a terminal or this format would interpret, so it is not printed "
                  "here: take it from the JSON report (-o json), byte for byte")


def script(value: Any) -> str:
    """A fix or remedy script exactly as built, or a refusal: a script is never cleaned, since removing a byte
    from quoted code can turn data into a command."""
    text = value if isinstance(value, str) else ""
    return SCRIPT_REFUSED if unsafe(text) else text


def md_verbatim(value: Any, info: str = "") -> str:
    """A script as a fenced code block, byte for byte (or the refusal): a fence no backtick run inside can close."""
    body = script(value).rstrip("\n")
    fence = "`" * max(3, _longest_backticks(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def scrub(value: Any) -> Any:
    """A copy of a JSON-like tree with every string (keys too) passed through :func:`clean`."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def _longest_backticks(value: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(value)), default=0)


def md_code(value: Any, table: bool = False) -> str:
    """Untrusted text as one Markdown code span: no link, image, HTML, heading or emphasis can form.

    The fence is one backtick longer than any backtick run inside (CommonMark closes a code span
    only on a run of exactly the fence's length). In a GFM table cell ``|`` is escaped as well,
    which GFM undoes before it parses the span.
    """
    body = one_line(value) or " "
    fence = "`" * (_longest_backticks(body) + 1)
    if body.startswith("`") or body.endswith("`"):
        body = f" {body} "  # CommonMark strips one space each side, exactly so a span can hold a backtick
    if table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"


def md_fence(value: Any, info: str = "") -> str:
    """Untrusted lines as a fenced code block whose fence no backtick run inside can close."""
    body = clean(value).rstrip("\n")
    fence = "`" * max(3, _longest_backticks(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


# the characters that start Markdown syntax (emphasis, code, links, images, HTML, entities,
# headings, tables, strikethrough) and the colon of an autolink; CommonMark lets any be escaped
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+!|~&:])")


def md_escape(value: Any) -> str:
    """Text for Markdown prose: one line, every character that could start markup backslash-escaped."""
    return _MD_PUNCTUATION.sub(r"\\\1", one_line(value))
