/**
 * Hash routes: `#/`, `#/files/<key…>`, `#/datasets`, `#/datasets/<table>`,
 * `#/dashboards`, `#/dashboards/<id>`, `#/ops`. Segments are URI-encoded by
 * `route()` and decoded here; a malformed one is simply not found.
 */

export interface Route {
  /** The first segment: '' for the files page. */
  name: string;
  params: string[];
}

export function parseHash(hash: string): Route | null {
  const path = hash.replace(/^#\/?/, '');
  const raw = path.split('/').filter((s) => s !== '');
  try {
    const [name = '', ...params] = raw.map(decodeURIComponent);
    return { name, params };
  } catch {
    return null;
  }
}
