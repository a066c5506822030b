/** Entry point: `node dist/server.cjs` in the image, `npx tsx src/main.ts` in development. */
import { ConfigError, configFromEnv } from './config.ts';
import { startChallenge } from './service.ts';

function log(level: string, msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra })}\n`);
}

async function main(): Promise<void> {
  const config = configFromEnv();
  const running = await startChallenge(config);
  log('info', 'listening', { slug: config.slug, port: running.address.port, database: config.databasePath, journal_mode: running.store.journalMode() });
  const onSignal = (signal: NodeJS.Signals): void => {
    log('info', 'stopping', { signal });
    running.stop().then(
      () => {
        log('info', 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log('error', 'stop failed', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  log('error', error instanceof ConfigError ? error.message : 'start failed', { error: (error as Error).message });
  process.exit(1);
});
