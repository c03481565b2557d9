/**
 * The pipeline's functions as the run's mappings invoke them: the deployed handler modules, loaded after the
 * handler environment is set (as the CDK stack sets it on AWS), under the names the stacks give them. From the
 * TypeScript sources by default; from the bundles of a synthesized cloud assembly when TRIPSTREAM_HANDLER_BUNDLES
 * names one (the end-to-end tests do), so the run executes the files a deploy uploads.
 */

import type { HandlerName } from '../../domain/envelopes';
import type { PipelineSettings } from '../../lib/config';
import { handlerEnvironment, liveMetricsEnvironment } from '../../lib/handler-environment';
import { type InvocationFaults, type LambdaHandler, type LocalFunction, LocalInvoker } from '../event-source-mapping/invoker';
import { HANDLER_BUNDLES_VARIABLE, handlerBundlesOf, loadBundledHandler } from './handler-bundles';
import type { LocalResources } from './resources';

export type TripHandlerName = Extract<HandlerName, 'start' | 'end' | 'match' | 'redrive' | 'failed-batches' | 'live-metrics'>;

export function functionName(settings: PipelineSettings, handler: TripHandlerName): string {
  return `${settings.prefix}-${handler}`;
}

/**
 * The log level replaces the deployed one: a handler's per-record INFO lines would drown the run's own
 * output.
 */
export async function loadPipelineFunctions(
  settings: PipelineSettings,
  resources: LocalResources,
  faults: InvocationFaults,
  logLevel: PipelineSettings['handlers']['logLevel'],
  log: (line: string) => void = () => undefined,
): Promise<LocalInvoker> {
  Object.assign(
    process.env,
    handlerEnvironment(settings, {
      tripsTableName: resources.tripsTable.name,
      retryQueueUrl: resources.retryQueue.url,
      deadLetterQueueUrl: resources.deadLetterQueue.url,
      dataBucketName: resources.dataBucket,
    }),
    liveMetricsEnvironment(settings, { metricsTableName: resources.metricsTable.name }),
    { POWERTOOLS_LOG_LEVEL: logLevel },
  );
  const assembly = process.env[HANDLER_BUNDLES_VARIABLE];
  const handlers = assembly === undefined || assembly === '' ? await sourceHandlers() : await bundledHandlers(assembly, log);
  const functions = Object.fromEntries(
    Object.entries(handlers).map(([name, handler]): [string, LocalFunction] => [
      name,
      {
        handler,
        functionName: functionName(settings, name as TripHandlerName),
        timeoutSeconds: settings.handlers.timeoutSeconds,
        memorySizeMb: settings.handlers.memorySizeMb,
      },
    ]),
  );
  return new LocalInvoker(functions, faults);
}

async function sourceHandlers(): Promise<Record<TripHandlerName, LambdaHandler>> {
  const modules = await import('./handlers.js');
  return {
    start: modules.start,
    end: modules.end,
    match: modules.match,
    redrive: modules.redrive,
    'failed-batches': modules.failedBatches,
    'live-metrics': modules.liveMetrics,
  };
}

const TRIP_HANDLERS: readonly TripHandlerName[] = ['start', 'end', 'match', 'redrive', 'failed-batches', 'live-metrics'];

/** Each handler's bundle: the assembly's one function named `<prefix>-<handler>`, whatever its environment's prefix. */
async function bundledHandlers(assemblyDir: string, log: (line: string) => void): Promise<Record<TripHandlerName, LambdaHandler>> {
  const bundles = [...(await handlerBundlesOf(assemblyDir)).values()];
  const loaded = TRIP_HANDLERS.map((handler): [TripHandlerName, LambdaHandler] => {
    const matching = bundles.filter((bundle) => bundle.functionName.endsWith(`-${handler}`));
    const [bundle] = matching;
    if (bundle === undefined || matching.length > 1) {
      throw new Error(
        `${HANDLER_BUNDLES_VARIABLE}: expected one function named <prefix>-${handler} in ${assemblyDir}, found ${matching.length}`,
      );
    }
    log(`handler ${handler}: ${bundle.file} (bundle of ${bundle.functionName})`);
    return [handler, loadBundledHandler(bundle)];
  });
  return Object.fromEntries(loaded) as Record<TripHandlerName, LambdaHandler>;
}
