import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface TlsCertificate {
  readonly dir: string;
  /** PEM file of the self-signed certificate: what NODE_EXTRA_CA_CERTS or an https.Agent's `ca` trusts. */
  readonly certFile: string;
  readonly cert: string;
  readonly key: string;
  remove(): void;
}

/** A fresh self-signed certificate for 127.0.0.1, generated with openssl for this test run only. */
export function generateLoopbackCertificate(): TlsCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-client-tls-"));
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore", timeout: 20_000 },
  );
  return {
    dir,
    certFile,
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
