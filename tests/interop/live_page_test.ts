/**
 * The live page in a real headless Chromium, sized as a phone, against a real
 * HTTP server: a network appears, then updates live; a screenshot is kept.
 */
import assert from "node:assert/strict";
import { createApi } from "../../src/api/mod.ts";
import { LatestStore } from "../../src/store/mod.ts";
import { openPage } from "./_chromium.ts";
import { network, station, zeroStats } from "../api/_sources.ts";

Deno.test({
  name: "the live page shows a network and its live update in headless Chromium",
  async fn() {
    const store = new LatestStore();
    const before = [station("s1", 3, 4), station("s2", 5, 1)];
    store.put("gbfs", "live-city", network("live-city", before));
    const closing = new AbortController();
    const app = createApi({
      networks: () => store.all(),
      byTag: (tag) => store.byTag(tag),
      problems: () => [],
      stats: zeroStats,
      watch: (listener) => store.watch(listener),
      closing: closing.signal,
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    try {
      await using page = await openPage(`http://127.0.0.1:${server.addr.port}/`);
      const bikes = (list: typeof before) => list.reduce((sum, s) => sum + s.free_bikes, 0);
      const shown = `document.querySelector('[data-tag="live-city"] .bikes')?.textContent`;

      assert.equal(await page.waitFor(shown, "the network to appear"), String(bikes(before)));
      const after = [station("s1", 9, 0), station("s2", 8, 0), station("s3", 1, 2)];
      store.put("gbfs", "live-city", network("live-city", after));
      await page.waitFor(`${shown} === "${bikes(after)}"`, "the live update");
      assert.equal(
        await page.evaluate(
          `document.querySelector('[data-tag="live-city"] .stations').textContent`,
        ),
        String(after.length),
      );
      assert.match(
        String(await page.evaluate(`document.getElementById("status").textContent`)),
        new RegExp(`^1 networks · ${bikes(after)} bikes`),
      );
      // Usable on a phone: nothing wider than the screen.
      assert.equal(
        await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"),
        true,
      );

      const dir = Deno.env.get("SPOKE_TEST_OUTPUT") ??
        `${Deno.env.get("TMPDIR") ?? "/tmp"}/spoke-test-output`;
      await Deno.mkdir(dir, { recursive: true });
      const png = await page.screenshot();
      assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      await Deno.writeFile(`${dir}/live_page.png`, png);
      console.log(`screenshot: ${dir}/live_page.png`);
    } finally {
      closing.abort();
      await server.shutdown();
    }
  },
});
