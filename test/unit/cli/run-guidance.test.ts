import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsSetupHint } from '../../../bin/cli';
import { userDirectory } from '../../../bin/user-directory';
import { checkRunOutcome, failureOf } from '../../../local/run/run-outcome';

describe('where relative paths resolve', () => {
  it.each([
    ['npm run local, typed in a subfolder', { INIT_CWD: '/repo/docs', npm_lifecycle_event: 'local' }, '/repo/docs'],
    ['npx tripstream', { INIT_CWD: '/home/me/data', npm_lifecycle_event: 'npx' }, '/home/me/data'],
    ['an INIT_CWD inherited from npm test', { INIT_CWD: '/elsewhere', npm_lifecycle_event: 'test' }, '/repo'],
    ['no npm at all', {}, '/repo'],
  ])('%s', (_name, env, expected) => {
    // Act
    const directory = userDirectory(env, '/repo');

    // Assess
    expect(directory).toBe(expected);
  });
});

describe('the AWS setup hint', () => {
  it('points at the region and at what works without AWS when the SDK finds no region or credentials', () => {
    // Prepare
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

    // Act
    const hints = [awsSetupHint(new Error('Region is missing')), awsSetupHint(noCredentials), awsSetupHint(new Error('Stack not found'))];

    // Assess
    expect(hints[0]).toMatch(/no AWS region: .*AWS_REGION.*--local.*--dry-run.*npm run local/);
    expect(hints[1]).toMatch(/no AWS credentials/);
    expect(hints[2]).toBe('');
  });
});

describe('a run’s outcome', () => {
  it('tells a failed run from a finished one, older summaries by their ledger', () => {
    // Assess
    expect(failureOf({ outcome: { status: 'succeeded' } })).toBeUndefined();
    expect(failureOf({ outcome: { status: 'failed', reason: 'not drained' } })).toBe('not drained');
    expect(failureOf({ ledger: { balanced: false } })).toBe('its ledger does not balance');
  });

  it('refuses a failed run unless told to read it anyway, and then warns', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tripstream-outcome-'));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ outcome: { status: 'failed', reason: 'the ledger does not balance' } }));
    const warnings: string[] = [];

    // Act
    const refused = () => checkRunOutcome(dir, false, (line) => warnings.push(line));
    checkRunOutcome(dir, true, (line) => warnings.push(line));

    // Assess
    expect(refused).toThrow(/summary of a failed run \(the ledger does not balance\).*--read-failed-run/);
    expect(warnings).toEqual([expect.stringMatching(/^warning: .*failed run/)]);
  });
});
