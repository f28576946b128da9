// `botd start --metrics HOST:PORT`: where /metrics and /healthz listen. Meant for 127.0.0.1 (or a private
// address a Prometheus on the same network scrapes); the port may be 0 to take any free one (logged).
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Throws an Error whose message names the option, what was expected and what arrived. */
export function parseListenAddress(text: string, option = '--metrics'): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !host || port > 65535 || (match[1] !== undefined && isIP(match[1]) !== 6)) {
    throw new Error(`Expected ${option} to be HOST:PORT such as 127.0.0.1:9464 (IPv6 as [::1]:9464), got ${JSON.stringify(text)}.`);
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
