/**
 * A self-signed certificate for 127.0.0.1, made by the openssl CLI for one
 * test: PEM files in a temp dir (for configs that take paths) and their text
 * (for clients' `ca`). Disposing it removes the dir.
 */

export interface SelfSignedCert extends AsyncDisposable {
  /** Paths of the PEM files, for `[mqtt.tls]` / `[http.tls]`. */
  certFile: string;
  keyFile: string;
  /** The certificate in PEM; being self-signed it is also the CA a client trusts. */
  cert: string;
  key: string;
}

export async function selfSignedCert(): Promise<SelfSignedCert> {
  const dir = await Deno.makeTempDir({ prefix: "spoke-tls-" });
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const remove = () => Deno.remove(dir, { recursive: true });
  const { code, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      // Clients check the address against the SAN, not the CN.
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      // Not a CA: Deno's fetch (rustls) refuses a CA certificate as the server's own.
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-days",
      "1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    await remove();
    throw new Error(`openssl req failed: ${new TextDecoder().decode(stderr)}`);
  }
  return {
    certFile,
    keyFile,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    [Symbol.asyncDispose]: remove,
  };
}
