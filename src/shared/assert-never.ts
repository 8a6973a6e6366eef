/**
 * The one exhaustiveness guard: the `default` of a `switch` over a tagged union calls it, so that a new
 * union member is a type error there, and a value from outside the union (a broken invariant) throws.
 */

/** Throws only when a caller broke an invariant (exhaustive switches); `what` names the union in the message. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what} ${JSON.stringify(value)}`);
}
