// A task that never overlaps itself, for reloads driven by change notifications: a call while it runs asks for
// one more run once it ends (however many calls came meanwhile) and gets the promise that covers that run too, so
// the last change is always read and no read is wasted.
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  };
}
