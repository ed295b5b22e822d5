import { display } from "./textReport";
import {
  countByType,
  phaseLabel,
  phasedFindings,
  resourceTree,
  summaryLine,
  violationSubject,
  type PlanModel,
  type PhasedFinding,
  type PlannedViolation,
  type ResourceTreeNode,
} from "./planModel";

/** Sections longer than this many rows or nodes are collapsed. */
export const COLLAPSE_AFTER = 15;

/**
 * The report as a pull-request comment (GitHub-flavoured Markdown): verdict, counts, mandatory
 * results open, advisory results, checks deferred to update, remediations and the resource tree
 * collapsed, a Mermaid graph of dependencies and parents.
 */
export function renderMarkdown(model: PlanModel): string {
  const out: string[] = [];
  const blocked = model.summary.mandatory > 0;
  out.push(`### Offline plan: \`${code(model.project)}\` / \`${code(model.stack)}\``);
  out.push("");
  out.push(
    blocked
      ? `**:x: ${model.summary.mandatory} mandatory policy violation${model.summary.mandatory === 1 ? "" : "s"}:** \`pulumi preview\` with this policy pack would fail.`
      : "**:white_check_mark: No mandatory policy violations.**",
  );
  out.push("");
  out.push(
    `> Evaluated offline with the policy pack \`${code(model.policyPack.name)}@${code(model.policyPack.version)}\`, no cloud access: ` +
      "the program ran as `pulumi preview` runs it (**preview** phase) and as `pulumi up` runs it (**deploy** phase), against fakes of Azure. " +
      "Existing Azure resources are not seen, so this does not replace `pulumi preview`.",
  );
  out.push("");
  out.push("| Resources | Mandatory | Advisory | Deferred in preview | Undecided |");
  out.push("| ---: | ---: | ---: | ---: | ---: |");
  out.push(
    `| ${model.summary.resources} | ${model.summary.mandatory} | ${model.summary.advisory} | ${model.summary.deferred} | ${model.summary.undecided} |`,
  );
  out.push("");

  const findings = phasedFindings(model.violations);
  const mandatory = findings.filter((f) => f.violation.enforcementLevel === "mandatory");
  const advisory = findings.filter((f) => f.violation.enforcementLevel === "advisory");
  const remediated = findings.filter((f) => f.violation.enforcementLevel === "remediate");
  const deferred = model.violations.filter((v) => v.deferredToUpdate);
  const undecided = model.violations.filter((v) => v.undecided);
  if (mandatory.length > 0) {
    out.push("#### Mandatory policy violations");
    out.push("");
    out.push(...findingTable(mandatory));
    out.push("");
  }
  if (advisory.length > 0) {
    out.push(...details(`Advisory policy results (${advisory.length})`, findingTable(advisory)));
    out.push("");
  }
  if (deferred.length > 0) {
    out.push(
      ...details(`Deferred in preview, decided by the deploy phase (${deferred.length})`, violationTable(deferred)),
    );
    out.push("");
  }
  if (undecided.length > 0) {
    out.push(...details(`Undecided: values from outside the program (${undecided.length})`, violationTable(undecided)));
    out.push("");
  }
  const { deployOnly, previewOnly } = model.phaseDifferences;
  if (deployOnly.length > 0 || previewOnly.length > 0) {
    out.push("#### The program registers different resources when it deploys");
    out.push("");
    out.push(...deployOnly.map((urn) => `- only when deploying: \`${code(urn)}\``), ...previewOnly.map((urn) => `- only in preview: \`${code(urn)}\``));
    out.push("");
  }
  if (remediated.length > 0) {
    out.push(...details(`Remediations applied to the plan (${remediated.length})`, findingTable(remediated)));
    out.push("");
  }

  const counts = countByType(model.resources);
  const countTable = ["| Type | Count |", "| --- | ---: |", ...counts.map(([type, count]) => `| \`${code(type)}\` | ${count} |`)];
  if (counts.length > COLLAPSE_AFTER) out.push(...details(`Resources by type (${counts.length} types)`, countTable));
  else out.push("#### Resources by type", "", ...countTable);
  out.push("");

  const treeLines: string[] = [];
  const walk = (node: ResourceTreeNode, prefix: string, childPrefix: string): void => {
    treeLines.push(`${prefix}${node.resource.type} ${node.resource.name}${node.resource.protect ? " (protected)" : ""}${node.resource.read ? " (read)" : ""}`);
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      walk(child, `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`);
    });
  };
  for (const root of resourceTree(model.resources)) walk(root, "", "");
  out.push(...details(`Resource tree (${model.resources.length})`, fence("text", treeLines)));
  out.push("");

  const graph = mermaidGraph(model);
  const graphSection = fence("mermaid", graph);
  if (model.resources.length > COLLAPSE_AFTER) out.push(...details("Dependency graph", graphSection));
  else out.push("#### Dependency graph", "", ...graphSection);
  out.push("");

  const notes = [
    ...model.programMessages.filter((m) => m.message.trim() !== "").map((m) => `${m.severity}: ${m.message}`),
    ...model.warnings,
  ];
  if (notes.length > 0) {
    out.push(...details(`Program messages and limits (${notes.length})`, notes.map((n) => `- ${inline(n)}`)));
    out.push("");
  }

  out.push(
    `<sub>${escapeHtml(summaryLine(model))} · policy pack config: ${model.policyPack.configFile ? `\`${code(display(model.policyPack.configFile))}\`` : "none"}</sub>`,
  );
  return `${out.join("\n")}\n`;
}

/**
 * `flowchart LR`: solid arrows from a resource to what it depends on, dotted arrows from a
 * parent to its children (the stack's own children are left out to keep the graph readable).
 */
export function mermaidGraph(model: PlanModel): string[] {
  const ids = new Map(model.resources.map((r, index) => [r.urn, `r${index}`]));
  const lines = ["flowchart LR"];
  for (const r of model.resources) {
    lines.push(`  ${ids.get(r.urn)}["${mermaidText(r.type)}<br/>${mermaidText(r.name)}"]`);
  }
  for (const r of model.resources) {
    const parent = r.parent ? model.resources.find((p) => p.urn === r.parent) : undefined;
    if (parent && parent.type !== "pulumi:pulumi:Stack") lines.push(`  ${ids.get(parent.urn)} -.-> ${ids.get(r.urn)}`);
    for (const dependency of r.dependencies) {
      const target = ids.get(dependency);
      if (target) lines.push(`  ${ids.get(r.urn)} --> ${target}`);
    }
  }
  return lines;
}

function findingTable(findings: PhasedFinding[]): string[] {
  return [
    "| Policy | Resource | Phase | Message |",
    "| --- | --- | --- | --- |",
    ...findings.map(
      ({ violation: v, phases }) => `| \`${code(v.policy)}\` | ${inline(violationSubject(v))} | ${phaseLabel(phases)} | ${inline(v.message)} |`,
    ),
  ];
}

function violationTable(violations: PlannedViolation[]): string[] {
  return [
    "| Policy | Resource | Message |",
    "| --- | --- | --- |",
    ...violations.map((v) => `| \`${code(v.policy)}\` | ${inline(violationSubject(v))} | ${inline(v.message)} |`),
  ];
}

function details(summary: string, body: string[]): string[] {
  return ["<details>", `<summary>${escapeHtml(summary)}</summary>`, "", ...body, "", "</details>"];
}

function fence(language: string, body: string[]): string[] {
  const longestRun = Math.max(2, ...body.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const ticks = "`".repeat(longestRun + 1);
  return [`${ticks}${language}`, ...body, ticks];
}

/** Text safe in a table cell: no pipes breaking columns, no raw HTML, newlines as <br>. */
export function inline(text: string): string {
  return escapeHtml(text).replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Text safe inside inline code. */
export function code(text: string): string {
  return text.replace(/`/g, "'");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Mermaid label text inside double quotes: entity codes for characters that end or break it. */
function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/`/g, "#96;");
}
