/**
 * Stands in for `@actions/exec` in the bundle and in the sources (tsconfig `paths`): commands run
 * only when target mode is asked to start services, so the real module (with `@actions/io`) is a
 * separate chunk of the bundle, loaded by the first command rather than compiled at every start.
 * Same functions, same types.
 */
import type * as Real from '../../../node_modules/@actions/exec/lib/exec.js';

type RealModule = typeof Real;

export type {
  ExecListeners,
  ExecOptions,
  ExecOutput,
} from '../../../node_modules/@actions/exec/lib/interfaces.js';

// A relative path, not the package name: the name resolves to this file.
const load = (): Promise<RealModule> => import('../../../node_modules/@actions/exec/lib/exec.js');

export const exec: RealModule['exec'] = async (...args) => (await load()).exec(...args);

export const getExecOutput: RealModule['getExecOutput'] = async (...args) =>
  (await load()).getExecOutput(...args);
