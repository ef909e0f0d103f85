/** The element with this id; index.html and the code must agree, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

/** A new element with a class and text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Lets the browser paint and handle clicks: a message to the page itself. Not setTimeout: once timers
 * nest five deep (training resumes from the previous batch's timer, so every batch on one core) browsers
 * hold it back at least 4 ms, 14 % of a LeNet step. Not requestAnimationFrame: a hidden tab would stop.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
