import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TlsCertificate } from "./tlsCertificate";

export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  readonly body?: unknown;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

/** An HTTPS server on 127.0.0.1 only, on a free port, answering with `handle`. */
export async function startHttpsServer(tls: TlsCertificate, handle: (request: FakeRequest, base: string) => FakeResponse | Promise<FakeResponse>): Promise<RunningServer> {
  let base = "";
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const request = { method: req.method ?? "GET", url: new URL(req.url ?? "/", base), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      Promise.resolve()
        .then(() => handle(request, base))
        .then(
          (response) => send(res, response),
          (error: unknown) => send(res, { status: 500, body: { error: { code: "FakeServerError", message: String(error) } } }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, response: FakeResponse): void {
  const isText = typeof response.body === "string";
  const payload = response.body === undefined ? "" : isText ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...(response.body !== undefined ? { "content-type": isText ? "text/plain" : "application/json; charset=utf-8" } : {}),
    ...response.headers,
  });
  res.end(payload);
}

export function jsonBody(request: FakeRequest): unknown {
  try {
    return JSON.parse(request.body);
  } catch {
    return undefined;
  }
}
