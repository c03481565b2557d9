/**
 * The clean-up step: whatever the run started, stopped in order whether it succeeded or failed: observers,
 * mappings, the handler hooks, clients, emulators, and the live server unless a finished run handed it on.
 */
import type { Emulators } from './emulators';
import type { HandlerHooks } from './handler-hooks';
import type { LiveServer } from './live-server';
import type { RunClients } from './run-clients';

export class RunCleanUp {
  readonly observers: (() => void)[] = [];
  readonly mappings: { stop(): Promise<void> }[] = [];
  emulators: Emulators | undefined;
  clients: RunClients | undefined;
  live: LiveServer | undefined;

  constructor(readonly hooks: HandlerHooks) {}

  /** Stops the mappings started so far (the run goes on reading the results). */
  async stopMappings(): Promise<void> {
    await Promise.all(this.mappings.splice(0).map((mapping) => mapping.stop()));
  }

  /** The live server, no longer closed here: the caller serves it on and closes it. */
  handOverLive(): LiveServer | undefined {
    const serving = this.live;
    this.live = undefined;
    return serving;
  }

  async run(): Promise<void> {
    for (const stop of this.observers) stop();
    for (const mapping of this.mappings) await mapping.stop().catch(() => undefined);
    this.hooks.remove();
    this.clients?.destroy();
    await this.emulators?.stop();
    // Closed here only when the run failed; a finished run hands its server to the caller.
    await this.live?.close();
  }
}
