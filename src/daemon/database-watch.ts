// botd holds its database open for months. If the file is deleted (rm botctl.db) or replaced (a restore by
// hand, a config tool), botd's handle still points at the old inode: it would either fail every write with
// "disk I/O error" or keep writing into a file nobody can read any more, while botctl writes into the new
// one. So botd watches the path's identity (device and inode) and, when it changes, stops with an error:
// systemd's Restart= brings it back on the file that is there now.
import { statSync } from 'node:fs';

/** Often enough that a CLI write lands in the new file for seconds at most; a stat costs microseconds. */
export const databaseWatchMs = 2_000;

export function watchDatabaseFile(file: string, onChanged: (why: string) => void, everyMs = databaseWatchMs): () => void {
  const first = statSync(file);
  const timer = setInterval(() => {
    let why: string | undefined;
    try {
      const now = statSync(file);
      if (now.ino !== first.ino || now.dev !== first.dev) why = `${file} was replaced by another file (inode ${first.ino} is now ${now.ino})`;
    } catch (error) {
      why = `${file} was deleted (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    if (why) {
      clearInterval(timer);
      onChanged(why);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
