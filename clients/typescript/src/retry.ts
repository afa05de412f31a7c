// A phone on a shared address (a school's Wi-Fi, a carrier's NAT) meets the
// server's rate limits: 429 with Retry-After (seconds), or 503 with
// Retry-After when it is saturated. Neither did anything, so the same request
// may be sent again once that time has passed; retryAfterFetch does it.
//
//   const api = createCabildoClient({ baseUrl, fetch: retryAfterFetch() });

export interface RetryAfterOptions {
  /** The fetch underneath (the platform's by default). */
  fetch?: (request: Request) => Promise<Response>;
  /** Retries per request (default 1). */
  retries?: number;
  /** A Retry-After longer than this (seconds; default 60) is answered as is: the app decides. */
  maxWaitSeconds?: number;
  /** How to wait (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

/** The seconds of a Retry-After header (delta-seconds or an HTTP date); undefined if absent or bad. */
export function retryAfterSeconds(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get("Retry-After")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** A fetch that waits out a 429 or a 503 with Retry-After and sends the request again. */
export function retryAfterFetch(
  options: RetryAfterOptions = {},
): (input: Request | string | URL, init?: RequestInit) => Promise<Response> {
  const next = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const retries = options.retries ?? 1;
  const maxWait = options.maxWaitSeconds ?? 60;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    for (let attempt = 0; ; attempt++) {
      // A body can be sent once: each attempt sends a copy.
      const response = await next(attempt < retries ? request.clone() : request);
      if (attempt >= retries || (response.status !== 429 && response.status !== 503)) return response;
      const seconds = retryAfterSeconds(response);
      if (seconds === undefined || seconds > maxWait) return response;
      await sleep(seconds * 1000);
    }
  };
}
