/**
 * The server's JSON API, typed by src/api/types.ts (the module the server's
 * routes answer with): each call names its route, which fixes its method and
 * the type of its answer. Every string in these shapes may come from a CSV
 * file (names, cells, messages): render them as text only.
 */
import type { ApiRoute, ApiRoutes, FilterValue, UploadResult } from '../../src/api/types.js';

export type * from '../../src/api/types.js';

/** A failed request: the server's `{ error }` message, or why it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True for a request cancelled because its page went away: not worth showing. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `orders/a b.csv` → `orders/a%20b.csv`: each segment encoded, the slashes kept. */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Calls `route` at `path` (the route with its parameters filled in): its method comes from the route, its answer's type from ApiRoutes. */
async function request<R extends ApiRoute>(route: R, path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<ApiRoutes[R]> {
  const method = route.slice(0, route.indexOf(' '));
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, `cannot reach the server (${messageOf(err)})`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, res.ok ? `the server sent something other than JSON for ${path}` : `${res.status} ${res.statusText}`);
  }
  if (!res.ok) {
    const message = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as ApiRoutes[R];
}

const table = (t: string) => `/api/catalog/tables/${encodeURIComponent(t)}`;

export const api = {
  status: (signal?: AbortSignal) => request('GET /api/status', '/api/status', { signal }),
  file: (key: string, signal?: AbortSignal) => request('GET /api/status/*key', `/api/status/${keyPath(key)}`, { signal }),
  tables: (signal?: AbortSignal) => request('GET /api/catalog/tables', '/api/catalog/tables', { signal }),
  table: (t: string, signal?: AbortSignal) => request('GET /api/catalog/tables/:table', table(t), { signal }),
  versions: (t: string, signal?: AbortSignal) => request('GET /api/catalog/tables/:table/versions', `${table(t)}/versions`, { signal }),
  preview: (t: string, limit: number, signal?: AbortSignal) =>
    request('GET /api/catalog/tables/:table/preview', `${table(t)}/preview?limit=${limit}`, { signal }),
  profile: (t: string, signal?: AbortSignal) => request('GET /api/catalog/tables/:table/profile', `${table(t)}/profile`, { signal }),
  dashboards: (signal?: AbortSignal) => request('GET /api/dashboards', '/api/dashboards', { signal }),
  dashboard: (id: string, signal?: AbortSignal) => request('GET /api/dashboards/:id', `/api/dashboards/${encodeURIComponent(id)}`, { signal }),
  dashboardData: (id: string, filters: Record<string, FilterValue[]>, signal?: AbortSignal) =>
    request('POST /api/dashboards/:id/data', `/api/dashboards/${encodeURIComponent(id)}/data`, { body: { filters }, signal }),
  runs: (limit: number, signal?: AbortSignal) => request('GET /api/runs', `/api/runs?limit=${limit}`, { signal }),
  jobs: (signal?: AbortSignal) => request('GET /api/jobs', '/api/jobs', { signal }),
};

export interface UploadHandle {
  done: Promise<UploadResult>;
  abort: () => void;
}

/** PUT a file into raw as `<dataset>/<name>`, reporting progress as a share 0..1. */
export function upload(dataset: string, file: File, onProgress: (share: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadResult>((resolve, reject) => {
    xhr.open('PUT', `/api/files/${encodeURIComponent(dataset)}/${encodeURIComponent(file.name)}`);
    xhr.responseType = 'text';
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON: answered below from the status
      }
      if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object') {
        onProgress(1);
        resolve(data as UploadResult);
        return;
      }
      const message = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : `${xhr.status} ${xhr.statusText}`;
      reject(new ApiError(xhr.status, message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed: cannot reach the server'));
    xhr.onabort = () => reject(new ApiError(0, 'the upload was cancelled'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
