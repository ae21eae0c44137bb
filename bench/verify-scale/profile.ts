// CPU profiles of the timed verifications of bench/verify-scale.ts (VERIFY_SCALE_PROFILE).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { promisify } from 'node:util';

/** `VERIFY_SCALE_PROFILE=<path prefix>`: a CPU profile of the verifications alone, per size. */
export async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  const post = promisify(session.post.bind(session)) as (method: string) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  return session;
}

export async function stopProfile(session: Session, path: string): Promise<void> {
  const { profile } = await new Promise<{ profile: object }>((resolve, reject) =>
    session.post('Profiler.stop', (error, result) =>
      error ? reject(error) : resolve(result as { profile: object }),
    ),
  );
  writeFileSync(path, JSON.stringify(profile));
  session.disconnect();
}
