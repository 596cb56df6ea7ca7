import { z } from 'zod';
import { InvalidArgumentError, isValidName, type RunConfig } from '@ferrite/core';
import { readAuthConfig, type AuthConfig } from '../auth/auth-config.js';
import {
  BackendUrlError,
  parseArtifactsUrl,
  parseMemoryUrl,
  parseRedisUrl,
  parseSessionsUrl,
  type ArtifactsSetting,
  type MemorySetting,
  type SessionsSetting,
} from './backend-urls.js';
import { SETTINGS, SETTING_KEYS, type CommandName, type SettingKey } from './setting-names.js';

/** Everything `ferrite` runs with, checked. */
export interface CliSettings {
  readonly port: number;
  readonly host: string;
  /** The app name of a single agent (its own name when absent); for `chat`, which app to talk to. */
  readonly appName: string | undefined;
  readonly sessions: SessionsSetting;
  readonly artifacts: ArtifactsSetting;
  readonly memory: MemorySetting;
  /** An OpenAI-compatible embedding model for memory; offline hashing when absent. */
  readonly embeddings: { model: string; baseURL: string; apiKey: string | undefined } | undefined;
  /** Distributed mode: the Redis of the run queue. */
  readonly redis: string | undefined;
  /** Prefix of the queue's and run streams' keys (default `ferrite:`). */
  readonly redisPrefix: string;
  /** Runs a worker executes at once (default 8). */
  readonly workerConcurrency: number;
  /** A worker's claim on a run (default 10 000 ms). */
  readonly workerLockMs: number;
  /** How often workers look for dead workers' runs (default 5 000 ms). */
  readonly workerStalledCheckMs: number;
  /** What a client leaving does to its run (default `cancel`). */
  readonly runsOnDisconnect: 'cancel' | 'continue';
  /**
   * Serve ADK's Dev UI at `/dev-ui/` (with a span store for its Traces tab): from `dir`, else
   * from an installed `@google/adk-devtools`. Off when absent.
   */
  readonly devUi: { dir: string | undefined } | undefined;
  readonly auth: AuthConfig | undefined;
  readonly allowedHosts: string[] | undefined;
  readonly corsOrigins: string[] | undefined;
  readonly bodyLimit: number | undefined;
  readonly requestTimeoutMs: number | undefined;
  readonly graceMs: number;
  readonly checkTimeoutMs: number;
  /** Run-wide settings given to every Runner (the model override is added when the model is built). */
  readonly runConfig: RunConfig;
  /** Replaces every agent's model when set. */
  readonly model: { name: string; baseURL: string; apiKey: string | undefined } | undefined;
  readonly user: string;
  readonly session: string | undefined;
  /** The name a setting was given under (`--sessions`, `DATABASE_URL`…), for messages. */
  sourceOf(key: SettingKey): string;
  /** `key` when it was given, else `fallback` (the older variable that chose the backend). */
  givenAs(key: SettingKey, fallback: SettingKey): SettingKey;
}

/** A raw setting and where it came from. */
interface RawValue {
  value: string;
  source: string;
}

/** The raw value of each setting: its flag, else its first non-blank environment variable. */
function gather(
  command: CommandName,
  flags: Partial<Record<SettingKey, string>>,
  env: NodeJS.ProcessEnv,
): Map<SettingKey, RawValue> {
  const raw = new Map<SettingKey, RawValue>();
  for (const key of SETTING_KEYS) {
    // A variable another command reads (PORT for a worker) is not this command's concern.
    if (!(SETTINGS[key].commands as readonly CommandName[]).includes(command)) continue;
    const spec = SETTINGS[key];
    const flag = flags[key];
    if (flag !== undefined) {
      raw.set(key, { value: flag.trim(), source: `--${spec.flag}` });
      continue;
    }
    for (const name of spec.env) {
      const value = env[name]?.trim();
      if (value) {
        raw.set(key, { value, source: name });
        break;
      }
    }
  }
  return raw;
}

type Context = z.core.$RefinementCtx;

const integer =
  (min: number, max: number) =>
  (key: SettingKey, raw: string, ctx: Context): number | undefined => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `must be an integer from ${min} to ${max}${shown(key, raw)}`,
      });
      return undefined;
    }
    return Number(raw);
  };

function shown(key: SettingKey, raw: string): string {
  return 'secret' in SETTINGS[key] ? '' : `, got '${raw}'`;
}

function list(raw: string | undefined): string[] | undefined {
  return raw
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * The one schema of `ferrite`'s settings: every value arrives as a string (from a flag or the
 * environment) and leaves checked and typed; each issue names its setting.
 */
function settingsSchema(command: CommandName, sources: ReadonlyMap<SettingKey, RawValue>) {
  const raw = z.object(
    Object.fromEntries(SETTING_KEYS.map((key) => [key, z.string().optional()])) as Record<
      SettingKey,
      z.ZodOptional<z.ZodString>
    >,
  );
  return raw.transform((values, ctx) => {
    const get = (key: SettingKey): string | undefined => values[key] || undefined;
    const number = (key: SettingKey, min: number, max: number): number | undefined => {
      const value = get(key);
      return value === undefined ? undefined : integer(min, max)(key, value, ctx);
    };
    const fail = (key: SettingKey, message: string): void =>
      ctx.addIssue({ code: 'custom', path: [key], message });
    const backend = <T>(key: SettingKey, parse: () => T): T | undefined => {
      try {
        return parse();
      } catch (error) {
        if (!(error instanceof BackendUrlError)) throw error;
        fail(key, error.message);
        return undefined;
      }
    };

    const appName = get('appName');
    if (appName !== undefined && !isValidName(appName)) {
      fail('appName', 'must be 1-128 characters of [A-Za-z0-9._:-]');
    }
    const sessions =
      backend('sessions', () =>
        parseSessionsUrl(get('sessions') ?? 'memory:', get('sessionsSchema')),
      ) ?? ({ kind: 'memory' } as const);
    const schema = get('sessionsSchema');
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) {
      fail('sessionsSchema', 'must be a PostgreSQL identifier (letters, digits, _ and $)');
    }

    const allocation = get('s3VersionAllocation') ?? 'auto';
    if (!['auto', 'conditional-write', 'claim'].includes(allocation)) {
      fail(
        's3VersionAllocation',
        `must be one of auto, conditional-write, claim, got '${allocation}'`,
      );
    }
    const s3Endpoint = get('s3Endpoint');
    if (s3Endpoint !== undefined && !/^https?:\/\/[^\s/]/.test(s3Endpoint)) {
      fail('s3Endpoint', 'must be an http(s) URL');
    }
    const s3Details = {
      endpoint: s3Endpoint,
      region: get('s3Region') ?? 'us-east-1',
      accessKeyId: get('s3AccessKeyId'),
      secretAccessKey: get('s3SecretAccessKey'),
      versionAllocation: allocation as 'auto',
    };
    const bucket = get('s3Bucket');
    const artifactsKey: SettingKey = get('artifacts')
      ? 'artifacts'
      : bucket
        ? 's3Bucket'
        : 'artifactsDir';
    const artifactsUrl =
      get('artifacts') ??
      (bucket
        ? `s3://${bucket}/${get('s3Prefix') ?? ''}`
        : `file:${get('artifactsDir') ?? './artifacts'}`);
    const artifacts =
      backend(artifactsKey, () => parseArtifactsUrl(artifactsUrl, s3Details)) ??
      ({ kind: 'memory' } as const);
    if (s3Endpoint !== undefined && artifacts.kind !== 's3') {
      fail(
        's3Endpoint',
        `is set but ${SETTINGS.s3Bucket.env[0]} is not (nor --artifacts s3://bucket)`,
      );
    }

    const qdrantUrl = get('qdrantUrl');
    if (qdrantUrl !== undefined && !/^https?:\/\/[^\s/]/.test(qdrantUrl)) {
      fail('qdrantUrl', 'must be an http(s) URL');
    }
    const memory: MemorySetting =
      get('memory') !== undefined
        ? (backend('memory', () => parseMemoryUrl(get('memory')!, get('qdrantApiKey'))) ?? {
            kind: 'none',
          })
        : qdrantUrl !== undefined
          ? {
              kind: 'qdrant',
              url: qdrantUrl,
              collection: get('qdrantCollection') ?? 'ferrite_memory',
              apiKey: get('qdrantApiKey'),
            }
          : { kind: 'none' };

    const modelBaseUrl = get('modelBaseUrl');
    if (modelBaseUrl !== undefined && !/^https?:\/\/[^\s/]/.test(modelBaseUrl)) {
      fail(
        'modelBaseUrl',
        `must be an http(s) URL such as http://127.0.0.1:11434/v1${shown('modelBaseUrl', modelBaseUrl)}`,
      );
    }
    const baseURL = modelBaseUrl ?? 'https://api.openai.com/v1';
    const modelName = get('model');
    const embeddingModel = get('embeddingModel');

    const redis =
      get('redis') === undefined ? undefined : backend('redis', () => parseRedisUrl(get('redis')!));
    if (redis !== undefined && command !== 'chat' && sessions.kind === 'memory') {
      fail(
        'redis',
        `needs sessions every process shares: set --sessions postgres://… (FERRITE_SESSIONS or DATABASE_URL) too`,
      );
    }
    if (command === 'worker' && get('redis') === undefined) {
      fail('redis', 'is required by `ferrite worker` (the queue it takes runs from)');
    }

    const devUiSwitch = get('devUi');
    if (devUiSwitch !== undefined && !['true', 'false', '1', '0'].includes(devUiSwitch)) {
      fail('devUi', `must be true or false, got '${devUiSwitch}'`);
    }
    const devUiOff = devUiSwitch === 'false' || devUiSwitch === '0';
    const devUiDir = get('devUiDir');
    const devUi =
      devUiOff || (devUiSwitch === undefined && devUiDir === undefined)
        ? undefined
        : { dir: devUiDir };

    const runsOnDisconnect = get('runsOnDisconnect');
    if (runsOnDisconnect !== undefined && !['cancel', 'continue'].includes(runsOnDisconnect)) {
      fail('runsOnDisconnect', `must be cancel or continue, got '${runsOnDisconnect}'`);
    }
    const redisPrefix = get('redisPrefix');
    if (redisPrefix !== undefined && redisPrefix.length > 128) {
      fail('redisPrefix', 'must be at most 128 characters');
    }
    const concurrency = get('concurrency');
    if (concurrency !== undefined && !['queue', 'reject', 'interrupt'].includes(concurrency)) {
      fail('concurrency', `must be queue, reject or interrupt, got '${concurrency}'`);
    }
    const temperatureRaw = get('temperature');
    const temperature = temperatureRaw === undefined ? undefined : Number(temperatureRaw);
    if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
      fail('temperature', `must be a number from 0 to 2, got '${temperatureRaw}'`);
    }
    const maxOutputTokens = number('maxOutputTokens', 1, 10_000_000);
    const user = get('user') ?? 'user';
    if (!isValidName(user)) fail('user', 'must be 1-128 characters of [A-Za-z0-9._:-]');
    const session = get('session');
    if (session !== undefined && !isValidName(session)) {
      fail('session', 'must be 1-128 characters of [A-Za-z0-9._:-]');
    }

    let auth: AuthConfig | undefined;
    try {
      auth = readAuthConfig(
        (name) => get(keyOfVariable(name)),
        (name) => sources.get(keyOfVariable(name))?.source ?? name,
      );
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      ctx.addIssue({ code: 'custom', path: [], message: error.message });
    }

    const modelSettings = {
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    };
    const maxTurns = number('maxTurns', 1, 1_000_000);
    const maxDurationMs = number('maxDurationMs', 1, 2_147_483_647);
    const outputCharLimit = number('outputCharLimit', 1, Number.MAX_SAFE_INTEGER);
    const runConfig: RunConfig = {
      ...(maxTurns !== undefined ? { maxTurns } : {}),
      ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
      ...(outputCharLimit !== undefined ? { outputCharLimit } : {}),
      ...(concurrency !== undefined ? { concurrency: concurrency as 'queue' } : {}),
      ...(Object.keys(modelSettings).length > 0 ? { modelSettings } : {}),
    };
    return {
      port: number('port', 0, 65_535) ?? 8080,
      host: get('host') ?? '127.0.0.1',
      appName,
      sessions,
      artifacts,
      memory,
      embeddings: embeddingModel
        ? { model: embeddingModel, baseURL, apiKey: get('modelApiKey') }
        : undefined,
      redis,
      // The defaults are those of QueuedRunner and RunWorker, stated here so they show.
      redisPrefix: redisPrefix ?? 'ferrite:',
      workerConcurrency: number('workerConcurrency', 1, 10_000) ?? 8,
      workerLockMs: number('workerLockMs', 100, 2_147_483_647) ?? 10_000,
      workerStalledCheckMs: number('workerStalledCheckMs', 50, 2_147_483_647) ?? 5_000,
      runsOnDisconnect: (runsOnDisconnect ?? 'cancel') as 'cancel' | 'continue',
      devUi,
      auth,
      allowedHosts: list(get('allowedHosts')),
      corsOrigins: list(get('corsOrigins')),
      bodyLimit: number('bodyLimit', 1, 2 ** 31),
      requestTimeoutMs: number('requestTimeoutMs', 1, 2_147_483_647),
      graceMs: number('graceMs', 0, 2_147_483_647) ?? 10_000,
      checkTimeoutMs: number('checkTimeoutMs', 1, 2_147_483_647) ?? 10_000,
      runConfig,
      model: modelName ? { name: modelName, baseURL, apiKey: get('modelApiKey') } : undefined,
      user,
      session,
    };
  });
}

function keyOfVariable(name: string): SettingKey {
  const key = SETTING_KEYS.find((candidate) =>
    (SETTINGS[candidate].env as readonly string[]).includes(name),
  );
  if (key === undefined) throw new Error(`no setting reads ${name}`);
  return key;
}

/** A setting that cannot be used; `setting` names it as the user gave it. */
export class ConfigurationError extends InvalidArgumentError {}

/**
 * Reads `ferrite`'s settings from parsed flags and the environment (flags win; `FERRITE_*`
 * names before the older ones) and checks them with one schema. Every problem is reported at
 * once, each naming its setting, as a {@link ConfigurationError}.
 */
export function readSettings(
  command: CommandName,
  flags: Partial<Record<SettingKey, string>>,
  env: NodeJS.ProcessEnv,
): CliSettings {
  const sources = gather(command, flags, env);
  const input = Object.fromEntries([...sources].map(([key, { value }]) => [key, value]));
  const result = settingsSchema(command, sources).safeParse(input);
  const labelOf = (key: SettingKey): string => {
    const source = sources.get(key)?.source;
    if (source !== undefined) return source;
    const spec = SETTINGS[key];
    return `--${spec.flag} (${spec.env.join(' or ')})`;
  };
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const key = issue.path[0] as SettingKey | undefined;
      return key === undefined ? issue.message : `${labelOf(key)} ${issue.message}`;
    });
    throw new ConfigurationError(messages.join('; '));
  }
  return Object.freeze({
    ...result.data,
    sourceOf: labelOf,
    givenAs: (key: SettingKey, fallback: SettingKey) => (sources.has(key) ? key : fallback),
  });
}
