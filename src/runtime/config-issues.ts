// Turns zod issues into messages that name the field path, what was expected and what arrived.

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  expected?: unknown;
  values?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  origin?: string;
}

export function configIssues(issues: readonly Issue[], input: unknown): string[] {
  return issues.map((issue) => {
    const path = ['config', ...issue.path.map(String)].join('.');
    const arrived = valueAt(input, issue.path);
    // A refinement's message is the bot author's own sentence: print it as written, not after "expected".
    if (issue.code === 'custom') return `  ${path}: ${issue.message}, got ${render(arrived)}`;
    const expected = expectation(issue);
    return `  ${path}: expected ${expected}, got ${render(arrived)}`;
  });
}

function expectation(issue: Issue): string {
  if (issue.code === 'invalid_type' && issue.expected !== undefined) return String(issue.expected);
  if (issue.code === 'invalid_value' && issue.values) return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
  if (issue.code === 'too_big') return `${issue.origin ?? 'value'} ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}${unit}`;
  if (issue.code === 'too_small') return `${issue.origin ?? 'value'} ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}${unit}`;
  if (issue.code === 'unrecognized_keys') return `no such key (${issue.message.replace(/^Unrecognized keys?: /, '')})`;
  // zod's own wording for ranges, formats and custom refinements.
  return issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '').replace(/, received .*$/, '');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
