/**
 * vitest side of the coturn helper: `describeCoturn` skips (with the reason) when `turnserver` is
 * missing, except on CI (`CI` set: `.ci/run` installs coturn), where a failing test reports it.
 */
import { describe, it } from 'vitest';
import { coturnUnavailableReason } from './coturn.ts';

export { startCoturn, type Coturn } from './coturn.ts';
/**
 * `describe` for tests that need coturn: skipped (the reason in the title) when `turnserver` is
 * missing, except on CI (`CI` set), where a failing test reports it instead.
 */
export function describeCoturn(name: string, body: () => void): void {
  const reason = coturnUnavailableReason();
  if (reason === undefined) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      it('has coturn (required on CI)', () => {
        throw new Error(reason);
      });
    });
  } else describe.skip(`${name} (skipped: ${reason})`, body);
}
