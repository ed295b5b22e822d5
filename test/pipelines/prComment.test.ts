// The pull-request comment program against a fake GitHub API on the loopback address.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CUT_NOTE, GITHUB_COMMENT_LIMIT, STICKY_MARKER, main, stickyBody } from "../../pipelines/prComment";
import { makeTempDir, removedAfterAll } from "../plan/helpers";
import { FAKE_COMMENT_LIMIT, FakeGitHub } from "./fakeGitHub";

const temp = removedAfterAll();
const TOKEN = "ghs_fake_token_for_tests";
const github = new FakeGitHub(TOKEN);
let dir: string;
let env: NodeJS.ProcessEnv;
let issue = 1;

beforeAll(async () => {
  await github.start();
  dir = temp(makeTempDir({}, "aml-pr-comment-"));
});
afterAll(() => github.stop());
beforeEach(() => {
  github.failure = undefined;
  issue += 1;
  const event = path.join(dir, `event-${issue}.json`);
  writeFileSync(event, JSON.stringify({ pull_request: { number: issue } }));
  env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: "contoso/ml-services", GITHUB_EVENT_PATH: event, GITHUB_API_URL: github.baseUrl };
});

function report(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function run(args: string[], environment = env): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, environment, { out: (line: string) => out.push(line), err: (line: string) => err.push(line) });
  return { code, out, err };
}

describe("the sticky pull-request comment", () => {
  it("creates the comment on the first run and updates the same one on the next", async () => {
    const first = await run(["--body-file", report("first.md", "## Offline plan of 3 stacks\nfirst push\n")]);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(new RegExp(`^created comment \\d+ on contoso/ml-services#${issue}: https://github\\.com/`));
    const thread = github.thread("contoso", "ml-services", issue);
    expect(thread).toHaveLength(1);
    expect(thread[0]!.body).toBe(`${STICKY_MARKER}\n## Offline plan of 3 stacks\nfirst push\n`);

    const second = await run(["--body-file", report("second.md", "## Offline plan of 3 stacks\nsecond push\n")]);
    expect(second.code).toBe(0);
    expect(second.out[0]).toMatch(new RegExp(`^updated comment ${thread[0]!.id} on`));
    expect(thread).toHaveLength(1);
    expect(thread[0]!.body).toBe(`${STICKY_MARKER}\n## Offline plan of 3 stacks\nsecond push\n`);
  });

  it("finds its comment past the first page, and leaves a comment by someone else that quotes the marker alone", async () => {
    for (let i = 0; i < 130; i += 1) github.seed("contoso", "ml-services", issue, `comment ${i}`, "reviewer");
    github.seed("contoso", "ml-services", issue, `${STICKY_MARKER}\nquoted by a reviewer`, "reviewer");
    const ours = github.seed("contoso", "ml-services", issue, `${STICKY_MARKER}\nold plan`, "github-actions[bot]");
    const result = await run(["--body-file", report("paged.md", "new plan\n"), "--author", "github-actions[bot]"]);
    expect(result.err).toEqual([]);
    expect(result.out[0]).toMatch(new RegExp(`^updated comment ${ours.id} `));
    expect(ours.body).toBe(`${STICKY_MARKER}\nnew plan\n`);
    const thread = github.thread("contoso", "ml-services", issue);
    expect(thread.find((c) => c.user.login === "reviewer" && c.body.includes("quoted"))!.body).toBe(`${STICKY_MARKER}\nquoted by a reviewer`);
    expect(thread).toHaveLength(132);
  });

  it("cuts a report over GitHub's limit at a line, closes open folds and fences, and says so", async () => {
    const line = "| `azure-native:machinelearningservices:OnlineEndpoint` | a row of a long plan |";
    const long = ["## Offline plan", "<details>", "<summary>Resource tree</summary>", "", "```text", ...Array.from({ length: 2000 }, (_, i) => `${line} ${i}`)].join("\n");
    expect(long.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const result = await run(["--body-file", report("long.md", long)]);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out[1]).toBe("the report was cut at GitHub's limit of 65536 characters; the comment says so");
    const body = github.thread("contoso", "ml-services", issue)[0]!.body;
    expect(Array.from(body).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.endsWith(`\n\`\`\`\n</details>${CUT_NOTE}`)).toBe(true);
    // cut after a whole row
    const lastRow = body.slice(0, body.indexOf("\n```\n</details>")).split("\n").pop()!;
    expect(lastRow).toMatch(/^\| `azure-native:machinelearningservices:OnlineEndpoint` \| a row of a long plan \| \d+$/);
  });

  it("the fake refuses a body one character over the limit, as GitHub does", async () => {
    github.failure = undefined;
    const response = await fetch(`${github.baseUrl}/repos/contoso/ml-services/issues/${issue}/comments`, {
      method: "POST",
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ body: "x".repeat(FAKE_COMMENT_LIMIT + 1) }),
    });
    expect(response.status).toBe(422);
    expect(stickyBody("x".repeat(FAKE_COMMENT_LIMIT)).body.length).toBeLessThanOrEqual(FAKE_COMMENT_LIMIT);
    expect(stickyBody("short").truncated).toBe(false);
  });

  it("fails with a clear message and exit 1 when GitHub refuses (read-only token)", async () => {
    github.failure = { status: 403, message: "Resource not accessible by integration" };
    const result = await run(["--body-file", report("refused.md", "plan\n")]);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      `error: GitHub API GET ${github.baseUrl}/repos/contoso/ml-services/issues/${issue}/comments failed with 403: Resource not accessible by integration - https://docs.github.com/rest/issues/comments (the token cannot write this pull request's comments: give the job \`permissions: pull-requests: write\`; pull requests from forks get a read-only token)`,
    ]);
  });

  it("fails with exit 1 on a bad token, a missing token, or no pull request", async () => {
    const badToken = await run(["--body-file", report("t.md", "plan\n")], { ...env, GITHUB_TOKEN: "wrong" });
    expect(badToken.code).toBe(1);
    expect(badToken.err[0]).toMatch(/failed with 401: Bad credentials.*\(the token is missing or invalid: set GITHUB_TOKEN\)$/);
    const noToken = await run(["--body-file", report("t.md", "plan\n")], { ...env, GITHUB_TOKEN: undefined });
    expect(noToken.err).toEqual(["error: GITHUB_TOKEN is not set: pass the workflow's token (env: GITHUB_TOKEN: ${{ github.token }})"]);
    const push = path.join(dir, "push-event.json");
    writeFileSync(push, JSON.stringify({ ref: "refs/heads/main" }));
    const noPr = await run(["--body-file", report("t.md", "plan\n")], { ...env, GITHUB_EVENT_PATH: push });
    expect(noPr.code).toBe(1);
    expect(noPr.err).toEqual([`error: ${push} is not a pull_request event: pass --pr <number>`]);
    expect(readFileSync(push, "utf8")).toContain("refs/heads/main");
  });
});
