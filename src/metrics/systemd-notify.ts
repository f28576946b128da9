// sd_notify without a native addon. The protocol is one datagram on the AF_UNIX socket named by NOTIFY_SOCKET;
// Node's dgram speaks only UDP and its net module only streams, so botd spawns systemd-notify(1), which ships
// with systemd itself (wherever NOTIFY_SOCKET exists, it does). The message then comes from that child, not from
// botd's pid: the unit says NotifyAccess=all (bot children cannot use it: they run in their own mount view
// without the socket, with no process spawning and no addons). systemd-notify waits until systemd has processed
// the message (its BARRIER=1 handshake), so a short-lived sender is never mistaken for a stranger.
//
// Cost: one spawn per message. READY and STOPPING once; WATCHDOG with STATUS every WatchdogSec/2 (15 s).
import { spawn } from 'node:child_process';

export type NotifyFields = Record<string, string>;

export interface SystemdNotifier {
  /** Sends the fields as one message; resolves true when systemd-notify reported success. Never throws. */
  send(fields: NotifyFields): Promise<boolean>;
}

const sendTimeoutMs = 10_000;

/** Undefined when botd does not run under a Type=notify unit (no NOTIFY_SOCKET). */
export function systemdNotifier(env: NodeJS.ProcessEnv = process.env, command = 'systemd-notify'): SystemdNotifier | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  // Only what systemd-notify needs: botd's own environment may hold BOTCTL_MASTER_KEY.
  const childEnv = { NOTIFY_SOCKET: socket, PATH: env.PATH ?? '/usr/bin:/bin' };
  let previous: Promise<boolean> = Promise.resolve(true);
  const sendOne = (fields: NotifyFields) =>
    new Promise<boolean>((resolve) => {
      const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}`);
      const child = spawn(command, args, { env: childEnv, stdio: 'ignore', timeout: sendTimeoutMs });
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
    });
  return {
    // One at a time, in order: READY must not overtake nothing, STOPPING must come last.
    send(fields) {
      previous = previous.then(() => sendOne(fields));
      return previous;
    },
  };
}

/** WatchdogSec= as systemd passes it (WATCHDOG_USEC, for this pid): the ping interval is half of it. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 1000 / 2));
}
