/**
 * A generated value as the text a parser gets and what `JSON.parse` makes of it, or undefined when it
 * is not JSON at all (undefined itself: refused before any schema, tested with the garbage inputs).
 */
export function asJsonText(value: unknown): { text: string; parsed: unknown } | undefined {
  const text = JSON.stringify(value) ?? 'undefined';
  try {
    return { text, parsed: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
