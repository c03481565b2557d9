/**
 * The deployed handler modules, loaded together. The invoker imports this module only after it has set
 * the handler environment, because each handler validates its environment when its module loads.
 */

export { handler as end } from '../../lambdas/end/handler';
export { handler as failedBatches } from '../../lambdas/failed-batches/handler';
export { handler as liveMetrics } from '../../lambdas/live-metrics/handler';
export { handler as match } from '../../lambdas/match/handler';
export { handler as redrive } from '../../lambdas/redrive/handler';
export { handler as start } from '../../lambdas/start/handler';
