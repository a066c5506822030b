import { defineStoreConformance } from './conformance.ts';
import { makePostgresStore } from './postgres-testbed.ts';

defineStoreConformance('PostgreSQL (test bed, one schema per store)', () => makePostgresStore());
