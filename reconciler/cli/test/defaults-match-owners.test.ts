import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as defaults from '../defaults.ts';
import { DEFAULT_DESIRED_STATE_FILE } from '../../desired-state/index.ts';
import { STORE_URL_ENV } from '../../store/open-store.ts';

test('the CLI start-up copies of the defaults equal the constants of the modules that own them', () => {
  assert.equal(defaults.DEFAULT_DESIRED_STATE_FILE, DEFAULT_DESIRED_STATE_FILE);
  assert.equal(defaults.STORE_URL_ENV, STORE_URL_ENV);
});
