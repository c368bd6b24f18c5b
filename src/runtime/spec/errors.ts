// The one error type of the spec layer: every problem found in a config is collected first,
// so a user fixes all of them in one go instead of one per run.
import type { SpecIssue } from './types.js';

export class SpecError extends Error {
  readonly code = 'INVALID_SPEC';
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[], what = 'invalid OCI spec') {
    super(`${what}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'SpecError';
    this.issues = issues;
  }
}
