import type { Migration } from 'kysely';
import * as initial from './2026-11-23T00-initial.js';
import * as subscriptionNames from './2026-11-23T01-subscription-names.js';
import * as paperAccountState from './2026-11-24T00-paper-account-state.js';
import * as notifyChannels from './2026-11-29T10-notify-channels.js';
import * as fleetNodes from './2026-11-30T00-fleet-nodes.js';

// Static list rather than FileMigrationProvider: no directory scan or dynamic import on every CLI start.
// Keys sort in the order migrations must run.
export const migrations: Record<string, Migration> = {
  '2026-11-23T00-initial': initial,
  '2026-11-23T01-subscription-names': subscriptionNames,
  '2026-11-24T00-paper-account-state': paperAccountState,
  '2026-11-29T10-notify-channels': notifyChannels,
  '2026-11-30T00-fleet-nodes': fleetNodes,
};
