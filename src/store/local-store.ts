import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  sidecarSuffix,
  storeFailure,
  temporaryMarker,
  validateKey,
  type ListedObject,
  type ObjectHead,
  type ObjectMetadata,
  type ObjectStore,
  type StoredObject,
} from './object-store.js';

// The object store when no S3 is configured: a folder in the home with the same key layout,
// each object's metadata beside it in `<key>.meta.json`. Longer than 80 lines: the ObjectStore's methods as one
// object literal over `root`, each of them short.
export function localStore(root: string): ObjectStore {
  const where = `folder ${root}`;
  const pathOf = (key: string) => join(root, ...validateKey(key).split('/'));

  async function put(key: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<'created' | 'exists'> {
    const path = pathOf(key);
    const suffix = `${temporaryMarker}${process.pid}-${randomBytes(6).toString('hex')}`;
    const dataTemp = `${path}${suffix}`;
    const metaTemp = `${path}${sidecarSuffix}${suffix}`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      if (await exists(path)) return 'exists';
      await writeDurably(dataTemp, bytes);
      await writeDurably(metaTemp, Buffer.from(JSON.stringify(metadata)));
      // link() is the create-if-absent of a complete file: O_EXCL on the final name would expose a half-written
      // object to readers, and rename() would silently replace one that a concurrent writer just created.
      try {
        await link(dataTemp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw error;
      }
      // Between these two steps a reader sees the object without metadata; get() and head() report {} then.
      await rename(metaTemp, `${path}${sidecarSuffix}`);
      return 'created';
    } catch (error) {
      throw storeFailure(where, `put ${key}`, error);
    } finally {
      await Promise.all([removeIfPresent(dataTemp), removeIfPresent(metaTemp)]);
    }
  }

  async function get(key: string): Promise<StoredObject | undefined> {
    const path = pathOf(key);
    try {
      const bytes = await readFile(path);
      return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), metadata: await readMetadata(path) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeFailure(where, `get ${key}`, error);
    }
  }

  async function head(key: string): Promise<ObjectHead | undefined> {
    const path = pathOf(key);
    try {
      const info = await stat(path);
      return { size: info.size, metadata: await readMetadata(path), modified: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeFailure(where, `head ${key}`, error);
    }
  }

  async function* list(prefix: string): AsyncIterable<ListedObject> {
    // Walk only the deepest folder the prefix names, then filter by the rest of it, as S3 does.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folder) validateKey(folder);
    const found: ListedObject[] = [];
    try {
      await walk(join(root, ...folder.split('/').filter(Boolean)), found, prefix);
    } catch (error) {
      throw storeFailure(where, `list ${prefix}`, error);
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async function walk(dir: string, found: ListedObject[], prefix: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, found, prefix);
      else if (entry.isFile() && !entry.name.endsWith(sidecarSuffix) && !entry.name.includes(temporaryMarker)) {
        const key = relative(root, path).split(sep).join('/');
        if (!key.startsWith(prefix)) continue;
        const info = await stat(path);
        found.push({ key, size: info.size, modified: info.mtime });
      }
    }
  }

  async function remove(key: string): Promise<void> {
    const path = pathOf(key);
    try {
      await removeIfPresent(path);
      await removeIfPresent(`${path}${sidecarSuffix}`);
    } catch (error) {
      throw storeFailure(where, `delete ${key}`, error);
    }
  }

  return { describe: () => where, put, get, head, list, delete: remove, close: () => undefined };
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(bytes);
    // The database row that names this object is committed after put() returns: the bytes must be on disk first.
    await file.sync();
  } finally {
    await file.close();
  }
}

async function readMetadata(path: string): Promise<ObjectMetadata> {
  try {
    const parsed = JSON.parse(await readFile(`${path}${sidecarSuffix}`, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch (error) {
    if (isMissing(error)) return {};
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
