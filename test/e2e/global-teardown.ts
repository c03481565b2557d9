import { rmSync } from 'node:fs';
import { OWN_ASSEMBLY_VARIABLE } from './global-setup';

/** Removes the cloud assembly the global setup synthesized (not one it was given). */
export default function removeHandlerBundles(): void {
  const outdir = process.env[OWN_ASSEMBLY_VARIABLE];
  if (outdir !== undefined && outdir !== '') rmSync(outdir, { recursive: true, force: true });
}
