// Subscription names as `subscribe` makes them.

/** The default name's spelling of `text`: '/' and ':' become '-', anything outside names' alphabet '_'. */
export function sanitizedName(text: string): string {
  return text.replace(/[/:]/g, '-').slice(0, 60).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** `<bot>.<BASE>-<QUOTE>[-<SETTLE>]`: what `subscribe` names a subscription when not told. */
export function defaultSubscriptionName(botName: string, pair: string): string {
  return sanitizedName(`${botName}.${pair}`);
}
