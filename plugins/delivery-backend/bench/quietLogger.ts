/* eslint-disable no-console */
import type { LoggerService } from '@backstage/backend-plugin-api';

/** The benches' logger: errors only, so their Markdown output stays readable. */
export const quietLogger: LoggerService = {
  error: m => console.error(m),
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => quietLogger,
};
