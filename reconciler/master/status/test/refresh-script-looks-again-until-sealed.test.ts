import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATUS_PAGE_JS } from '../assets.ts';

/**
 * Runs /status-page.js against a fake page and clock: `served` is the epoch the master's page shows when fetched.
 * Returns the delays the script asks for, one refresh at a time.
 */
function harness(epochSeconds: number, startMs: number) {
  let now = startMs;
  let served = 0;
  let pending: { fn: () => Promise<void> | void; ms: number } | null = null;
  const element = (epoch: number) => ({
    querySelector: (selector: string) => (selector === '#vector-epoch' ? { dataset: { epoch: String(epoch) } } : null),
    replaceWith(next: unknown) {
      current = next as typeof current;
    },
  });
  let current = element(0);
  const stateLine = { textContent: '' };
  const document = {
    body: { dataset: { epochSeconds: String(epochSeconds) } },
    getElementById: (id: string) => (id === 'status' ? current : id === 'refresh-state' ? stateLine : null),
    adoptNode: (node: unknown) => node,
  };
  class FakeDate extends Date {
    constructor() {
      super(now);
    }
    static override now() {
      return now;
    }
  }
  const fetch = async () => ({ ok: true, status: 200, text: async () => String(served) });
  class DOMParser {
    parseFromString(text: string) {
      return { getElementById: (id: string) => (id === 'status' ? element(Number(text)) : null) };
    }
  }
  const setTimeout = (fn: () => Promise<void>, ms: number) => {
    pending = { fn, ms };
  };
  new Function('document', 'location', 'fetch', 'DOMParser', 'setTimeout', 'Date', STATUS_PAGE_JS)(document, { pathname: '/' }, fetch, DOMParser, setTimeout, FakeDate);
  return {
    /** The delay of the scheduled refresh. */
    get delay() {
      return pending!.ms;
    },
    /** Advances the clock to the scheduled refresh and runs it with the master showing `epoch`. */
    async fire(epoch: number | 'due') {
      now += pending!.ms;
      served = epoch === 'due' ? Math.floor(now / 1000 / epochSeconds) : epoch;
      const { fn } = pending!;
      pending = null;
      await fn();
      assert.ok(pending, 'a next refresh is scheduled');
    },
    shownEpoch: () => Number(current.querySelector('#vector-epoch')!.dataset.epoch),
    get state() {
      return stateLine.textContent;
    },
  };
}

test('the refresh script refreshes 3 s after each epoch boundary, and looks again every 4 s (at most 3 times) while that epoch is not sealed yet', async () => {
  const seconds = 12;
  const page = harness(seconds, 100 * seconds * 1000 + 5_000); // 5 s into epoch 100
  assert.equal(page.delay, 7_000 + 3_000, 'the first refresh: 3 s after the next boundary');
  await page.fire(101); // sealed in time
  assert.equal(page.shownEpoch(), 101);
  assert.match(page.state, /^Updated /);
  assert.equal(page.delay, 12_000);

  await page.fire(101); // epoch 102 began 3 s ago but is not sealed yet
  assert.equal(page.shownEpoch(), 101);
  assert.equal(page.delay, 4_000);
  await page.fire(102); // now it is: back to the epoch cadence
  assert.equal(page.shownEpoch(), 102);
  assert.equal(page.delay, 12_000 - 7_000 + 3_000);

  // A master that stopped sealing: three quick looks, then once an epoch, not a fetch every 4 s.
  await page.fire(102);
  assert.deepEqual([page.delay], [4_000]);
  await page.fire(102);
  assert.equal(page.delay, 4_000);
  await page.fire(102);
  assert.equal(page.delay, 4_000);
  await page.fire(102);
  assert.ok(page.delay > 4_000, `after three looks the cadence is per epoch again (${page.delay} ms)`);
  await page.fire(102);
  assert.ok(page.delay > 4_000, 'still per epoch while the master stays stalled');

  // It seals again: caught up, the quick looks are there for the next late seal.
  await page.fire('due');
  assert.ok(page.delay > 4_000);
  await page.fire(page.shownEpoch());
  assert.equal(page.delay, 4_000, 'a late seal after catching up is looked for again');
});
