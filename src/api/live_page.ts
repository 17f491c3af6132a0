/**
 * The live page at `/`: one card per network (stations, bikes, free docks,
 * last update, error state) kept current by the `/events` stream. Plain HTML,
 * CSS and a few lines of script, embedded here so the binary carries it.
 */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spoke — live</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 0.75rem; max-width: 60rem; margin-inline: auto; }
  header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; }
  h1 { font-size: 1.25rem; margin: 0; }
  #status { font-size: 0.85rem; opacity: 0.75; }
  #filter { width: 100%; font-size: 1rem; padding: 0.5rem; margin: 0.75rem 0; box-sizing: border-box; }
  #networks { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.5rem;
    grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
  .network { border: 1px solid #8884; border-radius: 0.5rem; padding: 0.6rem 0.75rem; }
  .network.failing { border-color: #d33; }
  .network.fresh { animation: flash 1.5s ease-out; }
  @keyframes flash { from { background: #3a74; } to { background: transparent; } }
  .name { font-weight: 600; }
  .key, .when { font-size: 0.8rem; opacity: 0.7; }
  .counts { display: flex; gap: 1rem; margin: 0.35rem 0; font-variant-numeric: tabular-nums; }
  .counts b { font-size: 1.2rem; }
  .error { color: #d33; font-size: 0.85rem; overflow-wrap: anywhere; }
</style>
</head>
<body>
<header><h1>Spoke</h1><span id="status">connecting…</span></header>
<input id="filter" type="search" placeholder="Filter networks" aria-label="Filter networks">
<ul id="networks"></ul>
<script>
"use strict";
const networks = new Map();
const list = document.getElementById("networks");
const status = document.getElementById("status");
const filter = document.getElementById("filter");

function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function card(n) {
  const li = document.createElement("li");
  li.className = "network" + (n.error ? " failing" : "");
  li.dataset.key = n.key;
  li.dataset.tag = n.tag;
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = n.name;
  const key = document.createElement("div");
  key.className = "key";
  key.textContent = n.key + (n.city ? " · " + n.city : "");
  const counts = document.createElement("div");
  counts.className = "counts";
  for (const [label, value, field] of [["stations", n.stations, "stations"], ["bikes", n.bikes, "bikes"], ["docks", n.docks, "docks"]]) {
    const span = document.createElement("span");
    const b = document.createElement("b");
    b.className = field;
    b.textContent = String(value);
    span.append(b, " " + label);
    counts.append(span);
  }
  const when = document.createElement("div");
  when.className = "when";
  when.dataset.updatedAt = n.updatedAt || "";
  when.textContent = "updated " + ago(n.updatedAt) + (n.restored ? " (restored)" : "");
  li.append(name, key, counts, when);
  if (n.error) {
    const error = document.createElement("div");
    error.className = "error";
    error.textContent = n.error;
    li.append(error);
  }
  return li;
}

function render() {
  const words = filter.value.trim().toLowerCase();
  const shown = [...networks.values()]
    .filter((n) => !words || (n.name + " " + n.key + " " + (n.city || "")).toLowerCase().includes(words))
    .sort((a, b) => a.name.localeCompare(b.name));
  list.replaceChildren(...shown.map(card));
  totals(shown);
}

function totals(shown) {
  const bikes = shown.reduce((sum, n) => sum + n.bikes, 0);
  const failing = shown.filter((n) => n.error).length;
  status.textContent = shown.length + " networks · " + bikes + " bikes" +
    (failing ? " · " + failing + " failing" : "") + " · live";
}

function update(n) {
  networks.set(n.key, n);
  const old = list.querySelector('[data-key="' + CSS.escape(n.key) + '"]');
  if (!old) return render();
  const fresh = card(n);
  fresh.classList.add("fresh");
  old.replaceWith(fresh);
  totals([...list.children].map((li) => networks.get(li.dataset.key)));
}

const events = new EventSource("events");
events.addEventListener("snapshot", (e) => {
  networks.clear();
  for (const n of JSON.parse(e.data)) networks.set(n.key, n);
  render();
});
events.addEventListener("network", (e) => update(JSON.parse(e.data)));
events.onerror = () => { status.textContent = "reconnecting…"; };
filter.addEventListener("input", render);
setInterval(() => {
  for (const el of document.querySelectorAll(".when")) {
    el.textContent = el.textContent.replace(/updated .*? ago|updated never/, "updated " + ago(el.dataset.updatedAt));
  }
}, 10000);
</script>
</body>
</html>
`;
