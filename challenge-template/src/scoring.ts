import { createHash } from 'node:crypto';

/**
 * The example task: add up a list of numbers derived from the slug. Replace it with your challenge's real work;
 * keep scoring deterministic (the same answer always gets the same score) so validators agree.
 */
export interface Task {
  task_id: string;
  prompt: string;
  numbers: number[];
}

export function taskFor(slug: string): Task {
  const digest = createHash('sha256').update(`task:${slug}`).digest();
  const numbers = Array.from({ length: 5 }, (_, i) => digest.readUInt16BE(i * 2) % 1000);
  return { task_id: digest.toString('hex').slice(0, 16), prompt: 'Submit the sum of these numbers as `answer`.', numbers };
}

export function expectedAnswer(task: Task): number {
  return task.numbers.reduce((sum, n) => sum + n, 0);
}

/** 1 for the exact answer, falling towards 0 with the distance from it: 1 / (1 + |answer - expected|). */
export function scoreAnswer(task: Task, answer: number): number {
  return 1 / (1 + Math.abs(answer - expectedAnswer(task)));
}
