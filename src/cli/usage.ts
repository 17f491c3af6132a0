/** The help text of every command. */
export const USAGE = `spoke — bike-share feeds to MQTT, on one small device

Usage: spoke <command> [options]

Commands:
  run                  scrape the catalog on schedule and publish every network (the main job)
  broker               the MQTT broker alone, like mosquitto (-p PORT, --host ADDR, -c FILE)
  passwd FILE USER     add or change a user of the broker's password file (-D deletes)
  demo                 the whole pipeline on recorded feeds served from inside the binary
  sub                  print one line per network update from a broker
  networks             list the networks the config would run
  config check FILE    validate a config file and exit (0 ok, 2 bad)
  selftest             broker + one scrape + one publish + one subscribe, then exit 0
  version              print the version

Options of run, demo and networks (flags win over SPOKE_* env vars, which win over the file):
  -c, --config FILE    TOML or JSON config (env SPOKE_CONFIG)
      --mqtt-port N    port of the embedded MQTT broker (SPOKE_MQTT_PORT, default 1883)
      --http-port N    port of the HTTP server (SPOKE_HTTP_PORT, default 8080)
      --host ADDR      bind address of every listener (SPOKE_HOST, default 127.0.0.1)
      --log-level L    trace|debug|info|warning|error|fatal (SPOKE_LOG_LEVEL, default info)
      --broker URL     also publish to this MQTT broker: mqtt[s]://user:pass@host:port
                       (SPOKE_PUBLISH_BROKER; [mqtt] enabled = false for it alone)
      --shard I/N      run only shard I of N (1-based) of the networks (SPOKE_CATALOG_SHARD)

Options of sub:
      --url URL        broker to read (default mqtt://127.0.0.1:1883)
  -t, --topic FILTER   topic filter (default network/#)
  -V, --protocol V     MQTT protocol version: 4 (3.1.1) or 5 (default 5)
  -n, --count N        exit after N updates

Options of networks:
      --class C        only the networks of class C (gbfs, nextbike)
      --match RE       only the networks whose <class>::<tag> matches RE (anchored, as in rules)
      --json           print the list as JSON
      --plan           each network's effective schedule, field by field, with the rule that set it
`;
