/**
 * The pipeline's functions as the run's mappings invoke them: the deployed handler modules, loaded after the
 * handler environment is set (as the CDK stack sets it on AWS), under the names the stacks give them.
 */
import { handlerEnvironment, liveMetricsEnvironment } from '../../lib/handler-environment';
import type { PipelineSettings } from '../../lib/config';
import type { HandlerName } from '../../lib/domain/envelopes';
import { LocalInvoker, type InvocationFaults, type LambdaHandler, type LocalFunction } from '../event-source-mapping/invoker';
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
  const modules = await import('./handlers.js');
  const handlers: Record<TripHandlerName, LambdaHandler> = {
    start: modules.start,
    end: modules.end,
    match: modules.match,
    redrive: modules.redrive,
    'failed-batches': modules.failedBatches,
    'live-metrics': modules.liveMetrics,
  };
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
