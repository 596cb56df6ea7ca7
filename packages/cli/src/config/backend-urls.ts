import type { S3VersionAllocation } from '@ferrite/artifact/s3';

/** Where sessions live. */
export type SessionsSetting =
  { kind: 'memory' } | { kind: 'postgres'; connectionString: string; schema: string | undefined };

/** Where artifacts live. */
export type ArtifactsSetting =
  | { kind: 'memory' }
  | { kind: 'file'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string | undefined;
      endpoint: string | undefined;
      region: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      versionAllocation: S3VersionAllocation;
    };

/** Long-term memory. */
export type MemorySetting =
  | { kind: 'none' }
  | { kind: 'memory' }
  | { kind: 'qdrant'; url: string; collection: string; apiKey: string | undefined };

/** A backend URL that does not fit: the reason, said to the user after the setting's name. */
export class BackendUrlError extends Error {}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

function schemeOf(value: string): string | undefined {
  return SCHEME.exec(value)?.[1]?.toLowerCase();
}

/** `memory:` or `postgres://…` / `postgresql://…`. */
export function parseSessionsUrl(value: string, schema: string | undefined): SessionsSetting {
  const scheme = schemeOf(value);
  if (value === 'memory:' || value === 'memory') return { kind: 'memory' };
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!URL.canParse(value)) throw new BackendUrlError('is not a valid postgres:// URL');
    return { kind: 'postgres', connectionString: value, schema };
  }
  throw new BackendUrlError(
    `must be memory: or a postgres:// URL, got a ${scheme ? `${scheme}: URL` : 'value without a scheme'}`,
  );
}

/** `memory:`, `file:<dir>` or `s3://bucket/prefix`; the S3 details come from their own settings. */
export function parseArtifactsUrl(
  value: string,
  s3: Omit<Extract<ArtifactsSetting, { kind: 's3' }>, 'kind' | 'bucket' | 'prefix'>,
): ArtifactsSetting {
  const scheme = schemeOf(value);
  if (value === 'memory:' || value === 'memory') return { kind: 'memory' };
  if (scheme === 'file') {
    // `file:./dir` and `file:dir` are relative to the working directory; `file:///abs` is absolute.
    const rest = value.slice('file:'.length);
    const dir = rest.startsWith('//') ? decodeURIComponent(new URL(value).pathname) : rest;
    if (dir === '') throw new BackendUrlError('needs a directory, like file:./artifacts');
    return { kind: 'file', dir };
  }
  if (scheme === 's3') {
    const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(value);
    const bucket = match?.[1];
    if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new BackendUrlError('must name a valid bucket, like s3://my-bucket/prefix/');
    }
    const prefix = match?.[2] ? match[2].replace(/\/?$/, '/') : undefined;
    return { kind: 's3', bucket, prefix, ...s3 };
  }
  throw new BackendUrlError(
    `must be file:<dir>, memory: or s3://bucket/prefix, got a ${scheme ? `${scheme}: URL` : 'value without a scheme'}`,
  );
}

/** `none`, `memory:` or `qdrant://host:port/collection` (`qdrants://` for TLS). */
export function parseMemoryUrl(value: string, apiKey: string | undefined): MemorySetting {
  const scheme = schemeOf(value);
  if (value === 'none') return { kind: 'none' };
  if (value === 'memory:' || value === 'memory') return { kind: 'memory' };
  if (scheme === 'qdrant' || scheme === 'qdrants') {
    if (!URL.canParse(value)) throw new BackendUrlError('is not a valid qdrant:// URL');
    const url = new URL(value);
    const collection = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
    if (collection === '' || collection.includes('/')) {
      throw new BackendUrlError('must name one collection, like qdrant://localhost:6333/memories');
    }
    const http = `${scheme === 'qdrants' ? 'https' : 'http'}://${url.host}`;
    return { kind: 'qdrant', url: http, collection, apiKey };
  }
  throw new BackendUrlError(
    `must be none, memory: or a qdrant:// URL, got a ${scheme ? `${scheme}: URL` : 'value without a scheme'}`,
  );
}

/** `redis://…` or `rediss://…`. */
export function parseRedisUrl(value: string): string {
  const scheme = schemeOf(value);
  if ((scheme === 'redis' || scheme === 'rediss') && URL.canParse(value)) return value;
  throw new BackendUrlError('must be a redis:// or rediss:// URL');
}
