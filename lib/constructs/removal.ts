import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * The removal policy of everything an environment with `retainData` keeps: retained on update and delete
 * (CloudFormation's RetainExceptOnCreate), but deleted when the first create of its stack rolls back, so a
 * failed first deploy leaves no named leftover (log group, table, queue) that makes the retry fail with
 * "already exists". Plain Retain would keep them. Without `retainData`, destroyed.
 */
export function removalPolicy(retainData: boolean): RemovalPolicy {
  return retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
}
