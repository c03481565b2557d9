/** Stream names from the deployed data stack's outputs (`--stack`). */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { environments, STACK_OUTPUTS, stackNames } from '../lib/config';

export const DEFAULT_DATA_STACK = stackNames(environments.dev).data;

export async function streamNamesFromStack(cloudFormation: CloudFormationClient, stackName: string): Promise<{ startStream: string; endStream: string }> {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = response.Stacks?.[0];
  if (stack === undefined) throw new Error(`stack ${stackName} not found`);
  const output = (key: string): string => {
    const value = stack.Outputs?.find((candidate) => candidate.OutputKey === key)?.OutputValue;
    if (value === undefined || value === '') throw new Error(`stack ${stackName} has no output ${key}; is it the data stack?`);
    return value;
  };
  return { startStream: output(STACK_OUTPUTS.tripStartStreamName), endStream: output(STACK_OUTPUTS.tripEndStreamName) };
}
