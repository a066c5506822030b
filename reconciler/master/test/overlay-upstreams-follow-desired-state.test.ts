import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SubnetDesiredState } from '../../desired-state/index.ts';
import { followOverlayUpstreams, followUpstreamTargets, overlayUpstreams } from '../upstreams.ts';
import { DESIRED_YAML, desiredState } from './support.ts';

test('only active challenges get an overlay origin, on their own port or the default 8000', () => {
  const map = overlayUpstreams(desiredState());
  assert.deepEqual([...map], [
    ['alpha', 'http://challenge-alpha:8000'],
    ['beta', 'http://challenge-beta:8000'],
  ]);
  assert.equal(overlayUpstreams(null).size, 0);
});

test('the followed map is built once per desired state and rebuilt when the state is reloaded', () => {
  let state: SubnetDesiredState | null = desiredState();
  let reads = 0;
  const upstreams = followOverlayUpstreams(() => {
    reads++;
    return state;
  });
  const first = upstreams();
  assert.equal(upstreams(), first, 'same state object: the same map, not a rebuilt one');
  assert.equal(reads, 2, 'the current state is read on every call, so a reload is seen at once');

  // A reload that makes gamma active and beta inactive.
  state = desiredState(DESIRED_YAML.replace('status: inactive', 'status: active').replace(/(slug: beta[\s\S]*?)status: active/, '$1status: inactive'));
  const second = upstreams();
  assert.notEqual(second, first);
  assert.deepEqual([...second.keys()], ['alpha', 'gamma']);

  state = null; // the file became unreadable: nothing is routed
  assert.equal(upstreams().size, 0);
});

test('the proxy targets (origin and compiled route rules) are built once per desired state and origins, rebuilt on a reload', () => {
  let state: SubnetDesiredState | null = desiredState(DESIRED_YAML.replace('slug: beta', 'slug: agent-challenge'));
  const origins = followOverlayUpstreams(() => state);
  const targets = followUpstreamTargets(origins, () => state);
  const first = targets();
  assert.equal(targets(), first, 'same state: the same targets, nothing recompiled');
  const agent = first.get('agent-challenge');
  assert.equal(agent?.origin, 'http://challenge-agent-challenge:8000');
  assert.equal(agent?.signedRoutes?.matches('POST', ['submissions']), true);
  assert.equal(agent?.unavailable503?.matches('POST', ['submissions', '1', 'launch']), true);
  assert.equal(first.get('alpha')?.signedRoutes, undefined, 'no declaration, not the agent challenge: no matcher at all');
  assert.equal(first.get('alpha')?.unavailable503, undefined);

  state = desiredState(DESIRED_YAML.replace('slug: beta', 'slug: agent-challenge').replace('    secrets: [beta-secret-name]\n', '    secrets: [beta-secret-name]\n    signed_routes: []\n'));
  const second = targets();
  assert.notEqual(second, first);
  assert.equal(second.get('agent-challenge')?.signedRoutes, undefined, 'signed_routes: [] turns the default off');
  assert.ok(second.get('agent-challenge')?.unavailable503, 'the 503 rule follows the slug, not the declaration');
});
