"""vcluster-config-schema: the vCluster config has no unknown (misspelt) keys or wrongly typed values."""

from __future__ import annotations

from typing import List, Optional, Tuple, Union

from vcdoctor import remedy
from vcdoctor.chart_schema import ChartSchema
from vcdoctor.engine.verdicts import COULD_NOT_LOOK, could_not_look
from vcdoctor.gateway import GatewayError
from vcdoctor.model import DOCS_BASE, Check, Evidence, Finding, Fix, Severity, Status, Verdict
from vcdoctor.products import vcluster as vcl
from vcdoctor.products.helm.release import MalformedRelease, NoRelease
from vcdoctor.products.vcluster import compat
from vcdoctor.products.vcluster.config_schema import UNKNOWN_KEY, SchemaProblem, UnusableSchema, problems
from vcdoctor.products.vcluster.facts import ChartSchemas, SettingsByVCluster
from vcdoctor.target import Target

#: enough to act on; the count says how many more there are
LISTED = 20
SCHEMA_URL = "https://raw.githubusercontent.com/loft-sh/vcluster/v{version}/chart/values.schema.json"


def _schema_file_hint(vc: vcl.VCluster) -> str:
    version = vc.version_text if vc.version else "<chart version>"
    return (f"  curl -fsSL -o vcluster-schema.json {SCHEMA_URL.format(version=version)}\n"
            f"  vcdoctor run --vcluster {vc.name} --vcluster-namespace {vc.namespace} "
            f"--vcluster-schema vcluster-schema.json")


def _schema(target: Target, schemas: ChartSchemas, vc: vcl.VCluster) -> Union[ChartSchema, Verdict]:
    """The schema to validate against, or the verdict saying why there is none."""
    if target.config_schema is not None:
        return target.config_schema
    subject = f"vCluster {vc.ref}"
    if not target.helm_release:
        return NO_SCHEMA.verdict(
            f"{vc.ref}: not validated; no config schema was given",
            (Evidence(subject, "no --vcluster-schema file and no --read-helm-release",
                      {"vcluster": vc.ref}),),
            "Validate against the schema of the installed chart, either from a file:\n"
            f"{_schema_file_hint(vc)}\n"
            "or from the Helm release (needs list on secrets in the vCluster namespace; metadata only):\n"
            f"  vcdoctor run --vcluster {vc.name} --vcluster-namespace {vc.namespace} --read-helm-release")
    found = schemas.get(vc.ref)
    if isinstance(found, GatewayError):
        looked = could_not_look(found, f"the Helm release of {vc.ref}")
        return COULD_NOT_LOOK.verdict(f"{vc.ref}: {looked.message}", looked.evidence, f"{looked.remediation}\nOr give "
                                      f"the schema as a file instead:\n{_schema_file_hint(vc)}")
    if isinstance(found, NoRelease):
        return NO_SCHEMA.verdict(f"{vc.ref}: not validated; installed without a Helm release",
                                 (Evidence(f"Secrets in namespace {vc.namespace}", str(found), {"vcluster": vc.ref}),),
                                 f"Installed by `helm template`, Argo CD or similar; give the schema as a file:\n"
                                 f"{_schema_file_hint(vc)}")
    if isinstance(found, UnusableSchema):
        return SCHEMA_UNUSABLE.verdict(f"{vc.ref}: {found}", (Evidence(f"Helm release of {vc.ref}", str(found)),),
                                       f"Use the schema of the installed chart instead:\n{_schema_file_hint(vc)}")
    if isinstance(found, (MalformedRelease, Exception)):
        return SCHEMA_UNUSABLE.verdict(
            f"{vc.ref}: the Helm release cannot be decoded: {found}",
            (Evidence(f"Helm release of {vc.ref}", str(found), {"vcluster": vc.ref}),),
            f"Inspect it with `helm history {vc.name} -n {vc.namespace}`, or give the schema as a file:\n"
            f"{_schema_file_hint(vc)}")
    if found is None:
        return NO_SCHEMA.verdict(
            f"{vc.ref}: not validated; its chart carries no schema",
            (Evidence(f"Helm release of {vc.ref}", "chart.schema is empty", {"vcluster": vc.ref}),),
            f"Give the schema as a file:\n{_schema_file_hint(vc)}")
    return found


def _examine(vc: vcl.VCluster, settings: vcl.Settings, target: Target, schemas: ChartSchemas,
             context: Optional[str]) -> Verdict:
    data = {"vcluster": vc.ref, "version": vc.version_text}
    if settings.legacy or settings.outline is None:
        return FLAGS_RELEASE.verdict(f"{vc.ref}: vCluster {vc.version_text} is configured by syncer flags; config "
                                     f"schemas start with v0.20",
                                     (Evidence(settings.source, "no vc-config Secret to validate", data),))
    schema = _schema(target, schemas, vc)
    if isinstance(schema, Verdict):
        return schema
    source = Evidence(schema.source, f"schema of chart {schema.chart_version or 'version not recorded'}; "
                                     f"the vCluster runs {vc.version_text}", data)
    try:
        found = problems(schema.validator, settings.outline, schema.source)
    except UnusableSchema as exc:
        return SCHEMA_UNUSABLE.verdict(f"{vc.ref}: {exc}", (source,),
                                       f"Use the schema of the installed chart instead:\n{_schema_file_hint(vc)}")
    if not found:
        return Verdict(Status.PASS, f"{vc.ref}: every config key is known to the schema and typed as it expects",
                       (Evidence(settings.source, "validated key names and value types", data), source))
    evidence = [Evidence(settings.source, p.describe(), {**data, "key": p.path}) for p in found[:LISTED]]
    if len(found) > LISTED:
        evidence.append(Evidence(settings.source, f"{len(found) - LISTED} more problem(s) not listed", data))
    unknown = [p for p in found if p.kind == UNKNOWN_KEY]
    kinds = " and ".join(k for k, n in (("unknown key(s)", len(unknown)), ("wrongly typed value(s)",
                                                                           len(found) - len(unknown))) if n)
    strict = compat.STRICT_PARSING.era(vc.version)
    if strict is not None:
        evidence.append(Evidence("vCluster config parsing", strict.value, {**data, "read": strict.source}))
    return INVALID_CONFIG.verdict(
        f"{vc.ref}: {len(found)} config problem(s), {kinds}: "
        f"{', '.join(p.path for p in found[:3])}{'…' if len(found) > 3 else ''}; "
        f"vCluster parses its config strictly, so the syncer refuses to start on it at its "
        f"next restart, and Helm and the vCluster CLI reject such values: they were written "
        f"into the vc-config Secret by hand",
        tuple(evidence) + (source,), _remediation(vc, found), _fix(vc, found, context))


def _renames(found: List[SchemaProblem]) -> list:
    lines = []
    for p in found[:LISTED]:
        if p.suggestion:
            lines.append(f"{p.path}  ->  rename to {p.suggestion}")
        elif p.kind == UNKNOWN_KEY:
            lines.append(f"{p.path}  ->  remove it, or find where it moved in this version's vcluster.yaml reference")
        else:
            lines.append(f"{p.path}  ->  {p.detail}")
    return lines


def _remediation(vc: vcl.VCluster, found: List[SchemaProblem]) -> str:
    return ("Helm's schema and the vCluster CLI refuse these keys, so the Helm values cannot hold them: the "
            "vc-config Secret was edited by hand. The remedy renders it again from the Helm values at the installed "
            f"chart version {vc.version_text} and rolls the control plane (on the host cluster, where {vc.ref} is "
            "installed, not inside the vCluster). If the setting was meant, put it into the values under its right "
            "key first:\n"
            + "\n".join(f"    {line}" for line in _renames(found)) + "\n"
            "Values from an older vCluster version can be converted with `vcluster convert config`.")


def _fix(vc: vcl.VCluster, found: List[SchemaProblem], context: Optional[str]) -> Optional[Fix]:
    if not context:
        return None
    notes = ["The keys vCluster does not know (put a setting you meant into the values under its right key):"]
    notes += [f"  {line}" for line in _renames(found)]
    return remedy.fix(context, *vcl.reapply(vc, (f"{vc.ref}: vc-config holds keys its chart does not know; render it "
                                                 f"again from the Helm values.", *notes)))


def run(target: Target, vclusters: Tuple[vcl.VCluster, ...], vcluster_settings: SettingsByVCluster,
        vcluster_chart_schemas: ChartSchemas, context: Optional[str]) -> Verdict:
    return vcl.each_vcluster(vclusters, vcluster_settings,
                             lambda vc, settings: _examine(vc, settings, target, vcluster_chart_schemas, context),
                             context)


INVALID_CONFIG = Finding("VCD160", Status.FAIL, "unknown keys or wrongly typed values: vCluster parses its config "
                         "strictly, so the syncer refuses to start on it at its next restart,"
                         " and Helm and the vCluster CLI reject them: they were written into "
                         "the Secret by hand",
                         "Remove or correct the keys named in the Helm values and render the Secret again with a "
                         "pinned upgrade.")
NO_SCHEMA = Finding("VCD161", Status.SKIP, "no schema to validate against: none given, installed without a Helm "
                    "release, or the chart carries no schema",
                    "Give the schema of the installed chart with --vcluster-schema FILE, or read it from the release"
                    " with --read-helm-release.")
FLAGS_RELEASE = Finding("VCD162", Status.SKIP, "v0.19: configured by syncer flags, which have no schema",
                        "Nothing to validate: v0.19 takes syncer flags; schemas start with v0.20.")
SCHEMA_UNUSABLE = Finding("VCD163", Status.ERROR, "the Helm release cannot be decoded, or the schema is unusable",
                          "Give the schema of the installed chart as a file (--vcluster-schema FILE).")


CHECK = Check(
    id="vcluster-config-schema",
    title="expected: vCluster config valid for its chart's schema",
    summary=("no misspelt or wrongly typed keys in the vCluster config, validated against the chart's own JSON "
             "Schema (give it with `--vcluster-schema FILE`, or let vcdoctor take it from the Helm release with "
             "`--read-helm-release`; skipped otherwise)"),
    severity=Severity.HIGH,
    run=run,
    order=16,
    findings=(*vcl.EVERY_VCLUSTER, INVALID_CONFIG, NO_SCHEMA, FLAGS_RELEASE, SCHEMA_UNUSABLE),
    passes=("every key is known to the schema and typed as it expects",),
    docs_url=f"{DOCS_BASE}#vcluster-config-schema",
)
