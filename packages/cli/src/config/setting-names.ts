/** The commands of `ferrite`. */
export type CommandName = 'serve' | 'chat' | 'worker';

/** One setting: its flag, the environment variables that also set it, and its help line. */
export interface SettingName {
  /** The command-line flag, without `--`. */
  readonly flag: string;
  /** Environment variables read when the flag is absent, first set wins. */
  readonly env: readonly string[];
  /** The commands that read it. */
  readonly commands: readonly CommandName[];
  /** What it does and its default, for `--help`. */
  readonly help: string;
  /** Never printed, not even in a message about its value. */
  readonly secret?: boolean;
  /** A switch: the flag takes no value (`--dev-ui`), its variables read `true`/`false`. */
  readonly switch?: boolean;
}

const ALL: readonly CommandName[] = ['serve', 'chat', 'worker'];
const SERVE: readonly CommandName[] = ['serve'];
const RUNS: readonly CommandName[] = ['serve', 'chat', 'worker'];
const QUEUE: readonly CommandName[] = ['serve', 'worker'];

/**
 * Every setting of `ferrite`, by key. A flag wins over the environment; `FERRITE_*` names come
 * first, then the names `apps/server` has always read (DATABASE_URL, S3_BUCKET…).
 */
export const SETTINGS = {
  port: {
    flag: 'port',
    env: ['FERRITE_PORT', 'PORT'],
    commands: SERVE,
    help: 'port to listen on (default 8080; 0 picks one)',
  },
  host: {
    flag: 'host',
    env: ['FERRITE_HOST', 'HOST'],
    commands: SERVE,
    help: 'address to bind (default 127.0.0.1; 0.0.0.0 in a container)',
  },
  appName: {
    flag: 'app-name',
    env: ['FERRITE_APP_NAME', 'APP_NAME'],
    commands: ALL,
    help: "app name of a single agent's sessions (default: the agent's name); chat: which app of several",
  },
  sessions: {
    flag: 'sessions',
    env: ['FERRITE_SESSIONS', 'DATABASE_URL'],
    commands: ALL,
    help: 'session store: memory: (default) or postgres://user@host:5432/db',
    secret: true,
  },
  sessionsSchema: {
    flag: 'sessions-schema',
    env: ['FERRITE_SESSIONS_SCHEMA', 'DATABASE_SCHEMA'],
    commands: ALL,
    help: "PostgreSQL schema of the session tables (default 'ferrite')",
  },
  artifacts: {
    flag: 'artifacts',
    env: ['FERRITE_ARTIFACTS'],
    commands: ALL,
    help: 'artifact store: file:./artifacts (default), memory: or s3://bucket/prefix',
  },
  s3Bucket: {
    flag: 's3-bucket',
    env: ['S3_BUCKET'],
    commands: ALL,
    help: 'S3 bucket, the same as --artifacts s3://bucket',
  },
  s3Prefix: {
    flag: 's3-prefix',
    env: ['S3_PREFIX'],
    commands: ALL,
    help: 'prefix of every artifact key (with S3_BUCKET)',
  },
  artifactsDir: {
    flag: 'artifacts-dir',
    env: ['ARTIFACTS_DIR'],
    commands: ALL,
    help: 'the same as --artifacts file:<dir>',
  },
  s3Endpoint: {
    flag: 's3-endpoint',
    env: ['FERRITE_S3_ENDPOINT', 'S3_ENDPOINT'],
    commands: ALL,
    help: 'S3-compatible endpoint (MinIO, Ceph, R2…); path-style addressing',
  },
  s3Region: {
    flag: 's3-region',
    env: ['FERRITE_S3_REGION', 'S3_REGION'],
    commands: ALL,
    help: 'S3 region (default us-east-1)',
  },
  s3AccessKeyId: {
    flag: 's3-access-key-id',
    env: ['S3_ACCESS_KEY_ID'],
    commands: ALL,
    help: "S3 key id (default: the AWS SDK's credential chain)",
    secret: true,
  },
  s3SecretAccessKey: {
    flag: 's3-secret-access-key',
    env: ['S3_SECRET_ACCESS_KEY'],
    commands: ALL,
    help: 'S3 secret key',
    secret: true,
  },
  s3VersionAllocation: {
    flag: 's3-version-allocation',
    env: ['FERRITE_S3_VERSION_ALLOCATION', 'S3_VERSION_ALLOCATION'],
    commands: ALL,
    help: 'auto (default), conditional-write or claim',
  },
  memory: {
    flag: 'memory',
    env: ['FERRITE_MEMORY'],
    commands: ALL,
    help: 'long-term memory: none (default), memory: or qdrant://host:6333/collection (qdrants:// for TLS)',
  },
  qdrantUrl: {
    flag: 'qdrant-url',
    env: ['QDRANT_URL'],
    commands: ALL,
    help: "Qdrant's http(s) URL, with --qdrant-collection (default ferrite_memory)",
  },
  qdrantCollection: {
    flag: 'qdrant-collection',
    env: ['QDRANT_COLLECTION'],
    commands: ALL,
    help: 'Qdrant collection (with QDRANT_URL)',
  },
  qdrantApiKey: {
    flag: 'qdrant-api-key',
    env: ['FERRITE_QDRANT_API_KEY', 'QDRANT_API_KEY'],
    commands: ALL,
    help: 'Qdrant API key',
    secret: true,
  },
  embeddingModel: {
    flag: 'embedding-model',
    env: ['FERRITE_EMBEDDING_MODEL', 'OPENAI_EMBEDDING_MODEL'],
    commands: ALL,
    help: 'OpenAI-compatible embedding model for memory (default: offline hashing)',
  },
  redis: {
    flag: 'redis',
    env: ['FERRITE_REDIS', 'REDIS_URL'],
    commands: QUEUE,
    help: 'distributed mode: redis://host:6379 (serve queues runs, worker runs them)',
    secret: true,
  },
  redisPrefix: {
    flag: 'redis-prefix',
    env: ['FERRITE_REDIS_PREFIX', 'REDIS_KEY_PREFIX'],
    commands: QUEUE,
    help: "prefix of every key of the queue and run streams (default 'ferrite:')",
  },
  workerConcurrency: {
    flag: 'worker-concurrency',
    env: ['FERRITE_WORKER_CONCURRENCY', 'WORKER_CONCURRENCY'],
    commands: ['worker'],
    help: 'runs a worker executes at once (default 8)',
  },
  workerLockMs: {
    flag: 'worker-lock-ms',
    env: ['FERRITE_WORKER_LOCK_MS', 'WORKER_LOCK_MS'],
    commands: ['worker'],
    help: "how long a dead worker's run takes to end run.worker_lost (default 10000, at least 100)",
  },
  workerStalledCheckMs: {
    flag: 'worker-stalled-check-ms',
    env: ['FERRITE_WORKER_STALLED_CHECK_MS', 'WORKER_STALLED_CHECK_MS'],
    commands: ['worker'],
    help: "how often workers look for dead workers' runs (default 5000, at least 50)",
  },
  devUi: {
    flag: 'dev-ui',
    env: ['FERRITE_DEV_UI', 'DEV_UI'],
    commands: SERVE,
    help: "serve ADK's Dev UI at /dev-ui/ from an installed @google/adk-devtools, runs traced for its Traces tab (variables: true or false)",
    switch: true,
  },
  devUiDir: {
    flag: 'dev-ui-dir',
    env: ['FERRITE_DEV_UI_DIR', 'DEV_UI_DIR'],
    commands: SERVE,
    help: "a folder holding the Dev UI's index.html; implies --dev-ui unless the variable says false",
  },
  runsOnDisconnect: {
    flag: 'runs-on-disconnect',
    env: ['FERRITE_RUNS_ON_DISCONNECT', 'RUNS_ON_DISCONNECT'],
    commands: SERVE,
    help: 'what a client leaving does to its run: cancel (default) or continue',
  },
  authToken: {
    flag: 'auth-token',
    env: ['AUTH_TOKEN'],
    commands: SERVE,
    help: 'one shared bearer token (single-user setups)',
    secret: true,
  },
  authTokenUser: {
    flag: 'auth-token-user',
    env: ['AUTH_TOKEN_USER'],
    commands: SERVE,
    help: 'the one user the shared token acts as',
  },
  authJwtSecret: {
    flag: 'auth-jwt-secret',
    env: ['AUTH_JWT_SECRET'],
    commands: SERVE,
    help: 'HS256 secret (at least 32 bytes) of the bearer JWTs',
    secret: true,
  },
  authJwksUrl: {
    flag: 'auth-jwks-url',
    env: ['AUTH_JWKS_URL'],
    commands: SERVE,
    help: "the issuer's public keys (RS256/ES256)",
  },
  authJwtIssuer: {
    flag: 'auth-jwt-issuer',
    env: ['AUTH_JWT_ISSUER'],
    commands: SERVE,
    help: 'the iss a JWT must carry',
  },
  authJwtAudience: {
    flag: 'auth-jwt-audience',
    env: ['AUTH_JWT_AUDIENCE'],
    commands: SERVE,
    help: 'the aud a JWT must carry',
  },
  authJwtAlgorithms: {
    flag: 'auth-jwt-algorithms',
    env: ['AUTH_JWT_ALGORITHMS'],
    commands: SERVE,
    help: 'accepted algs, comma-separated',
  },
  allowedHosts: {
    flag: 'allowed-hosts',
    env: ['FERRITE_ALLOWED_HOSTS', 'ALLOWED_HOSTS'],
    commands: SERVE,
    help: 'Host names answered besides loopback ones, comma-separated (* for any)',
  },
  corsOrigins: {
    flag: 'cors-origins',
    env: ['FERRITE_CORS_ORIGINS', 'CORS_ORIGINS'],
    commands: SERVE,
    help: 'allowed origins, comma-separated (CORS off by default)',
  },
  bodyLimit: {
    flag: 'body-limit',
    env: ['FERRITE_BODY_LIMIT'],
    commands: SERVE,
    help: 'largest request body in bytes (default 4194304)',
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms',
    env: ['FERRITE_REQUEST_TIMEOUT_MS'],
    commands: SERVE,
    help: 'time a client has to send its request (default 30000)',
  },
  graceMs: {
    flag: 'grace-ms',
    env: ['FERRITE_GRACE_MS', 'SHUTDOWN_GRACE_MS'],
    commands: QUEUE,
    help: 'how long runs may finish after SIGTERM before they are cancelled (default 10000)',
  },
  checkTimeoutMs: {
    flag: 'check-timeout-ms',
    env: ['FERRITE_CHECK_TIMEOUT_MS'],
    commands: ALL,
    help: 'how long each backend check may take, at start and on /ready (default 10000)',
  },
  maxTurns: {
    flag: 'max-turns',
    env: ['FERRITE_MAX_TURNS'],
    commands: RUNS,
    help: 'model calls per run (default 10)',
  },
  maxDurationMs: {
    flag: 'max-duration-ms',
    env: ['FERRITE_MAX_DURATION_MS'],
    commands: RUNS,
    help: 'wall time of a run (default none)',
  },
  outputCharLimit: {
    flag: 'output-char-limit',
    env: ['FERRITE_OUTPUT_CHAR_LIMIT'],
    commands: RUNS,
    help: 'characters of answer text per run (default none)',
  },
  concurrency: {
    flag: 'concurrency',
    env: ['FERRITE_CONCURRENCY'],
    commands: RUNS,
    help: 'a run on a busy session: queue (default), reject or interrupt',
  },
  model: {
    flag: 'model',
    env: ['FERRITE_MODEL'],
    commands: RUNS,
    help: "replace every agent's model with this OpenAI-compatible model id",
  },
  modelBaseUrl: {
    flag: 'model-base-url',
    env: ['FERRITE_MODEL_BASE_URL', 'OPENAI_BASE_URL'],
    commands: RUNS,
    help: 'its server (default https://api.openai.com/v1)',
  },
  modelApiKey: {
    flag: 'model-api-key',
    env: ['FERRITE_MODEL_API_KEY', 'OPENAI_API_KEY'],
    commands: RUNS,
    help: 'its API key',
    secret: true,
  },
  temperature: {
    flag: 'temperature',
    env: ['FERRITE_TEMPERATURE'],
    commands: RUNS,
    help: 'sampling temperature for every model call (0-2)',
  },
  maxOutputTokens: {
    flag: 'max-output-tokens',
    env: ['FERRITE_MAX_OUTPUT_TOKENS'],
    commands: RUNS,
    help: 'output token cap of every model call',
  },
  user: {
    flag: 'user',
    env: ['FERRITE_USER'],
    commands: ['chat'],
    help: "the chat's user id (default 'user')",
  },
  session: {
    flag: 'session',
    env: ['FERRITE_SESSION'],
    commands: ['chat'],
    help: 'the chat session id (default: a new one)',
  },
} as const satisfies Record<string, SettingName>;

/** The key of a setting. */
export type SettingKey = keyof typeof SETTINGS;

/** The keys in table order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
