import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { send, startTestMaster, startUpstream } from './support.ts';

test('shutdown stops accepting, lets an in-flight proxied request finish, then closes', async () => {
  let release: () => void = () => undefined;
  const upstream = await startUpstream((_req, res) => {
    release = () => res.end(JSON.stringify({ slow: true }));
  });
  const master = await startTestMaster({ upstreams: { alpha: upstream.origin } });
  try {
    const inFlight = send(master.port, '/challenges/alpha/slow');
    while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(master.master.inFlight(), 1);

    const shutdown = master.master.shutdown(5_000);
    // New connections are refused at once.
    await assert.rejects(send(master.port, '/version'), /ECONNREFUSED/);
    setTimeout(() => release(), 150);
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { slow: true });
    assert.equal(response.headers.connection, 'close', 'the drained connection is not kept alive');
    assert.deepEqual(await shutdown, { drained: true, abandoned: 0 });
    assert.equal(master.master.server.listening, false);
  } finally {
    await upstream.close();
  }
});

test('idle keep-alive sockets are closed at once; a request that outlives the grace period is cut', async () => {
  const upstream = await startUpstream(() => undefined); // never answers
  const master = await startTestMaster({ upstreams: { alpha: upstream.origin } });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocket: import('node:net').Socket | null = null;
    const idle = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: master.port, path: '/version', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('socket', (socket) => (idleSocket = socket));
      req.on('error', reject);
    });
    assert.equal(idle.statusCode, 200);
    assert.ok(idleSocket !== null);
    const socket = idleSocket as import('node:net').Socket;
    assert.equal(socket.destroyed, false, 'kept alive after the response');
    const idleClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    const stuck = send(master.port, '/challenges/alpha/forever').then(
      () => 'answered',
      () => 'cut',
    );
    while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    const result = await master.master.shutdown(200);
    assert.deepEqual(result, { drained: false, abandoned: 1 });
    assert.ok(Date.now() - started < 2_000, 'bounded by the grace period');
    assert.equal(await stuck, 'cut');
    await idleClosed;
    agent.destroy();
  } finally {
    await upstream.close();
  }
});
