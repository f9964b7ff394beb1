/* eslint-disable jest/valid-describe-callback, jest/valid-title -- a thin wrapper around describe, called by suites */
/**
 * The e2e suites need services that `scripts/test.sh` provides (PostgreSQL, Chromium, a built app, clusters).
 * A plain `yarn test` on a laptop has none of them, so the suites skip there and say why in their name.
 */
export function e2eEnabled(): boolean {
  return process.env.DELIVERY_E2E === '1';
}

/** `describe` when the e2e services are up; otherwise a skipped suite whose name says how to run it. */
export function describeE2e(name: string, suite: () => void): void {
  if (e2eEnabled()) {
    describe(name, suite);
  } else {
    // eslint-disable-next-line jest/no-disabled-tests
    describe.skip(`${name} (skipped: run scripts/test.sh, which sets DELIVERY_E2E=1 and starts the services)`, suite);
  }
}

/** Fails loudly when a service the e2e run promised is missing, instead of silently skipping. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; scripts/test.sh sets it before running the e2e suites`);
  return value;
}
