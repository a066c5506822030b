// A few example miners using the challenges through the master's public proxy, as real miners would:
// read each challenge's task, compute an answer, submit it. Answers differ on purpose, so the scores (and the
// sealed vector's shares) differ too. Usage: node miners.mjs http://127.0.0.1:18080 slug1 slug2 ...
const [origin, ...slugs] = process.argv.slice(2);
if (!origin || slugs.length === 0) {
  process.stderr.write('usage: node miners.mjs <master origin> <slug>...\n');
  process.exit(2);
}

// The development metagraph's hotkeys (uids 1, 2, 3) and how far off each one's answer is, per challenge index.
const miners = [
  { name: 'alice', hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', off: [0, 0] },
  { name: 'bob', hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', off: [1, 3] },
  { name: 'charlie', hotkey: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', off: [4, 0] },
];

async function call(method, path, body) {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

for (const [index, slug] of slugs.entries()) {
  const task = await call('GET', `/challenges/${slug}/task`);
  const right = task.numbers.reduce((sum, n) => sum + n, 0);
  for (const miner of miners) {
    const answer = right + (miner.off[index % miner.off.length] ?? 0);
    const result = await call('POST', `/challenges/${slug}/submissions`, { hotkey: miner.hotkey, answer });
    process.stdout.write(`  ${slug.padEnd(12)} ${miner.name.padEnd(8)} answer ${String(answer).padStart(5)} -> score ${result.score}\n`);
  }
}
