/**
 * Which local files some process holds open for writing, where the system
 * tells: on Linux, each link in /proc/<pid>/fd names an open file and
 * /proc/<pid>/fdinfo/<fd> holds its open flags. Elsewhere, or where /proc
 * cannot be read, nothing is reported and the settle time alone decides.
 * Only the processes we may inspect are seen (as a rule, the same user's).
 *
 * The cost is one readlink per open descriptor on the machine, so callers ask
 * for many files at once, and only about files that otherwise look settled.
 */
import fs from 'node:fs/promises';

/** O_ACCMODE bits: O_WRONLY is 1, O_RDWR is 2. */
const ACCESS_MODE = 0o3;

/** The subset of `files` (absolute paths) that some other process has open for writing. */
export async function openForWriting(files: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (process.platform !== 'linux' || files.length === 0) return found;
  // /proc names the file by its real path: map that back to the path asked about.
  const byRealPath = new Map<string, string>();
  for (const f of files) byRealPath.set(await fs.realpath(f).catch(() => f), f);
  let pids: string[];
  try {
    pids = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return found;
  }
  for (const pid of pids) {
    // Another user's process (EACCES) or one that just ended (ENOENT) shows nothing.
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    await Promise.all(
      fds.map(async (fd) => {
        const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
        const asked = target === undefined ? undefined : byRealPath.get(target);
        if (asked === undefined) return;
        const info = await fs.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
        const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
        if (flags !== undefined && (Number.parseInt(flags, 8) & ACCESS_MODE) !== 0) found.add(asked);
      }),
    );
  }
  return found;
}
