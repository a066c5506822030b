import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SubnetDesiredState } from '../../desired-state/index.ts';
import { followOverlayUpstreams, overlayUpstreams } from '../upstreams.ts';
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
