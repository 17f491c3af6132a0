/**
 * A real mosquitto for tests, on a free port of 127.0.0.1, anonymous, no
 * persistence (so a restart forgets every retained message: what is retained
 * after one was sent again by Spoke). It can be stopped and started again on
 * the same port.
 */

export interface Mosquitto extends AsyncDisposable {
  port: number;
  url: string;
  /** Starts it (again) on the same port; resolves once it takes connections. */
  start(): Promise<void>;
  /** Stops it (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitUntilListening(port: number, child: Deno.ChildProcess): Promise<void> {
  const exited = child.status.then((status) => {
    throw new Error(`mosquitto exited with ${status.code} before listening on ${port}`);
  });
  exited.catch(() => {});
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const connection = await Promise.race([
        Deno.connect({ hostname: "127.0.0.1", port }),
        exited,
      ]);
      connection.close();
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

/** With `tls`, the listener speaks only MQTT over TLS with that certificate (`url` is mqtts://). */
export async function startMosquitto(
  options: { tls?: { certFile: string; keyFile: string } } = {},
): Promise<Mosquitto> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "spoke-mosquitto-" });
  const conf = `${dir}/mosquitto.conf`;
  let tls = "";
  if (options.tls) {
    // Started as root, mosquitto drops to its own user: give it copies it may read (a test key).
    await Deno.chmod(dir, 0o755);
    for (const [name, from] of [["cert", options.tls.certFile], ["key", options.tls.keyFile]]) {
      await Deno.copyFile(from!, `${dir}/${name}.pem`);
      await Deno.chmod(`${dir}/${name}.pem`, 0o644);
    }
    tls = `certfile ${dir}/cert.pem\nkeyfile ${dir}/key.pem\n`;
  }
  await Deno.writeTextFile(
    conf,
    `listener ${port} 127.0.0.1\n${tls}allow_anonymous true\npersistence false\n`,
  );
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    child = new Deno.Command("mosquitto", { args: ["-c", conf], stdout: "null", stderr: "null" })
      .spawn();
    await waitUntilListening(port, child);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running) return;
    running.kill("SIGTERM");
    await running.status;
  };
  await start();
  return {
    port,
    url: `${options.tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    start,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
