import assert from "node:assert/strict";
import { topicMatches } from "../../src/broker/mod.ts";
import { TopicTree } from "../../src/broker/topic_tree.ts";
import { topicFilterProblem, topicNameProblem } from "../../src/broker/topic_names.ts";

/** [filter, topic, matches] — the examples of spec §4.7 plus the edges around them. */
const matchTable: [string, string, boolean][] = [
  ["sport/tennis/player1", "sport/tennis/player1", true],
  ["sport/tennis/player1", "sport/tennis/player2", false],
  ["sport/tennis/player1/#", "sport/tennis/player1", true],
  ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
  ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true],
  ["sport/#", "sport", true],
  ["#", "sport/tennis", true],
  ["#", "/", true],
  ["sport/tennis/+", "sport/tennis/player1", true],
  ["sport/tennis/+", "sport/tennis/player1/ranking", false],
  ["sport/+", "sport", false],
  ["sport/+", "sport/", true],
  ["+/+", "/finance", true],
  ["/+", "/finance", true],
  ["+", "/finance", false],
  ["+/tennis/#", "sport/tennis/player1", true],
  ["a/+/c", "a//c", true],
  ["network/+/+/update", "network/gbfs/citi-bike-nyc/update", true],
  ["network/+/+/update", "network/gbfs/citi-bike-nyc/status", false],
  // [MQTT-4.7.2-1] first-level wildcards never match topics starting with '$'
  ["#", "$SYS/broker/uptime", false],
  ["+/broker/uptime", "$SYS/broker/uptime", false],
  ["$SYS/#", "$SYS/broker/uptime", true],
  ["$SYS/+/uptime", "$SYS/broker/uptime", true],
  ["a/#", "a/$b", true], // '$' matters only at the first level
  ["Sport", "sport", false], // case-sensitive
];

Deno.test("topicMatches() follows the matching rules of §4.7", () => {
  for (const [filter, topic, expected] of matchTable) {
    assert.equal(topicMatches(filter, topic), expected, `${filter} vs ${topic}`);
  }
});

Deno.test("TopicTree.match() finds exactly the filters topicMatches() accepts", () => {
  const tree = new TopicTree<string>();
  const filters = [...new Set(matchTable.map(([filter]) => filter))];
  for (const filter of filters) tree.add(filter, "client", filter);
  const topics = [...new Set(matchTable.map(([, topic]) => topic))];
  for (const topic of topics) {
    const found: string[] = [];
    tree.match(topic, (filter) => found.push(filter));
    const expected = filters.filter((filter) => topicMatches(filter, topic));
    assert.deepEqual(found.sort(), expected.sort(), topic);
  }
});

Deno.test("TopicTree keeps one entry per filter and key, and prunes on remove", () => {
  const tree = new TopicTree<number>();
  assert.equal(tree.add("a/+/c", "one", 1), true);
  assert.equal(tree.add("a/+/c", "one", 2), false); // replaced, not added
  assert.equal(tree.add("a/+/c", "two", 3), true);
  assert.equal(tree.add("a/#", "one", 4), true);
  assert.equal(tree.size, 3);
  const values: number[] = [];
  tree.match("a/b/c", (value) => values.push(value));
  assert.deepEqual(values.sort(), [2, 3, 4]);

  assert.equal(tree.remove("a/+/c", "one"), true);
  assert.equal(tree.remove("a/+/c", "one"), false);
  assert.equal(tree.remove("never/added", "one"), false);
  assert.equal(tree.remove("a/+/c", "two"), true);
  assert.equal(tree.remove("a/#", "one"), true);
  assert.equal(tree.size, 0);
  const none: number[] = [];
  tree.match("a/b/c", (value) => none.push(value));
  assert.deepEqual(none, []);
});

Deno.test("topicFilterProblem() rejects misplaced wildcards and empty filters", () => {
  const valid = ["#", "+", "a/#", "a/+/b", "+/+", "/", "$SYS/#", "a//b"];
  const invalid = ["", "a/#/b", "a#", "a/b#", "a+", "a/+b", "a/\u0000"];
  for (const filter of valid) assert.equal(topicFilterProblem(filter), undefined, filter);
  for (const filter of invalid) assert.equal(typeof topicFilterProblem(filter), "string", filter);
});

Deno.test("topicNameProblem() rejects wildcards and empty names", () => {
  const valid = ["a", "a/b", "/", "$SYS/x", "a b/ü"];
  const invalid = ["", "a/+", "#", "a/#", "a\u0000"];
  for (const topic of valid) assert.equal(topicNameProblem(topic), undefined, topic);
  for (const topic of invalid) assert.equal(typeof topicNameProblem(topic), "string", topic);
});
