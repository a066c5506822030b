import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderTypes, typesPath } from '../generate-types.ts';

test('the committed subnet.types.ts is exactly what the schema generates (run generate-types.ts after a schema change)', async () => {
  assert.equal(readFileSync(typesPath, 'utf8'), await renderTypes());
});
