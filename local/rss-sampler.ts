// Peak resident memory of this process over a window (e.g. while a deletion runs), sampled
// every few milliseconds: what the process running the workers needed, seeding excluded.
export interface RssSampler {
  /** Peak RSS seen since start, in MiB; stops sampling. */
  stop(): number;
}

export function sampleRss(everyMs = 50): RssSampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak / 2 ** 20;
    },
  };
}
