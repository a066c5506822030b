/**
 * Benchmark: collecting 32 challenges that each answer in 200 ms, in parallel, with small bodies (16 hotkeys: the
 * network concurrency alone) and realistic ones (4,096 hotkeys, about 290 KB: plus parsing and validation on the
 * collector's one thread). Compares the wall time with the sum of the challenges' latencies (what sequential
 * collection costs; also measured once for real), with the slowest single challenge as the collector saw it
 * (target: wall ≤ 1.5 × slowest) and with the nominal 200 ms. The challenge servers run in a child process, so their
 * work does not share the collector's event loop. Prints one JSON object.
 * Run: node --import tsx reconciler/weights/collect.bench.ts
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { encodeAddress } from '@polkadot/util-crypto';
import { collectWeights } from './collect/index.ts';

const CHALLENGES = 32;
const LATENCY_MS = 200;
const SIZES = [16, 4096];
const ROUNDS = 7;
const TARGET_RATIO = 1.5;

const SERVERS_JS = `
const http = require('http');
const bodies = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const ports = [];
let listening = 0;
bodies.forEach((body, i) => {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer bench-token-' + i) { res.statusCode = 401; return res.end(); }
    setTimeout(() => { res.setHeader('content-type', 'application/json'); res.end(body); }, ${LATENCY_MS});
  });
  server.listen(0, '127.0.0.1', () => {
    ports[i] = server.address().port;
    if (++listening === bodies.length) process.stdout.write(JSON.stringify(ports) + '\\n');
  });
});
`;

const ms = (value: number) => Math.round(value * 10) / 10;
const ratio = (value: number) => Math.round(value * 1000) / 1000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function benchmark(hotkeyCount: number) {
  const hotkeys = Array.from({ length: hotkeyCount }, () => encodeAddress(randomBytes(32), 42));
  const bodies = Array.from({ length: CHALLENGES }, (_, c) =>
    JSON.stringify({ challenge_slug: `bench-${c}`, weights: Object.fromEntries(hotkeys.map((h) => [h, Math.random()])) }),
  );
  const child = spawn(process.execPath, ['-e', SERVERS_JS], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(bodies));
  try {
    const ports: number[] = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      child.once('exit', (code) => reject(new Error(`the challenge servers exited with ${code}`)));
    });
    const challenges = ports.map((port, i) => ({ slug: `bench-${i}`, port }));
    const options = {
      tokens: async (slug: string) => `bench-token-${slug.slice('bench-'.length)}`,
      originFor: ({ port }: { port: number }) => `http://127.0.0.1:${port}`,
    };
    const round = async () => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const results = await collectWeights(challenges, options);
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new Error(`collection failed: ${JSON.stringify(failed[0])}`);
      if (results.some((r) => r.ok && r.weights.size !== hotkeyCount)) throw new Error('a body lost hotkeys');
      const latencies = results.map((r) => r.durationMs);
      return { wallMs, sumMs: latencies.reduce((a, b) => a + b, 0), slowestMs: Math.max(...latencies), cpuMs: (used.user + used.system) / 1000 };
    };

    await round(); // warm-up: loads undici, opens the connections
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round());

    // Sequential collection, once, for the real cost the parallel collector avoids.
    const seqStarted = performance.now();
    for (const challenge of challenges) await collectWeights([challenge], options);
    const sequentialMs = performance.now() - seqStarted;

    const walls = rounds.map((r) => r.wallMs);
    const ratios = rounds.map((r) => r.wallMs / r.slowestMs);
    const medianRound = rounds.find((r) => r.wallMs === median(walls))!;
    return {
      hotkeys_per_challenge: hotkeyCount,
      body_bytes_per_challenge: Buffer.byteLength(bodies[0]!),
      parallel_wall_ms: { median: ms(median(walls)), min: ms(Math.min(...walls)), max: ms(Math.max(...walls)) },
      collector_cpu_ms_median: ms(median(rounds.map((r) => r.cpuMs))),
      median_round: { wall_ms: ms(medianRound.wallMs), sum_of_latencies_ms: ms(medianRound.sumMs), slowest_challenge_ms: ms(medianRound.slowestMs) },
      sequential_measured_ms: ms(sequentialMs),
      speedup_vs_sequential: ms(sequentialMs / median(walls)),
      wall_over_slowest: { median: ratio(median(ratios)), max: ratio(Math.max(...ratios)) },
      wall_over_nominal_latency: ratio(median(walls) / LATENCY_MS),
      meets_target: Math.max(...ratios) <= TARGET_RATIO,
    };
  } finally {
    child.kill();
  }
}

const results = [];
for (const size of SIZES) results.push(await benchmark(size));
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'weights-collection',
    challenges: CHALLENGES,
    latency_per_challenge_ms: LATENCY_MS,
    rounds: ROUNDS,
    target_wall_over_slowest: TARGET_RATIO,
    meets_target: results.every((r) => r.meets_target),
    results,
    cpus: availableParallelism(),
    loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
  })}\n`,
);
