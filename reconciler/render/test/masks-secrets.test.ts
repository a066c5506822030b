import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderJson } from '../json.ts';
import { renderMarkdown } from '../markdown.ts';
import { renderText } from '../text.ts';
import { mixedPlan, SECRET_VALUE, URL_PASSWORD } from './support.ts';

test('secret-looking env values and URLs with passwords are masked in every format', () => {
  const plan = mixedPlan();
  const tokenDiff = plan.changes.flatMap((c) => c.diffs).find((d) => d.path === 'TaskTemplate.ContainerSpec.Env.API_TOKEN');
  assert.equal(tokenDiff?.sensitive, true);
  const sinkDiff = plan.changes.flatMap((c) => c.diffs).find((d) => d.path === 'TaskTemplate.ContainerSpec.Env.LOG_SINK');
  assert.equal(sinkDiff?.sensitive, true);
  for (const output of [renderText(plan, { color: false }), renderMarkdown(plan), renderJson(plan)]) {
    assert.ok(!output.includes(SECRET_VALUE), 'no secret value');
    assert.ok(!output.includes(URL_PASSWORD), 'no password from a URL');
    assert.ok(output.includes('API_TOKEN'), 'the name is shown');
  }
  assert.ok(renderText(plan, { color: false }).includes('- TaskTemplate.ContainerSpec.Env.API_TOKEN: (sensitive)'));
});

test('secret names are shown (a name change is visible), never values', () => {
  const plan = mixedPlan();
  const text = renderText(plan, { color: false });
  assert.ok(!/CHALLENGE_SHARED_TOKEN_FILE.*sensitive/.test(text));
  const json = JSON.parse(renderJson(plan));
  const alpha = json.changes.find((c: { name: string }) => c.name === 't-plan-challenge-alpha');
  assert.ok(alpha.desired.spec.TaskTemplate.ContainerSpec.Secrets.some((s: { SecretName: string }) => s.SecretName === 't-plan-challenge-alpha-token-0123456789ab'));
  assert.ok(alpha.desired.spec.TaskTemplate.ContainerSpec.Env.includes('CHALLENGE_SHARED_TOKEN_FILE=/run/secrets/base/challenge_token'));
});
