import type { S3VersionAllocation } from '@ferrite/artifact/s3';
import { InvalidArgumentError, isValidName } from '@ferrite/core';
import { describeAuth, readAuthConfig, type AuthConfig } from './auth.js';
import { describeMode, readModeConfig, type ModeConfig } from './distributed-config.js';

/** Everything the server reads from its environment. */
export interface ServerConfig extends ModeConfig {
  /** `APP_NAME`: the app the sessions are stored under. */
  appName: string;
  /** `PORT`. */
  port: number;
  /** `HOST`: the address to bind. */
  host: string;
  /** `SHUTDOWN_GRACE_MS`: how long runs may go on after SIGTERM. */
  shutdownGraceMs: number;
  /** `AUTH_*`: how every request but /health is authenticated (open when absent). */
  auth: AuthConfig | undefined;
  /** `ALLOWED_HOSTS`: host names answered besides loopback ones. */
  allowedHosts: string[] | undefined;
  /** `CORS_ORIGINS`: allowed origins (CORS is off without them). */
  corsOrigins: string[] | undefined;
  /**
   * `DEV_UI` (`true`: from an installed `@google/adk-devtools`) or `DEV_UI_DIR` (a folder):
   * serve ADK's Dev UI at `/dev-ui/` with an in-process span store for its Traces tab.
   */
  devUi: { dir: string | undefined } | undefined;
  /** `DATABASE_URL` and `DATABASE_SCHEMA`, for PostgreSQL sessions. */
  database: { connectionString: string; schema: string | undefined } | undefined;
  /** `S3_*`, for S3 artifacts. */
  s3:
    | {
        endpoint: string | undefined;
        bucket: string;
        region: string;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        prefix: string | undefined;
        /** `S3_VERSION_ALLOCATION`: how concurrent saves get distinct versions (default `auto`). */
        versionAllocation: S3VersionAllocation;
      }
    | undefined;
  /** `ARTIFACTS_DIR`: where artifacts go without S3. */
  artifactsDir: string;
  /** `QDRANT_URL`, `QDRANT_API_KEY`, `QDRANT_COLLECTION`, for memory. */
  qdrant: { url: string; apiKey: string | undefined; collection: string } | undefined;
  /** `OPENAI_EMBEDDING_MODEL` (with the OpenAI key and base URL), for memory embeddings. */
  embeddings: { baseURL: string; apiKey: string | undefined; model: string } | undefined;
}

/** The values of `S3_VERSION_ALLOCATION`, as `S3ArtifactService` names them. */
const VERSION_ALLOCATIONS: readonly S3VersionAllocation[] = ['auto', 'conditional-write', 'claim'];

/** Reads and checks the configuration; a bad value is an InvalidArgumentError naming the variable. */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };
  const integer = (name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) > max) {
      throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}, got '${raw}'`);
    }
    return Number(raw);
  };
  const appName = value('APP_NAME') ?? 'quickstart';
  if (!isValidName(appName)) {
    throw new InvalidArgumentError(`APP_NAME must be 1-128 characters of [A-Za-z0-9._:-]`);
  }
  const databaseUrl = value('DATABASE_URL');
  const bucket = value('S3_BUCKET');
  const s3Endpoint = value('S3_ENDPOINT');
  if (s3Endpoint && !bucket)
    throw new InvalidArgumentError('S3_ENDPOINT is set but S3_BUCKET is not');
  const versionAllocation = value('S3_VERSION_ALLOCATION') ?? 'auto';
  if (!(VERSION_ALLOCATIONS as readonly string[]).includes(versionAllocation)) {
    throw new InvalidArgumentError(
      `S3_VERSION_ALLOCATION must be one of ${VERSION_ALLOCATIONS.join(', ')}, got '${versionAllocation}'`,
    );
  }
  const qdrantUrl = value('QDRANT_URL');
  const openAiKey = value('OPENAI_API_KEY');
  const openAiBase = value('OPENAI_BASE_URL');
  const embeddingModel = value('OPENAI_EMBEDDING_MODEL');
  return {
    appName,
    port: integer('PORT', 8080, 65535),
    host: value('HOST') ?? '127.0.0.1',
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 10_000),
    auth: readAuthConfig(value),
    allowedHosts: value('ALLOWED_HOSTS')
      ?.split(',')
      .map((host) => host.trim())
      .filter(Boolean),
    devUi: devUiSetting(value('DEV_UI'), value('DEV_UI_DIR')),
    corsOrigins: value('CORS_ORIGINS')
      ?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    database: databaseUrl
      ? { connectionString: databaseUrl, schema: value('DATABASE_SCHEMA') }
      : undefined,
    s3: bucket
      ? {
          endpoint: s3Endpoint,
          bucket,
          region: value('S3_REGION') ?? 'us-east-1',
          accessKeyId: value('S3_ACCESS_KEY_ID'),
          secretAccessKey: value('S3_SECRET_ACCESS_KEY'),
          prefix: value('S3_PREFIX'),
          versionAllocation: versionAllocation as S3VersionAllocation,
        }
      : undefined,
    artifactsDir: value('ARTIFACTS_DIR') ?? './artifacts',
    qdrant: qdrantUrl
      ? {
          url: qdrantUrl,
          apiKey: value('QDRANT_API_KEY'),
          collection: value('QDRANT_COLLECTION') ?? 'ferrite_memory',
        }
      : undefined,
    ...readModeConfig(value, integer, databaseUrl !== undefined),
    // Embeddings change the vectors' size, so they are opted into explicitly, never implied by a chat key.
    embeddings: embeddingModel
      ? {
          baseURL: openAiBase ?? 'https://api.openai.com/v1',
          apiKey: openAiKey,
          model: embeddingModel,
        }
      : undefined,
  };
}

/** A one-line description of the configuration, without secrets. */
export function describeConfig(config: ServerConfig): string {
  const sessions = config.database ? 'PostgreSQL' : 'in memory';
  const artifacts = config.s3
    ? `S3 bucket ${config.s3.bucket} (version allocation ${config.s3.versionAllocation})`
    : `files under ${config.artifactsDir}`;
  const memory = config.qdrant
    ? `Qdrant ${config.qdrant.collection} (${config.embeddings ? 'OpenAI' : 'hashing'} embeddings)`
    : 'none';
  const devUi = config.devUi ? `; dev UI: /dev-ui/` : '';
  return `sessions: ${sessions}; artifacts: ${artifacts}; memory: ${memory}; auth: ${describeAuth(config.auth)}${devUi}; ${describeMode(config)}`;
}

/** `DEV_UI` / `DEV_UI_DIR`: whether and from where the Dev UI is served. */
function devUiSetting(
  flag: string | undefined,
  dir: string | undefined,
): { dir: string | undefined } | undefined {
  if (flag !== undefined && !['true', 'false', '1', '0'].includes(flag)) {
    throw new InvalidArgumentError(`DEV_UI must be true or false, got '${flag}'`);
  }
  if (flag === 'false' || flag === '0') return undefined;
  if (dir !== undefined) return { dir };
  return flag === undefined ? undefined : { dir: undefined };
}
