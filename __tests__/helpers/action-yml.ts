import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const REPO = resolve(import.meta.dirname, '..', '..');

export interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
}

export function readActionYml(): ActionYml {
  return parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as ActionYml;
}
