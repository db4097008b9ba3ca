import type { z } from 'zod';

/** One field that broke one rule, as every 4xx names it. */
export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
  /** for a rejected file (a roster import): the 1-based row the problem is on */
  row?: number;
}

/** The problems of a failed zod parse; a custom check names its rule in params.rule. */
export function fieldProblems(error: z.ZodError, root = 'body'): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    // a field the schema does not know is named itself, so a misplaced one is easy to find
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [root, ...issue.path.map(String), key].join('.'), rule: 'unknown_field', message: `${key} is not a field here` }));
    }
    const custom = issue.code === 'custom' ? (issue.params as { rule?: unknown } | undefined)?.rule : undefined;
    return {
      field: [root, ...issue.path.map(String)].join('.'),
      rule: typeof custom === 'string' ? custom : issue.code,
      message: issue.message,
    };
  });
}

