/** Values a CLI finds in a deployed stack's outputs (`--stack`), so nobody copies queue URLs or stream names by hand. */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The outputs `keys` of `stackName`; a missing stack or output is an error naming it (and `expected`, the stack it should be). */
export async function stackOutputs<Key extends string>(
  cloudFormation: CloudFormationClient,
  stackName: string,
  keys: readonly Key[],
  expected: string,
): Promise<Record<Key, string>> {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = response.Stacks?.[0];
  if (stack === undefined) throw new Error(`stack ${stackName} not found`);
  const values = {} as Record<Key, string>;
  for (const key of keys) {
    const value = stack.Outputs?.find((candidate) => candidate.OutputKey === key)?.OutputValue;
    if (value === undefined || value === '') throw new Error(`stack ${stackName} has no output ${key}; is it ${expected}?`);
    values[key] = value;
  }
  return values;
}
