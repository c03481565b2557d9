/**
 * The metrics-api handler answers the live metrics API's requests.
 *
 * API Gateway (REST, IAM-authorised) -> the metrics API of docs/contracts.md §6b. Thin: the route comes from the
 * resource and path parameters API Gateway matched, and domain/metrics-api.ts does the rest.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MetricsTable } from '../../aws/metrics-table';
import { answerMetricsRequest, type MetricsRoute } from '../../domain/metrics-api';
import { liveMetricsEnvSchema, readEnvironment } from '../../lib/handler-environment';
import { createDocumentClient } from '../common/clients/dynamodb';
import { instrumented, logger } from '../common/observability';

const environment = readEnvironment(liveMetricsEnvSchema);
const table = new MetricsTable(createDocumentClient(), environment.METRICS_TABLE_NAME, {
  windowDays: environment.METRICS_WINDOW_RETENTION_DAYS,
});

function routeOf(event: APIGatewayProxyEvent): MetricsRoute {
  if (event.httpMethod !== 'GET') return { kind: 'unknown', path: `${event.httpMethod} ${event.path}` };
  if (event.resource === '/metrics/open') return { kind: 'open' };
  const entity = event.pathParameters?.entity;
  const id = event.pathParameters?.id;
  if (event.resource === '/metrics/{entity}/{id}' && entity !== undefined && id !== undefined) return { kind: 'windows', entity, id };
  return { kind: 'unknown', path: event.path };
}

export const handler = instrumented('metrics-api', async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const response = await answerMetricsRequest(routeOf(event), event.queryStringParameters ?? {}, table);
  if (response.statusCode >= 400)
    logger.info('Metrics request refused', { status: response.statusCode, path: event.path, body: response.body });
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(response.body),
  };
});
