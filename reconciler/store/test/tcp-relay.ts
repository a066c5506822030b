/**
 * A TCP relay the test controls, put between the store and PostgreSQL:
 * - `up()`: forwards both ways (the initial state);
 * - `down()`: closes the listener and destroys every open connection (new connects are refused: ECONNREFUSED);
 * - `blackhole()`: drops open connections; accepts new ones but never forwards or answers (a hung server);
 * - `stall()`: keeps open connections but stops forwarding on them (a silent network), new ones as blackhole.
 */
import net from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Connections accepted so far (all modes). */
  readonly accepted: number;
  up(): Promise<void>;
  down(): Promise<void>;
  blackhole(): Promise<void>;
  stall(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
}

/** `listenHost`: the address to listen on (default loopback; e.g. the test bed bridge, for containers). */
export async function startTcpRelay(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<TcpRelay> {
  let forwarding = true;
  let accepted = 0;
  const pairs = new Set<Pair>();
  const destroyAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    pairs.clear();
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => client.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (!forwarding) {
      client.pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      destroyAll();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    async up() {
      // Connections stalled or black-holed so far stay dead: a client that gave up on them must reconnect.
      if (!forwarding) destroyAll();
      forwarding = true;
      if (!server.listening) await listen(port);
    },
    async down() {
      forwarding = false;
      await stopListening();
    },
    async blackhole() {
      forwarding = false;
      destroyAll();
      if (!server.listening) await listen(port);
    },
    async stall() {
      forwarding = false;
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
      if (!server.listening) await listen(port);
    },
    async close() {
      await stopListening();
    },
  };
}

/** A port nothing listens on (bound then released), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
