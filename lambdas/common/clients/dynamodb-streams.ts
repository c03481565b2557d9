/**
 * One of the handlers' SDK clients, built the project's one way (lib/aws/clients.ts): emulator endpoints when
 * configured, every request counted, the request hooks registered for handler clients applied (none on
 * AWS). One module per client, so a handler bundles only the clients it imports; handlers create them once,
 * at module scope.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { clientOptions, withRequestCounting } from '../../../lib/aws/clients';

export function createDynamoDbStreamsClient(): DynamoDBStreamsClient {
  return withRequestCounting(new DynamoDBStreamsClient({ ...clientOptions('dynamodb_streams') }));
}
