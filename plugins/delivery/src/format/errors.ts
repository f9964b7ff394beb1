import { ResponseError } from '@backstage/errors';

/** One line for an inline error: the HTTP status and, when the backend sent one, its reason. */
export function describeError(error: Error): string {
  if (error instanceof ResponseError && error.cause?.message && !error.message.includes(error.cause.message)) {
    return `${error.message}: ${error.cause.message}`;
  }
  return error.message;
}
