import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestMaster, startUpstream } from './support.ts';
import type { RecordingUpstream, TestMaster } from './support.ts';

// The master's own server (the one base serve runs), not a bare proxy: its parser options are what is tested.
let upstream: RecordingUpstream;
let master: TestMaster;

before(async () => {
  upstream = await startUpstream();
  master = await startTestMaster({ upstreams: { alpha: upstream.origin } });
});
after(async () => {
  await master.close();
  await upstream.close();
});

/** Writes raw bytes and returns the status line of the first response (or '' when the connection just closes). */
function rawStatusLine(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 2000);
  });
}

test('requests a front end and a back end could frame differently are answered 400 and never forwarded', async () => {
  const cases: Record<string, string> = {
    'Content-Length with Transfer-Encoding': 'POST /challenges/alpha/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'two Content-Length values': 'POST /challenges/alpha/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    'obs-fold header continuation': 'GET /challenges/alpha/x HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n',
    'Transfer-Encoding not ending in chunked': 'POST /challenges/alpha/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
    'a space before the colon': 'POST /challenges/alpha/x HTTP/1.1\r\nHost: a\r\nContent-Length : 4\r\n\r\nabcd',
  };
  for (const [name, text] of Object.entries(cases)) {
    upstream.requests.length = 0;
    assert.equal(await rawStatusLine(master.port, text), 'HTTP/1.1 400 Bad Request', name);
    assert.deepEqual(upstream.requests, [], `${name}: nothing reached the challenge`);
  }
});
