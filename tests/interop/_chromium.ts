/**
 * Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on
 * its own WebSocket: no npm driver needed. One page, emulating a phone.
 */

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});

export interface Browser extends AsyncDisposable {
  /** Evaluates an expression in the page and returns its value. */
  evaluate(expression: string): Promise<unknown>;
  /** Polls `expression` until it is truthy; returns that value. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<unknown>;
  /** A PNG of the viewport. */
  screenshot(): Promise<Uint8Array>;
}

export async function openPage(url: string): Promise<Browser> {
  if (!CHROMIUM) throw new Error("chromium is not installed (apt-get install chromium)");
  const profile = await Deno.makeTempDir({ prefix: "spoke-chromium-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let endpoint: string | undefined;
  while (!endpoint) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`chromium exited without a DevTools endpoint:\n${seen}`);
    seen += value;
    endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1];
  }
  // Keep draining so chromium never blocks on a full pipe.
  const draining = (async () => {
    while (!(await stderr.read()).done) { /* discard */ }
  })();

  const socket = new WebSocket(endpoint);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`cannot connect to ${endpoint}`));
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const waiter = waiting.get(message.id);
    if (!waiter) return;
    waiting.delete(message.id);
    if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
    else waiter.resolve(message.result);
  };
  const send = (method: string, params: unknown = {}, sessionId?: string) => {
    const id = ++nextId;
    socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise<Record<string, unknown>>((resolve, reject) =>
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
    );
  };

  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }) as {
    sessionId: string;
  };
  // A phone: 390 CSS px wide, touch, 2x pixels.
  await send("Emulation.setDeviceMetricsOverride", {
    width: 390,
    height: 844,
    deviceScaleFactor: 2,
    mobile: true,
  }, sessionId);
  await send("Page.navigate", { url }, sessionId);

  const evaluate = async (expression: string) => {
    const result = await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
    return (result.result as { value?: unknown }).value;
  };
  return {
    evaluate,
    async waitFor(expression, what, timeoutMs = 20_000) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        const value = await evaluate(expression);
        if (value) return value;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async screenshot() {
      const { data } = await send("Page.captureScreenshot", { format: "png" }, sessionId);
      return Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0));
    },
    async [Symbol.asyncDispose]() {
      try {
        await Promise.race([
          send("Browser.close"),
          new Promise((resolve) => setTimeout(resolve, 2000)),
        ]);
      } catch {
        // the browser went away first
      }
      const closed = new Promise((resolve) => socket.onclose = resolve);
      socket.close();
      await closed;
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await draining;
      await Deno.remove(profile, { recursive: true });
    },
  };
}
