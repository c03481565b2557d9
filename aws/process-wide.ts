/**
 * State that must be one per process even when its module is loaded more than once. The local runtime can run
 * the handlers from their synthesized bundles (docs/local-runtime.md), and each bundle carries its own copy of
 * every module it imports; the run still counts all requests, hooks all handler clients and observes all
 * outcomes in one place. The state hangs on `globalThis` under a registered symbol, which every copy finds.
 * On Lambda one bundle runs per process, so there it is the module's own state.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`tripstream.${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  holder[key] ??= create();
  return holder[key];
}
