/**
 * The rules that span fields, checked once the schema has passed: a field
 * alone cannot know about its neighbours or about `[queues]`.
 */

import { ConfigError } from "./config_error.ts";
import { showValue } from "./_issue.ts";
import type { Config } from "./schema.ts";

/**
 * A TLS table with a cert and no key (or the reverse) would silently serve
 * plain text only; refuse it. Checked again after the env overlay, which can
 * set one half (`SPOKE_MQTT_TLS_CERT`).
 */
export function checkTlsPairs(config: Config, source: string): void {
  for (const [section, tls] of [["mqtt", config.mqtt.tls], ["http", config.http.tls]] as const) {
    if ((tls.cert === "") === (tls.key === "")) continue;
    const [missing, present] = tls.cert === "" ? ["cert", "key"] : ["key", "cert"];
    throw new ConfigError(
      source,
      `${section}.tls.${missing} must be set with ${section}.tls.${present} (both PEM files, or neither), got ""`,
      { path: `${section}.tls.${missing}`, value: "" },
    );
  }
}

/** Throws the first cross-field problem of `config`, in document order. */
export function crossCheck(config: Config, source: string): void {
  checkTlsPairs(config, source);
  config.rules.forEach((rule, index) => {
    const at = `rules[${index}]`;
    if (rule.interval !== undefined && rule.cron !== undefined) {
      throw new ConfigError(
        source,
        `${at}.cron cannot be used with ${at}.interval in the same rule (choose one), got ${
          showValue(rule.cron)
        }`,
        { path: `${at}.cron`, value: rule.cron },
      );
    }
    if (rule.timezone !== undefined && rule.cron === undefined) {
      throw new ConfigError(
        source,
        `${at}.timezone only applies with ${at}.cron, got ${showValue(rule.timezone)}`,
        { path: `${at}.timezone`, value: rule.timezone },
      );
    }
    if (rule.queue !== undefined && !Object.hasOwn(config.queues, rule.queue)) {
      const known = Object.keys(config.queues).join(", ");
      throw new ConfigError(
        source,
        `${at}.queue must name a [queues] entry (${known}), got ${showValue(rule.queue)}`,
        { path: `${at}.queue`, value: rule.queue },
      );
    }
  });
  const firstIndexOfTag = new Map<string, number>();
  config.networks.forEach((network, index) => {
    const first = firstIndexOfTag.get(network.tag);
    if (first !== undefined) {
      throw new ConfigError(
        source,
        `networks[${index}].tag ${showValue(network.tag)} duplicates networks[${first}].tag`,
        { path: `networks[${index}].tag`, value: network.tag },
      );
    }
    firstIndexOfTag.set(network.tag, index);
    if (network.each_city === true && network.class !== "nextbike") {
      throw new ConfigError(
        source,
        `networks[${index}].each_city applies to class "nextbike" only, got true for class ${
          showValue(network.class)
        }`,
        { path: `networks[${index}].each_city`, value: network.each_city },
      );
    }
    if (network.each_city === true && network.city_uid !== undefined) {
      throw new ConfigError(
        source,
        `networks[${index}].city_uid must be left out with each_city = true (one city or every city), got ${
          showValue(network.city_uid)
        }`,
        { path: `networks[${index}].city_uid`, value: network.city_uid },
      );
    }
  });
}
