import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunRequest, REFERENCE_LIMITS } from '../run-request.ts';
import { sdkRequest } from './support.ts';

test('a request exactly as the reference SDK builds it parses, every field kept', () => {
  const parsed = parseRunRequest(JSON.parse(JSON.stringify(sdkRequest())));
  assert.equal(parsed.ok, true);
  if (!parsed.ok) return;
  assert.equal(parsed.request.job_id, 'eval-42');
  assert.equal(parsed.request.task_id, 'task-7');
  assert.deepEqual(parsed.request.command, ['python', '-m', 'evaluate', '--miner', '5F…']);
  assert.deepEqual(parsed.request.limits, { ...REFERENCE_LIMITS });
  assert.equal(parsed.request.timeout_seconds, 900);
});

test('a minimal request gets the reference defaults (limits, 900 s timeout, no mounts)', () => {
  const parsed = parseRunRequest({ job_id: 'j', image: 'reg.example/x', command: ['true'] });
  assert.equal(parsed.ok, true);
  if (!parsed.ok) return;
  assert.deepEqual(parsed.request.limits, { ...REFERENCE_LIMITS });
  assert.deepEqual([parsed.request.timeout_seconds, parsed.request.mounts, parsed.request.env, parsed.request.task_id], [900, [], {}, null]);
});

test("what the reference answers 422 is 422 here, every violation listed with FastAPI's loc", () => {
  const parsed = parseRunRequest({ job_id: 'x'.repeat(129), image: '', command: [], timeout_seconds: 86_401, limits: { cpus: 0, pids_limit: 0, gpu_count: -1 } });
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.status, 422);
  assert.deepEqual(
    parsed.detail.map((d) => [d.loc.join('.'), d.type]),
    [
      ['body.job_id', 'string_too_long'],
      ['body.image', 'string_too_short'],
      ['body.command', 'too_short'],
      ['body.limits.cpus', 'greater_than'],
      ['body.limits.pids_limit', 'greater_than_equal'],
      ['body.limits.gpu_count', 'greater_than_equal'],
      ['body.timeout_seconds', 'less_than_equal'],
    ],
  );
  const missing = parseRunRequest({});
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.deepEqual(missing.detail.map((d) => [d.loc.join('.'), d.msg]), [['body.job_id', 'Field required'], ['body.image', 'Field required'], ['body.command', 'Field required']]);
  assert.equal(parseRunRequest([]).ok, false);
});

test('gpu_count 0 means no GPU (the reference refuses it; a superset)', () => {
  const parsed = parseRunRequest(sdkRequest({}, { gpu_count: 0 }));
  assert.ok(parsed.ok);
  assert.equal(parsed.request.limits.gpu_count, null);
});
