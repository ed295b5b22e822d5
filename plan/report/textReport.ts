import * as path from "node:path";
import {
  countByType,
  deferralReason,
  phaseLabel,
  phasedFindings,
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
  lines.push("  the program ran twice, as `pulumi preview` runs it and as `pulumi up` runs it, against fakes of Azure;");
  lines.push("  no cloud: it does not see what exists in Azure and does not replace `pulumi preview`");
  lines.push(
    `  policy pack ${model.policyPack.name}@${model.policyPack.version} (${display(model.policyPack.dir)})` +
      (model.policyPack.configFile ? `, config ${display(model.policyPack.configFile)}` : ", no config file"),
  );
  lines.push("");

  lines.push(`Resources (${model.resources.length}):`);
  const tree = resourceTree(model.resources);
  const walk = (node: ResourceTreeNode, prefix: string, childPrefix: string): void => {
    lines.push(`${prefix}${node.resource.type} ${node.resource.name}${node.resource.protect ? " (protected)" : ""}${node.resource.read ? " (read)" : ""}`);
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

  lines.push(`Policy results (${model.policyPack.name}@${model.policyPack.version}), preview phase and deploy phase:`);
  if (model.violations.length === 0) lines.push("  none");
  const findings = phasedFindings(model.violations);
  for (const group of GROUPS) {
    const inGroup = findings.filter((f) => f.violation.enforcementLevel === group.level);
    if (inGroup.length === 0) continue;
    lines.push(`  ${group.title} (${inGroup.length}):`);
    for (const { violation, phases } of inGroup) {
      lines.push(`    - [${violation.enforcementLevel}] ${violation.policy}  (${violationSubject(violation)})  [${phaseLabel(phases)}]`);
      for (const messageLine of violation.message.split("\n")) lines.push(`        ${messageLine}`.trimEnd());
    }
  }

  const deferred = model.violations.filter((v) => v.deferredToUpdate);
  if (deferred.length > 0) {
    lines.push(
      `  Deferred in preview (${deferred.length}): \`pulumi preview\` cannot run these checks; the deploy phase above decides them as \`pulumi up\` will`,
    );
    for (const violation of deferred) lines.push(`    - ${violation.policy}  (${violationSubject(violation)}): ${deferralReason(violation)}`);
  }
  const undecided = model.violations.filter((v) => v.undecided);
  if (undecided.length > 0) {
    lines.push(`  Undecided (${undecided.length}): these checks need values from outside the program, known only to \`pulumi up\``);
    for (const violation of undecided) lines.push(`    - ${violation.policy}  (${violationSubject(violation)}): ${deferralReason(violation)}`);
  }
  if (model.phaseDifferences.deployOnly.length > 0 || model.phaseDifferences.previewOnly.length > 0) {
    lines.push("");
    lines.push("The program registers different resources when it deploys than in preview:");
    for (const urn of model.phaseDifferences.deployOnly) lines.push(`  + only when deploying: ${urn}`);
    for (const urn of model.phaseDifferences.previewOnly) lines.push(`  - only in preview: ${urn}`);
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
