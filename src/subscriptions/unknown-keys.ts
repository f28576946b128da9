// Keys the operator wrote that the bot's schema dropped: zod's plain objects strip unknown keys silently,
// so a misspelt `levrage` would otherwise vanish and the bot would run on its default. Compares the input
// with the parsed config, object by object, and names each dropped key by its path.
export interface DroppedKey {
  path: string;
  value: unknown;
}

export function droppedKeys(input: unknown, parsed: unknown, path = 'config'): DroppedKey[] {
  if (!isPlainObject(input) || !isPlainObject(parsed)) {
    if (Array.isArray(input) && Array.isArray(parsed) && input.length === parsed.length) {
      return input.flatMap((item, i) => droppedKeys(item, parsed[i], `${path}[${i}]`));
    }
    return [];
  }
  return Object.keys(input).flatMap((key) =>
    key in parsed ? droppedKeys(input[key], parsed[key], `${path}.${key}`) : [{ path: `${path}.${key}`, value: input[key] }],
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
