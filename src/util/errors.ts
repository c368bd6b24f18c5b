// Typed errors: every expected failure carries a stable code and, where we know one, a hint
// that tells the user what to do. The CLI prints message + hint, never a stack trace.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'EXISTS'
  | 'BAD_STATE'
  | 'INVALID_SPEC'
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'HELPER'
  | 'HOOK'
  | 'CGROUP'
  | 'NOT_SUPPORTED'
  | 'PERMISSION'
  | 'INTERNAL';

export class CorralError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  override readonly cause: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'CorralError';
    this.code = code;
    this.hint = opts.hint;
    this.cause = opts.cause;
  }
}

/** When cleanup fails after an original failure, keep both side by side. */
export class CleanupError extends CorralError {
  readonly original: unknown;
  readonly cleanup: unknown;

  constructor(original: unknown, cleanup: unknown) {
    const o = original instanceof Error ? original.message : String(original);
    const c = cleanup instanceof Error ? cleanup.message : String(cleanup);
    const code = original instanceof CorralError ? original.code : 'INTERNAL';
    super(code, `${o}\n  and cleaning up afterwards also failed: ${c}`, {
      hint: original instanceof CorralError ? original.hint : undefined,
    });
    this.original = original;
    this.cleanup = cleanup;
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
