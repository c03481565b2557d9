/**
 * One of the handlers' SDK clients, built the project's one way (aws/clients.ts): emulator endpoints when
 * configured, every request counted, the request hooks registered for handler clients applied (none on
 * AWS). One module per client, so a handler bundles only the clients it imports; handlers create them once,
 * at module scope.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientOptions, withRequestCounting } from '../../../aws/clients';

export function createDocumentClient(): DynamoDBDocumentClient {
  // Default marshalling: optional event fields are null, stored as DynamoDB NULL, so every item has every
  // attribute and the staged record can be read back field by field. An undefined value fails the write
  // rather than silently dropping its attribute.
  return DynamoDBDocumentClient.from(withRequestCounting(new DynamoDBClient({ ...clientOptions('dynamodb') }), 'handler'));
}
