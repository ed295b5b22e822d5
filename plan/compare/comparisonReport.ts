import { toJsonReport, type JsonReport } from "../report/jsonReport";
import { code, inline, renderMarkdown } from "../report/markdownReport";
import type { PlanModel } from "../report/planModel";
import { renderText } from "../report/textReport";
import { hasChanges, type ComparedViolation, type InputChange, type PlanComparison } from "./planComparison";

/** Longest value shown for one changed input; the JSON format keeps every value whole. */
const VALUE_WIDTH = 160;

/** The JSON plan with what changed since the base plan; `comparison` is added, nothing else moves. */
export interface JsonReportWithComparison extends JsonReport {
  comparison: PlanComparison;
}

export function renderComparisonJson(model: PlanModel, comparison: PlanComparison): string {
  const report: JsonReportWithComparison = { ...toJsonReport(model), comparison };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The change first, then the full text report. */
export function renderComparisonText(model: PlanModel, comparison: PlanComparison): string {
  const lines = [`Changes against the base plan of ${comparison.project}/${comparison.stack}:`];
  const { resources, policyResults } = comparison;
  if (!hasChanges(comparison)) lines.push("  none: same resources, inputs and policy results");
  for (const r of resources.added) lines.push(`  + ${r.type} ${r.name}`);
  for (const r of resources.removed) lines.push(`  - ${r.type} ${r.name}`);
  for (const r of resources.changed) {
    lines.push(`  ~ ${r.type} ${r.name}`);
    for (const change of r.changes) lines.push(`      ${change.path}: ${changeText(change)}`);
  }
  if (policyResults.new.length > 0) {
    lines.push(`  New policy results (${policyResults.new.length}):`);
    for (const v of policyResults.new) {
      lines.push(`    + [${v.enforcementLevel}] ${v.policy}${phaseText(v)}  (${urnSubject(v.urn)})`);
      for (const messageLine of v.message.split("\n")) lines.push(`        ${messageLine}`.trimEnd());
    }
  }
  if (policyResults.levelChanged.length > 0) {
    lines.push(`  Policy results at another level (${policyResults.levelChanged.length}):`);
    for (const v of policyResults.levelChanged) lines.push(`    ~ [${v.baseEnforcementLevel} -> ${v.enforcementLevel}] ${v.policy}${phaseText(v)}  (${urnSubject(v.urn)})`);
  }
  if (policyResults.resolved.length > 0) {
    lines.push(`  Policy results no longer reported (${policyResults.resolved.length}):`);
    for (const v of policyResults.resolved) lines.push(`    - [${v.enforcementLevel}] ${v.policy}${phaseText(v)}  (${urnSubject(v.urn)})`);
  }
  lines.push(`  ${countsText(comparison)}`, "");
  return `${lines.join("\n")}\n${renderText(model)}`;
}

/** The change leads; the full report follows, folded. */
export function renderComparisonMarkdown(model: PlanModel, comparison: PlanComparison): string {
  const out: string[] = [];
  const { resources, policyResults } = comparison;
  const blocked = model.summary.mandatory > 0;
  out.push(`### \`${code(comparison.project)}\` / \`${code(comparison.stack)}\`: what this pull request changes`);
  out.push("");
  out.push(
    blocked
      ? `**:x: ${model.summary.mandatory} mandatory policy violation${model.summary.mandatory === 1 ? "" : "s"}** (${policyResults.new.filter((v) => v.enforcementLevel === "mandatory").length} new in this pull request)`
      : "**:white_check_mark: No mandatory policy violations.**",
  );
  out.push("");
  out.push(`${countsText(comparison)}.`);
  out.push("");
  if (!hasChanges(comparison)) out.push("No change against the base branch: same resources, inputs and policy results.", "");
  if (policyResults.new.length > 0) {
    out.push("#### New policy results", "", ...violationTable(policyResults.new), "");
  }
  if (policyResults.levelChanged.length > 0) {
    out.push("#### Policy results at another enforcement level", "");
    out.push("| Policy | Resource | Base level | Level |", "| --- | --- | --- | --- |");
    for (const v of policyResults.levelChanged) {
      out.push(`| \`${code(v.policy)}\`${phaseText(v)} | ${inline(urnSubject(v.urn))} | ${v.baseEnforcementLevel} | **${v.enforcementLevel}** |`);
    }
    out.push("");
  }
  if (resources.added.length + resources.removed.length + resources.changed.length > 0) {
    out.push("#### Resources", "", "| | Type | Name | Changed inputs |", "| :---: | --- | --- | --- |");
    for (const r of resources.added) out.push(`| \`+\` | \`${code(r.type)}\` | ${inline(r.name)} | |`);
    for (const r of resources.removed) out.push(`| \`-\` | \`${code(r.type)}\` | ${inline(r.name)} | |`);
    for (const r of resources.changed) {
      const changes = r.changes.map((change) => `\`${code(change.path)}\`: ${inline(changeText(change, "→"))}`).join("<br>");
      out.push(`| \`~\` | \`${code(r.type)}\` | ${inline(r.name)} | ${changes} |`);
    }
    out.push("");
  }
  if (policyResults.resolved.length > 0) {
    out.push("<details>", `<summary>Policy results no longer reported (${policyResults.resolved.length})</summary>`, "");
    out.push(...violationTable(policyResults.resolved), "", "</details>", "");
  }
  out.push("<details>", "<summary>Full offline plan</summary>", "", renderMarkdown(model).trimEnd(), "", "</details>");
  return `${out.join("\n")}\n`;
}

function countsText(comparison: PlanComparison): string {
  const { resources, policyResults } = comparison;
  return (
    `${resources.added.length} to add, ${resources.changed.length} to change, ${resources.removed.length} to remove, ` +
    `${resources.unchanged} unchanged; ${policyResults.new.length} new policy result${policyResults.new.length === 1 ? "" : "s"}, ` +
    `${policyResults.resolved.length} no longer reported`
  );
}

function changeText(change: InputChange, arrow = "->"): string {
  const before = "before" in change ? valueText(change.before) : "(none)";
  const after = "after" in change ? valueText(change.after) : "(none)";
  return `${before} ${arrow} ${after}`;
}

function valueText(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

function phaseText(violation: ComparedViolation): string {
  const phases = violation.phases ?? [];
  return phases.length === 0 ? "" : phases.length > 1 ? ` (${phases.join(" and ")})` : ` (${phases[0]} only)`;
}

function violationTable(violations: ComparedViolation[]): string[] {
  return [
    "| Level | Policy | Resource | Message |",
    "| --- | --- | --- | --- |",
    ...violations.map((v) => `| ${v.enforcementLevel} | \`${code(v.policy)}\`${phaseText(v)} | ${inline(urnSubject(v.urn))} | ${inline(v.message)} |`),
  ];
}

/** `type name` from a URN (`urn:pulumi:<stack>::<project>::<parent types$>type::name`). */
export function urnSubject(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  const types = parts[2]!.split("$");
  return `${types[types.length - 1]} ${parts.slice(3).join("::")}`;
}
