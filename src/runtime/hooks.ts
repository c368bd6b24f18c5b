// Hooks run by the runtime itself (prestart, createRuntime, poststart, poststop): the OCI
// state on standard input, a timeout, and an error that names the hook and how it failed.
import { CorralError } from '../util/errors.js';
import type { Hook } from './spec/types.js';
import { childProcess } from '../util/lazy-builtin.js';

export async function runHook(kind: string, hook: Hook, state: object): Promise<void> {
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  const child = childProcess().spawn(hook.path, args.slice(1), {
    argv0: args[0],
    env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.stdin?.on('error', () => {});
  child.stdin?.end(JSON.stringify(state));
  const timer = hook.timeout ? setTimeout(() => child.kill('SIGKILL'), hook.timeout * 1000) : undefined;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  if (timer) clearTimeout(timer);
  if (result.error) {
    throw new CorralError('HOOK', `${kind} hook ${hook.path} could not run: ${result.error.message}`);
  }
  if (result.code !== 0) {
    const how = result.signal === 'SIGKILL' && hook.timeout ? `timed out after ${hook.timeout}s` : result.signal ? `was killed by ${result.signal}` : `exited with status ${result.code}`;
    throw new CorralError('HOOK', `${kind} hook ${hook.path} ${how}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
}

export async function runHooks(kind: string, hooks: readonly Hook[] | undefined, state: object): Promise<void> {
  for (const hook of hooks ?? []) await runHook(kind, hook, state);
}

/** Poststart/poststop failures must not stop the lifecycle: report and go on (runtime-spec). */
export async function runHooksWarn(kind: string, hooks: readonly Hook[] | undefined, state: object, warn: (msg: string) => void): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await runHook(kind, hook, state);
    } catch (err) {
      warn((err as Error).message);
    }
  }
}
