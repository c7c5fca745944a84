/** A WebAssembly binary the page failed to fetch: where from, and the HTTP status (0: no response). */
export interface FailedFetch {
  readonly url: string;
  readonly status: number;
}

type Timing = PerformanceEntry & { responseStatus?: number };

async function statusOf(url: string): Promise<number> {
  try {
    return (await fetch(url, { method: 'HEAD', cache: 'no-store' })).status;
  } catch {
    return 0;
  }
}

/**
 * Watches the `.wasm` files fetched while an engine starts (Resource Timing, so the engine's own fetch is
 * left alone). `failed()` names the first that did not arrive; `candidates` are checked directly where the
 * browser reports no status. `ignore` leaves out another engine's binaries fetched meanwhile.
 */
export function watchWasmFetches(ignore?: RegExp): {
  failed(candidates?: string[]): Promise<FailedFetch | undefined>;
} {
  const seen: Timing[] = [];
  const Observer = globalThis.PerformanceObserver;
  let observer: PerformanceObserver | undefined;
  if (Observer?.supportedEntryTypes?.includes('resource')) {
    observer = new Observer((list) => {
      seen.push(...list.getEntries());
    });
    observer.observe({ type: 'resource' });
  }
  return {
    async failed(candidates = []) {
      // A failed response's entry is queued when its body ends, which may be just after the engine gave up.
      await new Promise((r) => setTimeout(r, 50));
      if (observer) {
        seen.push(...observer.takeRecords());
        observer.disconnect();
      }
      const wasm = seen.filter((e) => /\.wasm([?#]|$)/.test(e.name) && !ignore?.test(e.name));
      const urls = [...wasm.map((e) => e.name), ...candidates];
      for (const url of new Set(urls)) {
        const entry = seen.find((e) => e.name === url);
        const status = entry?.responseStatus || (await statusOf(url));
        if (status === 0 || status >= 400) return { url, status };
      }
      return undefined;
    },
  };
}

/** `HTTP 404` or, with no response at all, the likely reasons. */
export function describeFetchStatus(status: number): string {
  return status ? `HTTP ${status}` : 'no response (network error, CORS, or blocked by the page)';
}
