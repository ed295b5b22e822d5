import { startHttpsServer, type FakeRequest, type FakeResponse, type RunningServer } from "./httpsServer";
import type { TlsCertificate } from "./tlsCertificate";

/** One fake Azure service on its own HTTPS port of 127.0.0.1. */
export abstract class FakeService {
  private server?: RunningServer;

  get url(): string {
    if (!this.server) throw new Error(`${this.constructor.name} is not started`);
    return this.server.url;
  }

  async start(tls: TlsCertificate): Promise<void> {
    this.server = await startHttpsServer(tls, (request, base) => this.handle(request, base));
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  protected abstract handle(request: FakeRequest, base: string): FakeResponse;
}
