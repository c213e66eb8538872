"""Validating a vCluster config outline against its chart's JSON Schema: unknown keys and wrong types."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vcdoctor.chart_schema import ChartSchema, UnusableSchema

#: Schema files are small (vCluster's is about 150 KB); anything far bigger is the wrong file.
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
UNKNOWN_KEY = "unknown key"
WRONG_TYPE = "wrong type"


@dataclass(frozen=True)
class SchemaProblem:
    path: str
    kind: str
    detail: str
    #: the allowed key this one is probably a misspelling of
    suggestion: str | None = None

    def describe(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"{self.path}: {self.kind}, {self.detail}{hint}"


def load_schema_file(path: str) -> ChartSchema:
    """A values.schema.json the user supplied (raises UnusableSchema with a message for the user)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SCHEMA_BYTES + 1)
    except OSError as exc:
        raise UnusableSchema(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCHEMA_BYTES:
        raise UnusableSchema(f"{path} is over {MAX_SCHEMA_BYTES // 2**20} MiB; it is not a vCluster config schema")
    try:
        document = json.loads(raw)
    except RecursionError:
        raise UnusableSchema(f"{path} nests too deep to be a vCluster config schema") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnusableSchema(f"{path} is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise UnusableSchema(f"{path} holds a JSON {type(document).__name__}, not a schema object")
    where = f"schema file {path}"
    # compiled now: a broken file is refused before the run starts
    return ChartSchema(where, None, document, compile_schema(document, where))


def compile_schema(document: Mapping[str, Any], where: str):
    """A validator for ``document`` once it is known to be a valid JSON Schema (raises UnusableSchema).

    The schema is untrusted (a snapshot or a Helm release supplies it): its regexes run on RE2, which
    is linear in the input, and a ``$ref`` outside the document is refused, never fetched."""
    base = _validator_class(document)
    from jsonschema.exceptions import SchemaError

    try:
        base.check_schema(document)
    except SchemaError as exc:
        at = _dotted(exc.absolute_path) or "the top level"
        raise UnusableSchema(f"{where} is not a valid JSON Schema ({exc.validator} at {at})") from None
    except RecursionError:
        raise UnusableSchema(f"{where} nests too deep to be a vCluster config schema") from None
    return _safe_class(base, document)(document, registry=_offline_registry())


def problems(validator, outline: Mapping[str, Any], where: str) -> list[SchemaProblem]:
    """Unknown keys and wrong value types in ``outline`` (raises UnusableSchema).

    Only these two kinds are reported: an outline keeps key names and value types but blanks the
    values, so value rules (enums, patterns, ranges) would judge the blanks, not the user's config."""
    from referencing.exceptions import Unresolvable

    try:
        errors = list(validator.iter_errors(outline))
    except Unresolvable as exc:  # remote references are never fetched
        raise UnusableSchema(f"{where} has a $ref vcdoctor cannot resolve: {getattr(exc, 'ref', '?')}") from None
    except RecursionError:
        raise UnusableSchema(f"{where} or the config nests too deep (or its $refs loop)") from None
    found = {}
    for error, expected in _relevant(errors):
        for problem in _explain(error, expected):
            found[(problem.path, problem.kind)] = problem
    return [found[k] for k in sorted(found)]


def _refuse_remote(uri: str):
    """Every $ref the document does not hold itself: refused without any network access."""
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(uri)  # its one attrs field, ref


def _offline_registry():
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS
    from referencing import Registry

    # the JSON Schema meta-schemas ship with jsonschema-specifications; nothing else is ever retrieved.
    # referencing declares its attrs classes with pyright's __dataclass_transform__, which mypy does not read, so
    # mypy knows no Registry(retrieve=...) although it is referencing's documented way to set the retriever
    return Registry(retrieve=_refuse_remote).combine(SPECIFICATIONS)  # type: ignore[call-arg]


@functools.lru_cache(maxsize=1024)
def _re2(pattern: str):
    """The RE2 program for ``pattern``, or None when RE2 lacks a feature it uses (lookaround, backrefs)."""
    try:
        import re2
    except ImportError:  # no wheel for this platform: no pattern is evaluated at all (see pattern_search)
        return None
    try:
        return re2.compile(pattern)
    except Exception:  # noqa: BLE001 - re2 raises its own error type for every unsupported construct
        return None


def pattern_search(pattern: Any, text: str) -> bool | None:
    """Whether ``pattern`` matches somewhere in ``text``, in time linear in ``text``; None when it cannot be
    evaluated safely. Python's re is never used: ``^(a+)+$`` against a long key would run for hours."""
    program = _re2(pattern) if isinstance(pattern, str) else None
    return None if program is None else program.search(text) is not None


def _pattern(validator, pattern, instance, schema):
    from jsonschema.exceptions import ValidationError

    # an unevaluable pattern judges nothing: value rules are not reported anyway (see problems)
    if validator.is_type(instance, "string") and pattern_search(pattern, instance) is False:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _canonical(value: Any) -> str:
    """JSON text equal for equal JSON values (1 and 1.0 alike, true and 1 apart), for hashing."""
    def plain(node: Any) -> Any:
        if isinstance(node, float) and node.is_integer():
            return int(node)
        if isinstance(node, dict):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v) for v in node]
        return node
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"))


def _unique_items(validator, unique, instance, schema):
    """uniqueItems by hashing: jsonschema compares every pair, and 20,000 entries keep a CPU busy for minutes."""
    from jsonschema.exceptions import ValidationError

    if not unique or not validator.is_type(instance, "array"):
        return
    seen = set()
    for item in instance:
        key = _canonical(item)
        if key in seen:
            yield ValidationError(f"{_canonical(item)[:80]} appears more than once")
            return
        seen.add(key)


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if pattern_search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, additional, instance, schema):
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties") or {}
    patterns = list(schema.get("patternProperties") or {})
    # a key that an unevaluable pattern might allow is not called unknown
    extras = [k for k in instance if k not in properties and all(pattern_search(p, k) is False for p in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        shown = ", ".join(repr(e) for e in sorted(extras, key=str))
        yield ValidationError(f"Additional properties are not allowed ({shown} unexpected)")


def _nothing(validator, value, instance, schema):
    return iter(())


def _uses(document: Any, keyword: str) -> bool:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if keyword in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _safe_class(base, document: Mapping[str, Any]):
    """``base`` with every keyword that runs a schema regex evaluated on RE2."""
    from jsonschema.validators import extend

    overrides = {"pattern": _pattern, "patternProperties": _pattern_properties,
                 "additionalProperties": _additional_properties, "uniqueItems": _unique_items}
    if _uses(document, "patternProperties") and _uses(document, "unevaluatedProperties"):
        # jsonschema finds the properties unevaluatedProperties has left with Python's re: with patterns
        # about, that keyword is not judged (fewer unknown-key reports, never a hang)
        overrides["unevaluatedProperties"] = _nothing
    return extend(base, overrides)


def _validator_class(document: Mapping[str, Any]):
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    # vCluster's schema declares draft 2020-12; a schema that declares nothing is read the same way
    return validator_for(document, default=Draft202012Validator)


def _relevant(errors: Iterable) -> Iterable:
    from jsonschema.exceptions import best_match

    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            mismatched = [e for e in error.context if e.validator == "type" and not e.relative_path]
            if len(mismatched) == len(error.context):
                yield error, _types(*(e.validator_value for e in mismatched))  # no alternative takes this type
                continue
            # the alternatives of the value's own type say what is wrong inside it
            error = best_match([e for e in error.context if e not in mismatched])
        if error.validator == "type":
            yield error, _types(error.validator_value)
        elif error.validator in ("additionalProperties", "unevaluatedProperties"):
            yield error, None


def _types(*values) -> str:
    names = []
    for value in values:
        for name in ([value] if isinstance(value, str) else value):
            if name not in names:
                names.append(name)
    return " or ".join(names)


def _explain(error, expected: str | None) -> list[SchemaProblem]:
    where = _dotted(error.absolute_path)
    if expected is not None:
        if error.instance is None:
            return []  # vCluster reads an empty value as the field's zero value
        return [SchemaProblem(where or "(top level)", WRONG_TYPE,
                              f"expected {expected}, found {_json_type(error.instance)}")]
    if not isinstance(error.instance, dict):
        return []
    allowed = sorted((error.schema.get("properties") or {}).keys())
    patterns = list((error.schema.get("patternProperties") or {}).keys())
    out = []
    for key in error.instance:
        if key in allowed or any(pattern_search(p, key) is not False for p in patterns):
            continue
        path = f"{where}.{key}" if where else key
        parent = f"under {where}" if where else "at the top level"
        suggestion = _closest(key, allowed)
        out.append(SchemaProblem(path, UNKNOWN_KEY, f"not allowed {parent}",
                                 f"{where}.{suggestion}" if where and suggestion else suggestion))
    return out


def _closest(key: str, allowed: list[str]) -> str | None:
    for candidate in allowed:
        if candidate.lower() == key.lower():
            return candidate
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    return close[0] if close else None


def _dotted(path: Iterable) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    for kind, name in ((dict, "object"), (list, "array"), (str, "string"), (int, "integer"), (float, "number")):
        if isinstance(value, kind):
            return name
    return "null"
