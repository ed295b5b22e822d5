// `npm run pr:comment -- --body-file <report.md> [--pr <number>] [--repo <owner/name>] [--author <login>]`
//
// Puts the report in ONE comment on the pull request: the first run creates it, later runs update
// it (found by a hidden marker), so every push shows the latest plan without piling up comments.
// Environment: GITHUB_TOKEN; GITHUB_REPOSITORY and GITHUB_EVENT_PATH (set by GitHub Actions) unless
// --repo and --pr are given; GITHUB_API_URL for GitHub Enterprise Server.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";

/** Marks the comment this program owns; invisible when rendered. */
export const STICKY_MARKER = "<!-- aml-webservices:offline-plan -->";

/**
 * GitHub refuses a longer comment body with 422 "Body is too long (maximum is 65536 characters)"
 * (REST API, "Create an issue comment"). Measured here in UTF-16 code units, which is never fewer
 * than characters, so a cut body always fits.
 */
export const GITHUB_COMMENT_LIMIT = 65_536;

export const CUT_NOTE =
  "\n\n---\n:warning: **This report was cut at GitHub's comment limit (65,536 characters).** The full report is in the job summary and the workflow's `offline-plan` artifact.\n";

/** The comment body: marker, report, and when too long, the report cut at a line with a note. */
export function stickyBody(report: string, limit = GITHUB_COMMENT_LIMIT): { body: string; truncated: boolean } {
  const whole = `${STICKY_MARKER}\n${report}`;
  if (whole.length <= limit) return { body: whole, truncated: false };
  let kept = whole.slice(0, limit - CUT_NOTE.length - CLOSERS_ROOM);
  const lastNewline = kept.lastIndexOf("\n");
  if (lastNewline > STICKY_MARKER.length) kept = kept.slice(0, lastNewline);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return { body: `${kept}${closers(kept)}${CUT_NOTE}`, truncated: true };
}

/** Room kept for the fences and folds a cut leaves open. */
const CLOSERS_ROOM = 400;

/** Closes a code fence and `<details>` folds left open by the cut, so the note renders. */
function closers(text: string): string {
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const ticks = /^(`{3,})/.exec(line)?.[1];
    if (!ticks) continue;
    if (fence === undefined) fence = ticks;
    else if (ticks.length >= fence.length && line.trim() === ticks) fence = undefined;
  }
  const openDetails = (text.match(/<details>/g) ?? []).length - (text.match(/<\/details>/g) ?? []).length;
  return `${fence ? `\n${fence}` : ""}${"\n</details>".repeat(Math.max(0, Math.min(openDetails, 20)))}`;
}

export interface StickyCommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /** only a comment by this login is updated (others may quote the marker) */
  author?: string;
}

export interface StickyCommentResult {
  action: "created" | "updated";
  id: number;
  url: string;
  truncated: boolean;
}

/** Creates the sticky comment, or updates the one already there. */
export async function upsertStickyComment(octokit: Octokit, target: StickyCommentTarget, report: string): Promise<StickyCommentResult> {
  const { body, truncated } = stickyBody(report);
  const { owner, repo, issueNumber } = target;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  const mine = comments.find((c) => (c.body ?? "").startsWith(STICKY_MARKER) && (target.author === undefined || c.user?.login === target.author));
  if (mine) {
    const updated = await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { action: "updated", id: updated.data.id, url: updated.data.html_url, truncated };
  }
  const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: "created", id: created.data.id, url: created.data.html_url, truncated };
}

/** A GitHub API failure as one line that says what to fix. */
export function describeGitHubError(error: unknown): string {
  if (isRequestError(error)) {
    const method = error.request.method;
    const url = error.request.url.replace(/[?#].*$/, "");
    const hint =
      error.status === 401
        ? " (the token is missing or invalid: set GITHUB_TOKEN)"
        : error.status === 403 || error.status === 404
          ? " (the token cannot write this pull request's comments: give the job `permissions: pull-requests: write`; pull requests from forks get a read-only token)"
          : "";
    return `GitHub API ${method} ${url} failed with ${error.status}: ${error.message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function isRequestError(error: unknown): error is Error & { status: number; request: { method: string; url: string } } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === "number" && typeof (error as { request?: unknown }).request === "object";
}

export interface CommentCommand {
  bodyFile: string;
  owner: string;
  repo: string;
  issueNumber: number;
  author?: string;
  token: string;
  baseUrl: string;
}

export function parseCommentCommand(argv: string[], env: NodeJS.ProcessEnv): CommentCommand {
  const { values } = parseArgs({
    args: argv,
    options: { "body-file": { type: "string" }, pr: { type: "string" }, repo: { type: "string" }, author: { type: "string" } },
    strict: true,
  });
  if (!values["body-file"]) throw new Error("--body-file is required: the markdown report to post");
  const token = env.GITHUB_TOKEN;
  if (!token) throw new Error("GITHUB_TOKEN is not set: pass the workflow's token (env: GITHUB_TOKEN: ${{ github.token }})");
  const repository = values.repo ?? env.GITHUB_REPOSITORY;
  const [owner, repo, extra] = (repository ?? "").split("/");
  if (!owner || !repo || extra !== undefined) throw new Error(`the repository must be <owner>/<name> (--repo or GITHUB_REPOSITORY), got '${repository ?? ""}'`);
  const issueNumber = values.pr !== undefined ? Number(values.pr) : pullRequestNumber(env.GITHUB_EVENT_PATH);
  if (!Number.isInteger(issueNumber) || issueNumber <= 0) throw new Error(`the pull request number must be a positive whole number, got '${values.pr}'`);
  return {
    bodyFile: values["body-file"],
    owner,
    repo,
    issueNumber,
    ...(values.author ? { author: values.author } : {}),
    token,
    baseUrl: env.GITHUB_API_URL ?? "https://api.github.com",
  };
}

function pullRequestNumber(eventPath: string | undefined): number {
  if (!eventPath) throw new Error("no pull request: pass --pr <number>, or run on a pull_request event (GITHUB_EVENT_PATH)");
  const event = JSON.parse(readFileSync(eventPath, "utf8")) as { pull_request?: { number?: unknown } };
  if (typeof event.pull_request?.number !== "number") throw new Error(`${eventPath} is not a pull_request event: pass --pr <number>`);
  return event.pull_request.number;
}

/** Returns the exit code: 0 when the comment is in place, 1 otherwise, with the reason on stderr. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io = { out: console.log, err: console.error }): Promise<number> {
  try {
    const command = parseCommentCommand(argv, env);
    const report = readFileSync(command.bodyFile, "utf8");
    const octokit = new Octokit({ auth: command.token, baseUrl: command.baseUrl, userAgent: "aml-webservices-pr-comment", request: { retries: 0 } });
    const result = await upsertStickyComment(octokit, command, report);
    io.out(`${result.action} comment ${result.id} on ${command.owner}/${command.repo}#${command.issueNumber}: ${result.url}`);
    if (result.truncated) io.out(`the report was cut at GitHub's limit of ${GITHUB_COMMENT_LIMIT} characters; the comment says so`);
    return 0;
  } catch (error) {
    io.err(`error: ${describeGitHubError(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
