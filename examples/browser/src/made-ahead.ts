import { nextTask } from "./dom";

/**
 * Re-iterable async batches, each made one batch ahead in a task of its own, which also gives the
 * browser a turn (paint, clicks) before every batch. On several cores that task mostly runs while this
 * thread waits for the workers' gradients, and so does the frame after a draw: making a batch (~1 ms of
 * copying pixels) and the frame are then off the step's path, where the workers would wait for them.
 */
export function madeAhead<T>(source: Iterable<T>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      const items = source[Symbol.iterator]();
      try {
        for (let next = items.next(); !next.done; ) {
          const following = nextTask().then(() => items.next());
          yield next.value;
          next = await following;
        }
      } finally {
        items.return?.(); // a stopped run: the source's pass ends here too
      }
    },
  };
}
