import { InputError } from '../errors';
import type { InputName } from './inputs';

/** Parsers of single input values, each failing with a line that names the input. */

/** Splits a list input on commas and newlines, trims items and drops empty ones. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseChoice<T extends string>(
  name: InputName,
  raw: string,
  allowed: readonly T[],
): T {
  const lower = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(lower)) {
    throw new InputError(
      `Input '${name}' must be one of ${allowed.join(', ')}, got ${quote(raw)}.`,
    );
  }
  return lower as T;
}

export function parseWholeNumber(
  name: InputName,
  raw: string,
  { min, max }: { min: number; max: number },
): number {
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new InputError(
      `Input '${name}' must be a whole number from ${min} to ${max}, got ${quote(raw)}.`,
    );
  }
  return parsed;
}

/** The YAML 1.2 core-schema booleans that @actions/core's getBooleanInput accepts. */
export function parseBoolean(name: InputName, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(`Input '${name}' must be true or false, got ${quote(raw)}.`);
}

/** Quotes user text for an error line: bounded length, control characters made visible. */
export function quote(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/** Control characters (and, unless `allowSpace`, spaces): never valid in URLs, names or header values. */
export function hasControlCharacter(text: string, allowSpace = false): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f || (!allowSpace && code === 0x20);
  });
}

export function parseHttpUrl(name: InputName, raw: string): string {
  // The URL parser silently drops tabs and newlines: two URLs on two lines would become one.
  if (hasControlCharacter(raw)) {
    throw new InputError(
      `Input '${name}' must be one http:// or https:// URL, without spaces or control characters, got ${quote(raw)}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`Input '${name}' must be an http:// or https:// URL, got ${quote(raw)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`Input '${name}' must be an http:// or https:// URL, got ${quote(raw)}.`);
  }
  if (url.username !== '' || url.password !== '') {
    // Named without echoing the value: it holds a secret that would land in logs and outputs.
    throw new InputError(
      `Input '${name}' must not carry credentials (user:password@); send them with 'target-headers', e.g. Authorization.`,
    );
  }
  return url.toString();
}

/** Longest file path accepted: Linux's PATH_MAX is 4096 bytes. */
const MAX_PATH_CHARS = 1024;

/** A file to write (relative to the working directory, the workspace in a job); '' is none. */
export function parseFilePath(name: InputName, raw: string): string | undefined {
  const path = raw.trim();
  if (path === '') return undefined;
  if (hasControlCharacter(path, true) || path.endsWith('/') || path.length > MAX_PATH_CHARS) {
    throw new InputError(
      `Input '${name}' must be one file path (empty for none) of at most ${MAX_PATH_CHARS} characters, without control characters, got ${quote(raw)}.`,
    );
  }
  return path;
}
