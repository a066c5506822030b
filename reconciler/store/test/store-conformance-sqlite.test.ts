import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteStore } from '../sqlite-store.ts';
import type { ControlPlaneStore } from '../types.ts';
import { defineStoreConformance } from './conformance.ts';

defineStoreConformance('SQLite (temporary file, WAL)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'base-store-test-'));
  const path = join(dir, 'nested', 'control-plane.sqlite3');
  const opened: ControlPlaneStore[] = [];
  const open = async () => {
    const store = await SqliteStore.open({ path });
    opened.push(store);
    return store;
  };
  return {
    store: await open(),
    reopen: open,
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});
