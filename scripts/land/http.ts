import { LakehouseError } from "../core/errors.ts";
import { byteOffset, jsonErrorOffset } from "./jsonOffset.ts";

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  attempts: number;
  /** First backoff; doubles each retry (with jitter), capped by maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt, headers and body included. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 30_000 };

/** What a JSON-array response gave: the body exactly as received, its record count and the URL that answered. */
export interface FetchedArray {
  body: Buffer;
  rows: number;
  attempts: number;
  /** The URL that gave the body: the one asked for, or where same-origin redirects led. */
  url: string;
}

export interface FetchOptions {
  /**
   * Follow redirects within the same origin (scheme, host and port), up to MAX_REDIRECTS. Off by default:
   * then any redirect fails the request. A redirect to another origin always fails, naming both URLs.
   */
  followRedirects?: boolean;
  /** Stops the request (and its retries) when aborted: the run was interrupted. */
  signal?: AbortSignal;
}

export const MAX_REDIRECTS = 5;

/** Why one attempt failed; `offset` is the byte offset in the body when the body was at fault. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly offset?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [(error as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(": ");
}

/** A 3xx answer: where it points (resolved), or a refusal naming the URLs. */
function redirectTarget(from: string, response: Response, options: FetchOptions): string {
  const location = response.headers.get("location");
  if (!location) throw new AttemptError(`HTTP ${response.status} without a Location header`, false);
  const to = new URL(location, from);
  if (to.origin !== new URL(from).origin) {
    throw new AttemptError(`refused a redirect to another origin: HTTP ${response.status} from ${from} to ${to.href} (the lander only talks to the configured API)`, false);
  }
  if (!options.followRedirects) {
    throw new AttemptError(`refused a redirect: HTTP ${response.status} from ${from} to ${to.href} (same origin: pass --follow-redirects to follow it)`, false);
  }
  return to.href;
}

async function attempt(first: string, policy: RetryPolicy, options: FetchOptions): Promise<{ body: Buffer; rows: number; url: string }> {
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  let url = first;
  for (let hop = 0; ; hop++) {
    try {
      response = await fetch(url, { signal, redirect: "manual", headers: { accept: "application/json" } });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const timedOut = signal.aborted;
      throw new AttemptError(timedOut ? `no response within ${policy.timeoutMs} ms` : `request failed: ${causeOf(error)}`, true);
    }
    if (response.status < 300 || response.status > 399 || response.status === 304) break;
    await response.body?.cancel().catch(() => undefined);
    if (hop === MAX_REDIRECTS) throw new AttemptError(`more than ${MAX_REDIRECTS} redirects (last to ${response.headers.get("location")})`, false);
    url = redirectTarget(url, response, options);
  }
  if (response.status !== 200) {
    const text = await response.text().catch(() => "");
    const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
    throw new AttemptError(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`, retryable, undefined, response.status === 429 ? retryAfter(response.headers.get("retry-after")) : undefined);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  const expected = response.headers.get("content-length");
  try {
    const reader = response.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      received += value.length;
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new AttemptError(`${signal.aborted ? `body not complete within ${policy.timeoutMs} ms` : "truncated body"} at byte offset ${received}${expected ? ` of ${expected}` : ""} (${causeOf(error)})`, true, received);
  }
  if (expected !== null && Number(expected) !== received) {
    throw new AttemptError(`truncated body at byte offset ${received} of ${expected}`, true, received);
  }
  const body = Buffer.concat(chunks, received);
  // A byte order mark at the start is not content (records.ts): JSON.parse would refuse it.
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const text = body.toString("utf8", bom);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const at = bom + byteOffset(text, jsonErrorOffset(text) ?? text.length);
    throw new AttemptError(`malformed JSON at byte offset ${at} of ${received}`, true, at);
  }
  if (!Array.isArray(parsed)) throw new AttemptError("the body is JSON but not a top-level array", true, 0);
  return { body, rows: parsed.length, url };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GETs a URL that answers a top-level JSON array, with bounded retries: exponential backoff with jitter,
 * Retry-After honoured on 429, per-attempt timeout. Retries 5xx, 429, 408, network errors, timeouts,
 * truncated and malformed bodies. Redirects: see FetchOptions (a refused one is not retried). The final
 * error names the URL, the attempts and the byte offset.
 */
export async function fetchJsonArray(url: string, policy: RetryPolicy = DEFAULT_RETRY, onRetry?: (message: string, waitMs: number) => void, options: FetchOptions = {}): Promise<FetchedArray> {
  let last: AttemptError | undefined;
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      return { ...(await attempt(url, policy, options)), attempts: n };
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      last = error;
      if (!error.retryable || n === policy.attempts) break;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1) * (0.5 + Math.random() / 2));
      const wait = error.retryAfterMs !== undefined ? Math.min(policy.maxDelayMs, Math.max(error.retryAfterMs, backoff)) : backoff;
      onRetry?.(`GET ${url}: ${error.message}; retry ${n}/${policy.attempts - 1} in ${Math.round(wait)} ms`, wait);
      await sleep(wait);
      if (options.signal?.aborted) throw options.signal.reason;
    }
  }
  throw new LakehouseError(
    "land",
    `GET ${url} failed${last!.retryable ? ` after ${policy.attempts} attempts` : ""}: ${last!.message}`,
    { file: url, ...(last!.offset !== undefined ? { record: `byte ${last!.offset}` } : {}) },
    last!.message.startsWith("request failed") ? "is the API up? (npx lakehouse up)" : undefined,
  );
}
