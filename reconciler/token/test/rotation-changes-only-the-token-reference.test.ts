import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { withTokenSecret } from '../index.ts';

test('the rotated spec differs from the live one only in the token reference (ForceUpdate and other secrets kept)', () => {
  const live = {
    Name: 'challenge-a',
    Labels: { 'base.managed-by': 'base' },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'img@sha256:1',
        Secrets: [
          { SecretID: 'old-id', SecretName: 'challenge-a-token-aaaaaaaaaaaa', File: { Name: '/run/secrets/base/challenge_token', UID: '1000', GID: '1000', Mode: 0o400 } },
          { SecretID: 'judge-id', SecretName: 'judge-token', File: { Name: '/run/secrets/judge-token', UID: '1000', GID: '1000', Mode: 0o400 } },
        ],
      },
      ForceUpdate: 3,
    },
  } as unknown as Docker.ServiceSpec;
  const before = JSON.stringify(live);
  const rotated = withTokenSecret(live, 'challenge-a-token-bbbbbbbbbbbb', 'new-id');
  assert.equal(JSON.stringify(live), before, 'the live spec object is not modified');
  const expected = JSON.parse(before) as { TaskTemplate: { ContainerSpec: { Secrets: Array<Record<string, unknown>> } } };
  expected.TaskTemplate.ContainerSpec.Secrets[0] = { ...expected.TaskTemplate.ContainerSpec.Secrets[0], SecretID: 'new-id', SecretName: 'challenge-a-token-bbbbbbbbbbbb' };
  assert.deepEqual(rotated, expected);
});
