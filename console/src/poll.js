// Polls `fn` every `ms` milliseconds (the next call starts after the last one ended);
// `stop()` ends it. Errors go to `onError` and the polling goes on.
export function poll(fn, ms, onError = () => {}) {
  let timer = null;
  let stopped = false;
  async function tick() {
    try {
      await fn();
    } catch (e) {
      if (!stopped) onError(e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  }
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    /** Polls now (after an action), then on schedule again. */
    now() {
      if (stopped) return;
      clearTimeout(timer);
      tick();
    },
  };
}
