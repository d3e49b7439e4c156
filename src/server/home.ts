/** A plain overview page until the dashboard app lands: every value from a file is escaped. */
import type { Project } from '../runtime/project.js';
import { fileStatuses, tableSummary } from '../runtime/services.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export async function renderHome(project: Project): Promise<string> {
  const tables = (await project.catalog.listTables()).map(tableSummary);
  const files = (await fileStatuses(project)).slice(-50);
  const row = (cells: (string | number)[]) => `<tr>${cells.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sluice</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}</style></head>
<body><h1>Sluice</h1>
<h2>Tables</h2><table><tr><th>table</th><th>version</th><th>rows</th><th>files</th></tr>${tables.map((t) => row([t.table, t.version, t.rows, t.files])).join('')}</table>
<h2>Files</h2><table><tr><th>raw key</th><th>state</th></tr>${files.map((f) => row([f.key, f.outcome.state])).join('')}</table>
<p>API: /api/health, /api/status, /api/catalog/tables, /api/query?sql=…, PUT /api/files/&lt;dataset&gt;/&lt;file&gt;.csv</p>
</body></html>`;
}
