/**
 * Uploads into raw: `PUT` (or `POST`) `/api/files/<dataset>/<name>.csv`, or
 * `/api/files?key=…`. The body streams into the store's atomic write and is
 * never held whole; passing defaults.maxFileBytes fails it mid-stream, which
 * aborts the write.
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import type { UploadResult } from '../../api/types.js';
import { StorageError } from '../../core/errors.js';
import { INPUT_ENDINGS_TEXT, isInputKey, validateKey } from '../../core/keys.js';
import type { Pipeline } from '../../runtime/local/pipeline.js';
import { HttpError } from '../http-error.js';
import { Reply, type RequestContext, type Router } from '../router.js';

const tooLarge = (limit: number) => new HttpError(413, `the file is over the limit of ${limit} bytes (defaults.maxFileBytes in sluice.yaml)`);

/**
 * The request body, failing once it passes `limit` bytes (a body without
 * Content-Length is counted as it streams; the failure aborts the atomic write).
 * A generator, not a piped Transform: nothing flows, and nothing can fail
 * unheard, before the store reads it.
 */
async function* limitBody(req: http.IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of req) {
    seen += (chunk as Buffer).length;
    if (seen > limit) throw tooLarge(limit);
    yield chunk as Buffer;
  }
}

export function fileRoutes(router: Router, pipeline: Pipeline): void {
  const project = pipeline.project;
  const upload = async ({ req, url, params }: RequestContext<'PUT /api/files/*key'>): Promise<Reply<UploadResult>> => {
    const key = validateKey(params.key || url.searchParams.get('key') || '');
    if (!isInputKey(key)) throw new HttpError(400, `"${key}" is not an input key; use <dataset>/<name>.csv (${INPUT_ENDINGS_TEXT})`);
    const limit = project.config.defaults.maxFileBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
    try {
      await project.zones.raw.put(key, Readable.from(limitBody(req, limit)));
    } catch (err) {
      if (err instanceof StorageError && err.cause instanceof HttpError) throw err.cause;
      throw err;
    }
    const noted = await pipeline.noteRawObject(key, 'upload');
    return new Reply({ key, ...(noted ? { sha256: noted.sha256 } : {}), status: `/api/status/${key.split('/').map(encodeURIComponent).join('/')}` }, 201);
  };
  router.json('PUT /api/files/*key', upload).json('POST /api/files/*key', upload);
}
