import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  html_url: string;
}

/** GitHub refuses longer comment bodies: 422 "Body is too long (maximum is 65536 characters)". */
export const FAKE_COMMENT_LIMIT = 65_536;

/**
 * The issue-comment endpoints of GitHub's REST API on 127.0.0.1, with GitHub's semantics: token
 * required, 30 comments a page by default (100 at most) with a Link header, comments edited only
 * by their author, 422 for a body over the limit, and an error switch for any request.
 */
export class FakeGitHub {
  readonly comments = new Map<string, FakeComment[]>();
  readonly requests: Array<{ method: string; path: string }> = [];
  /** the login the token acts as */
  login = "github-actions[bot]";
  /** when set, every request fails with it */
  failure: { status: number; message: string } | undefined;
  private nextId = 1000;
  private server: Server | undefined;
  baseUrl = "";

  constructor(readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  seed(owner: string, repo: string, issue: number, body: string, login: string): FakeComment {
    const comment = this.newComment(owner, repo, issue, body, login);
    this.thread(owner, repo, issue).push(comment);
    return comment;
  }

  thread(owner: string, repo: string, issue: number): FakeComment[] {
    const key = `${owner}/${repo}#${issue}`;
    if (!this.comments.has(key)) this.comments.set(key, []);
    return this.comments.get(key)!;
  }

  private newComment(owner: string, repo: string, issue: number, body: string, login: string): FakeComment {
    const id = this.nextId++;
    return { id, body, user: { login, type: login.endsWith("[bot]") ? "Bot" : "User" }, html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    this.requests.push({ method: req.method ?? "", path: url.pathname });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(data));
    };
    const docs = "https://docs.github.com/rest/issues/comments";
    const auth = req.headers.authorization ?? "";
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    if (this.failure) return send(this.failure.status, { message: this.failure.message, documentation_url: docs, status: String(this.failure.status) });
    const body = await readJson(req);

    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list) {
      const [, owner, repo, issue] = list as unknown as [string, string, string, string];
      const thread = this.thread(owner, repo, Number(issue));
      if (req.method === "GET") {
        const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
        const page = Number(url.searchParams.get("page") ?? 1);
        const pages = Math.max(1, Math.ceil(thread.length / perPage));
        const link: Record<string, string> = page < pages ? { link: `<${this.baseUrl}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next", <${this.baseUrl}${url.pathname}?per_page=${perPage}&page=${pages}>; rel="last"` } : {};
        return send(200, thread.slice((page - 1) * perPage, page * perPage), link);
      }
      if (req.method === "POST") {
        const text = String(body.body ?? "");
        if (tooLong(text)) return send(422, bodyTooLong(docs));
        const comment = this.newComment(owner, repo, Number(issue), text, this.login);
        thread.push(comment);
        return send(201, comment);
      }
    }
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (one && req.method === "PATCH") {
      const comment = [...this.comments.values()].flat().find((c) => c.id === Number(one[3]));
      if (!comment) return send(404, { message: "Not Found", documentation_url: docs, status: "404" });
      if (comment.user.login !== this.login) return send(403, { message: "Resource not accessible by integration", documentation_url: docs, status: "403" });
      const text = String(body.body ?? "");
      if (tooLong(text)) return send(422, bodyTooLong(docs));
      comment.body = text;
      return send(200, comment);
    }
    return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
  }
}

function tooLong(text: string): boolean {
  return Array.from(text).length > FAKE_COMMENT_LIMIT;
}

function bodyTooLong(docs: string): unknown {
  return {
    message: "Validation Failed",
    errors: [{ resource: "IssueComment", code: "unprocessable", field: "data", message: "Body is too long (maximum is 65536 characters)" }],
    documentation_url: docs,
    status: "422",
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
