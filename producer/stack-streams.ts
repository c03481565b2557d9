/** Stream names from the deployed data stack's outputs (`--stack`). */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { stackOutputs } from '../aws/stack-outputs';
import { environments, STACK_OUTPUTS, stackNames } from '../lib/config';

export const DEFAULT_DATA_STACK = stackNames(environments.dev).data;

export async function streamNamesFromStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<{ startStream: string; endStream: string }> {
  const outputs = await stackOutputs(
    cloudFormation,
    stackName,
    [STACK_OUTPUTS.tripStartStreamName, STACK_OUTPUTS.tripEndStreamName],
    'the data stack',
  );
  return { startStream: outputs[STACK_OUTPUTS.tripStartStreamName], endStream: outputs[STACK_OUTPUTS.tripEndStreamName] };
}
