/**
 * The end-to-end tests run the handlers as `cdk synth` ships them: the dev app is synthesized once, offline
 * (local esbuild, the construct's own bundling options), and every `tripstream local` the tests start loads its
 * handlers from that cloud assembly (TRIPSTREAM_HANDLER_BUNDLES, local/run/handler-bundles.ts). An assembly
 * already named in the variable is used as it is.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLER_BUNDLES_VARIABLE } from '../../local/run/handler-bundles';
import { synthesizeEnvironment } from '../infra/synth';

/** Set when this setup made the assembly, so the teardown removes only its own. */
export const OWN_ASSEMBLY_VARIABLE = 'TRIPSTREAM_E2E_OWN_ASSEMBLY';

export default function synthesizeHandlerBundles(): void {
  if ((process.env[HANDLER_BUNDLES_VARIABLE] ?? '') !== '') return;
  const outdir = mkdtempSync(join(tmpdir(), 'tripstream-e2e-assembly-'));
  const startedAt = Date.now();
  synthesizeEnvironment('dev', { bundle: true, outdir }).app.synth();
  process.env[HANDLER_BUNDLES_VARIABLE] = outdir;
  process.env[OWN_ASSEMBLY_VARIABLE] = outdir;
  process.stderr.write(
    `\nend-to-end tests: handler bundles of the dev app synthesized into ${outdir} (${((Date.now() - startedAt) / 1000).toFixed(1)}s)\n`,
  );
}
