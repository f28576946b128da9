import { createServer, type Server } from 'node:net';

/** n distinct TCP ports on 127.0.0.1 that were free a moment ago (each listened on, then closed). */
export async function freePorts(n: number): Promise<number[]> {
  // Held open together so the n ports differ.
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return addr !== null && typeof addr === 'object' ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports.filter((p) => p > 0);
}

/** An http://127.0.0.1 endpoint on a port that was free a moment ago: connections to it are refused. */
export async function unreachableEndpoint(): Promise<string> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port');
  return `http://127.0.0.1:${port}`;
}
