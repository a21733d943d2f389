import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { KeyStore } from './api-keys';

export interface EmbeddedBroker {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * The in-process MQTT broker of the embedded default (no `MQTT_URL`), so devices can publish to
 * a newcomer's twin. Clients authenticate with any ingest key as the MQTT password (user name
 * free), or with `internalToken` (the twin's own subscriber). Sessions live in memory: they
 * survive a client's reconnect, not a restart of the twin.
 */
/** `twin/sensors/{sensor}`: one level, no wildcard. */
export const isSensorTopic = (topic: string): boolean =>
  /^twin\/sensors\/[^/#+\u0000]{1,200}$/.test(topic);

export async function startEmbeddedBroker(options: {
  port: number;
  host?: string;
  keys: KeyStore;
  internalToken: string;
}): Promise<EmbeddedBroker> {
  // The twin's own subscriber; every other client is a device with an ingest key.
  const internal = new WeakSet<object>();
  const broker = await Aedes.createBroker({
    authenticate: (client, _username, password, done) => {
      const key = password?.toString('utf8') ?? '';
      if (key === options.internalToken) {
        internal.add(client);
        return done(null, true);
      }
      options.keys.verify(key).then(
        (ok) => {
          if (ok) done(null, true);
          else {
            const error = Object.assign(
              new Error('an ingest key is required as the MQTT password'),
              {
                returnCode: 4,
              },
            );
            done(error as Parameters<typeof done>[0], false);
          }
        },
        () =>
          done(
            Object.assign(new Error('key check failed'), { returnCode: 3 }) as Parameters<
              typeof done
            >[0],
            false,
          ),
      );
    },
    // Issue #10 item 8: devices publish readings to twin/sensors/{id} and nothing else …
    authorizePublish: (client, packet, done) => {
      if ((client && internal.has(client)) || isSensorTopic(packet.topic)) return done(null);
      done(new Error('devices may publish only to twin/sensors/{sensor}'));
    },
    // … and may not read the stream: they subscribe only to the rejection reasons
    // (twin/rejected/…, see mqtt-ingest.ts); `#`, $SYS and twin/sensors/… are refused.
    authorizeSubscribe: (client, sub, done) => {
      if (client && internal.has(client)) return done(null, sub);
      done(null, /^twin\/rejected\/./.test(sub.topic) ? sub : null);
    },
  });
  const server: Server = createServer(broker.handle as (socket: unknown) => void);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
