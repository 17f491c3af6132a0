/**
 * The load of broker_rss.ts: `PORT N mqtt|raw` opens N TCP connections to 127.0.0.1:PORT; with
 * `mqtt` each sends an MQTT 3.1.1 CONNECT (keep-alive 600) and reads its CONNACK. Prints "ready"
 * once all are open, then holds them until killed.
 */
import mqttPacket from "mqtt-packet";

const [port, count, mode] = [Number(Deno.args[0]), Number(Deno.args[1]), Deno.args[2]];
const connections: Deno.Conn[] = [];
for (let i = 0; i < count; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (mode === "mqtt") {
    await conn.write(mqttPacket.generate({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: `rss-${i}`,
      clean: true,
      keepalive: 600,
    }));
    const connack = new Uint8Array(4);
    if (await conn.read(connack) === null || connack[0] !== 0x20) {
      throw new Error(`client ${i}: no CONNACK`);
    }
  }
  connections.push(conn);
}
console.log("ready");
// Held until killed (a pending timer keeps the event loop, and so the sockets, alive).
setInterval(() => {}, 1 << 30);
