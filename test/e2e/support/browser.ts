/**
 * The Chromium end-to-end harness for vitest: everything of chromium.ts plus `describeE2E`. When
 * Chromium is missing: on CI (`process.env.CI`) the suite FAILS (a test says why); elsewhere it is
 * skipped with the reason in its name. Use `describeE2E` instead of `describe`.
 */
import { describe, it } from 'vitest';
import { chromiumUnavailableReason } from './chromium.ts';

export * from './chromium.ts';

/**
 * `describe` for browser tests: skipped (with the reason in the title) when Chromium is missing,
 * except on CI where a failing test reports the missing browser instead.
 */
export function describeE2E(name: string, body: () => void): void {
  const reason = chromiumUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('has Chromium (required on CI)', () => {
        throw new Error(reason);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason})`, body);
  }
}
