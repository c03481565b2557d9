/**
 * Where the user stands, so relative paths mean what they typed: `npm run <tool>` runs its script in the
 * package's root whatever folder it was typed in, and tells the script that folder in INIT_CWD. Only our own
 * tools' scripts (and `npx`) are trusted with it: an INIT_CWD inherited from an outer `npm test` is not ours.
 */
const TOOL_SCRIPTS = new Set(['produce', 'local', 'generate', 'kpis', 'dlq', 'replay', 'cost', 'npx']);

export function userDirectory(env: NodeJS.ProcessEnv, cwd: string): string {
  const initCwd = env.INIT_CWD;
  const event = env.npm_lifecycle_event;
  return initCwd !== undefined && initCwd !== '' && event !== undefined && TOOL_SCRIPTS.has(event) ? initCwd : cwd;
}
