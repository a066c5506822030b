import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChallengeServer } from './app.ts';
import type { ChallengeConfig } from './config.ts';
import { ChallengeStore } from './store.ts';

export interface RunningChallenge {
  server: Server;
  store: ChallengeStore;
  address: AddressInfo;
  /** Stops accepting, lets requests in flight finish (at most the grace period), then closes the database. */
  stop(): Promise<void>;
}

export async function startChallenge(config: ChallengeConfig, now?: () => number): Promise<RunningChallenge> {
  const store = new ChallengeStore(config.databasePath);
  const server = createChallengeServer({ config, store, ...(now ? { now } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        store.close();
        resolve();
      });
      server.closeIdleConnections();
    });
    return stopping;
  };
  return { server, store, address: server.address() as AddressInfo, stop };
}
