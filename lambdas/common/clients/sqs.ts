/**
 * One of the handlers' SDK clients, built the project's one way (aws/clients.ts): emulator endpoints when
 * configured, every request counted, the request hooks registered for handler clients applied (none on
 * AWS). One module per client, so a handler bundles only the clients it imports; handlers create them once,
 * at module scope.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, withRequestCounting } from '../../../aws/clients';

export function createSqsClient(): SQSClient {
  return withRequestCounting(new SQSClient({ ...clientOptions('sqs') }), 'handler');
}
