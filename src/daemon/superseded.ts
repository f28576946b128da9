// Overload's rule, the freshest slot wins: a slot is superseded, and never starts, once its subscription's next
// slot is near. The dispatcher applies it to queued jobs, and the runner once more just before the claim: the
// runner's own awaits (reading the subscription, resolving and bundling its code) come after the dispatcher's
// check, and under overload they let a run start 60.9 s after its 1-minute slot.
//
// "Near" is within `startMarginMs`: after the runner's check, botd's work up to the spawn is synchronous (the
// claim's commit, the start message, the spawn itself), which is milliseconds normally and may be hundreds under
// overload (an fsync'ed commit behind a thousand others). A second's margin keeps the start inside the period.
export const supersededReason = 'superseded by a newer slot';

export const startMarginMs = 1_000;

/** Whether a run of the slot before `nextSlot` may no longer start at `now`. */
export function superseded(nextSlot: string | undefined, now = Date.now()): boolean {
  return nextSlot !== undefined && now + startMarginMs >= Date.parse(nextSlot);
}
