/** Benchmark: parseDesiredState on the example and on generated 50- and 200-challenge files. Prints one JSON object. */
import { readFileSync } from 'node:fs';
import { parseDesiredState } from './index.ts';
import { manyChallenges } from './test/documents.ts';

function measure(text: string, runs: number) {
  for (let i = 0; i < 10; i++) parseDesiredState(text, 'bench.yaml');
  const wall: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = parseDesiredState(text, 'bench.yaml');
    wall.push(performance.now() - started);
    if (!result.ok) throw new Error(`benchmark input is invalid: ${result.problems[0]?.message}`);
  }
  const cpu = process.cpuUsage(cpuStart);
  wall.sort((a, b) => a - b);
  const at = (q: number): number => Number((wall[Math.min(wall.length - 1, Math.floor(q * wall.length))] ?? 0).toFixed(3));
  return { bytes: text.length, runs, wall_ms_p50: at(0.5), wall_ms_p95: at(0.95), cpu_ms_mean: Number(((cpu.user + cpu.system) / 1000 / runs).toFixed(3)) };
}

const example = readFileSync(new URL('../../desired-state/subnet.yaml', import.meta.url), 'utf8');
console.log(
  JSON.stringify({
    benchmark: 'parseDesiredState',
    example: measure(example, 200),
    challenges_50: measure(manyChallenges(50), 100),
    challenges_200: measure(manyChallenges(200), 30),
  }),
);
