// What an unknown name was probably meant to be: the suggestions in "No bot named …" and the like.

/** Up to `max` of `names` close to `typed` (case-insensitive edit distance, or one contains the other). */
export function nearMatches(typed: string, names: readonly string[], max = 3): string[] {
  const want = typed.toLowerCase();
  const scored = names
    .map((name) => {
      const have = name.toLowerCase();
      const contains = have.includes(want) || want.includes(have);
      return { name, distance: contains ? 0 : editDistance(want, have) };
    })
    .filter((s) => s.distance <= Math.max(2, Math.floor(want.length / 4)))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
