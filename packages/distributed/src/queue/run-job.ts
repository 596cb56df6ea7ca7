import {
  InvalidArgumentError,
  validateContent,
  validateName,
  type Content,
  type RunConfig,
} from '@ferrite/core';

/**
 * What a queued run's job carries: the run request only. Agents are code both sides load, so a
 * worker finds the app's Runner by `appName`.
 */
export interface RunJobData {
  /** Format version of the job data. */
  readonly v: 1;
  readonly invocationId: string;
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly message: Content;
  readonly stateDelta?: Record<string, unknown>;
  readonly runConfig?: RunConfig;
  /** The requester's trace context, so the worker's spans are children of the request. */
  readonly traceContext?: Record<string, string>;
}

/** The BullMQ job name of a run. */
export const RUN_JOB = 'run';

/** Checks job data read back from Redis; InvalidArgumentError when it is not a run request. */
export function parseRunJob(data: unknown): RunJobData {
  if (typeof data !== 'object' || data === null) {
    throw new InvalidArgumentError('the job holds no run request');
  }
  const job = data as Partial<RunJobData>;
  if (job.v !== 1) throw new InvalidArgumentError(`unknown run job version ${String(job.v)}`);
  validateName('invocationId', job.invocationId);
  validateName('appName', job.appName);
  validateName('userId', job.userId);
  validateName('sessionId', job.sessionId);
  validateContent(job.message, 'message');
  for (const field of ['stateDelta', 'runConfig', 'traceContext'] as const) {
    const value = job[field];
    if (value !== undefined && (typeof value !== 'object' || value === null)) {
      throw new InvalidArgumentError(`the job's ${field} must be an object`);
    }
  }
  return job as RunJobData;
}
