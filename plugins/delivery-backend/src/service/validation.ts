import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * Parses untrusted input with a zod schema and turns failures into an InputError (HTTP 400) that names every
 * offending field and what was expected, so a caller can fix the request without reading our code.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(issue => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return `${where}.${path}: ${issue.message}`;
  });
  throw new InputError(`Invalid request: ${problems.join('; ')}`);
}
