import * as path from "node:path";
import {
  countByType,
  deferralReason,
  resourceTree,
  summaryLine,
  violationSubject,
  type PlanModel,
  type PlannedViolation,
  type ResourceTreeNode,
} from "./planModel";

const GROUPS: Array<{ level: PlannedViolation["enforcementLevel"]; title: string }> = [
  { level: "mandatory", title: "Mandatory" },
  { level: "advisory", title: "Advisory" },
  { level: "remediate", title: "Remediated (applied to the plan)" },
];

/** The terminal report: resource tree, counts by type, policy results (mandatory first, deferred checks last), summary. */
export function renderText(model: PlanModel): string {
  const lines: string[] = [];
  lines.push(`Offline plan of project ${model.project}, stack ${model.stack}`);
  lines.push("  preview semantics, no cloud: computed values are unknown; this does not replace `pulumi preview`");
  lines.push(
    `  policy pack ${model.policyPack.name}@${model.policyPack.version} (${display(model.policyPack.dir)})` +
      (model.policyPack.configFile ? `, config ${display(model.policyPack.configFile)}` : ", no config file"),
  );
  lines.push("");

  lines.push(`Resources (${model.resources.length}):`);
  const tree = resourceTree(model.resources);
  const walk = (node: ResourceTreeNode, prefix: string, childPrefix: string): void => {
    lines.push(`${prefix}${node.resource.type} ${node.resource.name}${node.resource.protect ? " (protected)" : ""}`);
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      walk(child, `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`);
    });
  };
  for (const root of tree) walk(root, "  ", "  ");
  lines.push("");

  lines.push("Resources by type:");
  const counts = countByType(model.resources);
  const width = Math.max(...counts.map(([, count]) => String(count).length), 1);
  for (const [type, count] of counts) lines.push(`  ${String(count).padStart(width)}  ${type}`);
  lines.push("");

  lines.push(`Policy results (${model.policyPack.name}@${model.policyPack.version}):`);
  if (model.violations.length === 0) lines.push("  none");
  for (const group of GROUPS) {
    const violations = model.violations.filter((v) => v.enforcementLevel === group.level && !v.deferredToUpdate);
    if (violations.length === 0) continue;
    lines.push(`  ${group.title} (${violations.length}):`);
    for (const violation of violations) {
      lines.push(`    - [${violation.enforcementLevel}] ${violation.policy}  (${violationSubject(violation)})`);
      for (const messageLine of violation.message.split("\n")) lines.push(`        ${messageLine}`.trimEnd());
    }
  }

  const deferred = model.violations.filter((v) => v.deferredToUpdate);
  if (deferred.length > 0) {
    lines.push(`  Deferred to update (${deferred.length}): these checks need values unknown during preview`);
    for (const violation of deferred) lines.push(`    - ${violation.policy}  (${violationSubject(violation)}): ${deferralReason(violation)}`);
  }

  const messages = model.programMessages.filter((m) => m.message.trim() !== "");
  if (messages.length > 0) {
    lines.push("");
    lines.push("Program messages:");
    for (const message of messages) lines.push(`  ${message.severity}: ${message.message}`);
  }
  if (model.warnings.length > 0) {
    lines.push("");
    lines.push("Limits of this plan:");
    for (const warning of model.warnings) lines.push(`  - ${warning}`);
  }

  lines.push("");
  lines.push(`Summary: ${summaryLine(model)}`);
  return `${lines.join("\n")}\n`;
}

/** A path relative to the working directory when it is inside it. */
export function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
