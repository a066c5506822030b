/** "Did you mean ...?" for misspelt names: the closest candidate, only when it is clearly the one meant. */
export function closestName(found: string, candidates: readonly string[]): string | undefined {
  const lowered = found.toLowerCase();
  // An abbreviation ("prod", "dev") means the one candidate it starts.
  const extending = lowered.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(lowered) && c.toLowerCase() !== lowered) : [];
  if (extending.length === 1) return extending[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lowered ? 0 : editDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(found.length / 3)));
  return best !== undefined && !tie && bestDistance <= allowed ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment) distance: a swap of two neighbours counts as one edit. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}
