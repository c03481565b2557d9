#!/usr/bin/env bash
# Read-only smoke check of a deployed tripstream environment, run by the deploy workflow right after
# `cdk deploy` (and usable by an operator with read access):
#   - every stack of the environment is in a *_COMPLETE state that is not a rollback;
#   - the trip-start and trip-end Kinesis streams named by the data stack's outputs are ACTIVE;
#   - the trips DynamoDB table named by the data stack's outputs is ACTIVE.
# It only calls describe-* APIs.
#
# Usage: .github/scripts/smoke-check.sh <environment>     (an environment of lib/config.ts, e.g. dev)
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: smoke-check.sh <environment>" >&2
  exit 2
fi

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# Stack names and output keys come from lib/config.ts, the source the CDK app builds them from.
# Line order: data stack, the three output keys, then every stack of the environment.
resolved=$(SMOKE_ENVIRONMENT="$1" node_modules/.bin/tsx -e '
  import { environments, isEnvironmentName, stackNames, STACK_OUTPUTS } from "./lib/config";
  const name = process.env.SMOKE_ENVIRONMENT ?? "";
  if (!isEnvironmentName(name)) {
    console.error(`unknown environment "${name}" (expected one of: ${Object.keys(environments).join(", ")})`);
    process.exit(2);
  }
  const stacks = stackNames(environments[name]);
  console.log([stacks.data, STACK_OUTPUTS.tripStartStreamName, STACK_OUTPUTS.tripEndStreamName,
    STACK_OUTPUTS.tripsTableName, ...Object.values(stacks)].join("\n"));
') || exit 2
mapfile -t lines <<<"$resolved"
data_stack=${lines[0]}
start_stream_key=${lines[1]}
end_stream_key=${lines[2]}
table_key=${lines[3]}
stacks=("${lines[@]:4}")

failures=0
pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*" >&2
  failures=$((failures + 1))
}

for stack in "${stacks[@]}"; do
  if ! status=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query 'Stacks[0].StackStatus' --output text 2>&1); then
    fail "stack $stack: $status"
    continue
  fi
  case $status in
    *ROLLBACK_COMPLETE) fail "stack $stack is $status" ;;
    *_COMPLETE) pass "stack $stack is $status" ;;
    *) fail "stack $stack is $status" ;;
  esac
done

data_output() {
  aws cloudformation describe-stacks --stack-name "$data_stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

check_status() {
  local kind=$1 name=$2 status=$3
  if [[ $status == ACTIVE ]]; then
    pass "$kind $name is ACTIVE"
  else
    fail "$kind $name is $status, expected ACTIVE"
  fi
}

for key in "$start_stream_key" "$end_stream_key"; do
  stream=$(data_output "$key" 2>&1) || { fail "output $key of $data_stack: $stream"; continue; }
  if [[ -z $stream || $stream == None ]]; then
    fail "stack $data_stack has no output $key"
    continue
  fi
  status=$(aws kinesis describe-stream-summary --stream-name "$stream" \
    --query 'StreamDescriptionSummary.StreamStatus' --output text 2>&1) || { fail "stream $stream: $status"; continue; }
  check_status stream "$stream" "$status"
done

if table=$(data_output "$table_key" 2>&1) && [[ -n $table && $table != None ]]; then
  if status=$(aws dynamodb describe-table --table-name "$table" --query 'Table.TableStatus' --output text 2>&1); then
    check_status table "$table" "$status"
  else
    fail "table $table: $status"
  fi
else
  fail "stack $data_stack has no usable output $table_key: $table"
fi

if ((failures > 0)); then
  echo "smoke check of $1 failed: $failures problem(s)" >&2
  exit 1
fi
echo "smoke check of $1 passed"
