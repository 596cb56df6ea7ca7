import { describe, it, expect } from 'vitest';
import {
  AgentNotFoundError,
  FerriteError,
  InvalidArgumentError,
  ModelError,
  SessionBusyError,
} from '@ferrite/core';
import { HttpError } from './http-error.js';
import { errorResponse } from './responses.js';

describe('HttpError and error responses', () => {
  it('is recognised by isInstance and carries its status and code', async () => {
    const error = new HttpError('no token', { status: 401 });
    expect(HttpError.isInstance(error)).toBe(true);
    expect(FerriteError.isInstance(error)).toBe(true);
    expect(HttpError.isInstance(new InvalidArgumentError('x'))).toBe(false);
    const response = errorResponse(error);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'no token', code: 'unauthorized' });
  });

  it('maps codes to statuses and hides internal details', async () => {
    expect(errorResponse(new SessionBusyError('busy')).status).toBe(409);
    expect(errorResponse(new InvalidArgumentError('bad')).status).toBe(400);
    // A run that fails by itself is the server's failure, not a missing resource.
    const transfer = errorResponse(new AgentNotFoundError('nobody'));
    expect(transfer.status).toBe(500);
    expect(await transfer.json()).toEqual({
      error: expect.stringContaining('nobody'),
      code: 'agent.not_found',
    });
    expect(errorResponse(new ModelError('provider said 503')).status).toBe(500);
    const internal = errorResponse(new Error('password=hunter2 connection refused'));
    expect(internal.status).toBe(500);
    expect(await internal.json()).toEqual({ error: 'internal error', code: 'internal' });
  });

  it('follows the family identity rule: marker and code, whatever copy made it', async () => {
    const foreign = Object.assign(new Error('go away'), {
      code: 'user.forbidden',
      [Symbol.for('@ferrite/core.error')]: true,
    });
    expect(HttpError.isInstance(foreign)).toBe(true);
    // A name and a status are not what makes an HttpError.
    const lookalike = Object.assign(new Error('x'), { name: 'HttpError', status: 401 });
    expect(HttpError.isInstance(lookalike)).toBe(false);
    expect(new HttpError('who?', { code: 'app.not_found' }).status).toBe(404);
    expect(new HttpError('wrong type', { status: 415 }).code).toBe(
      'request.unsupported_media_type',
    );
    const response = errorResponse(foreign);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'go away', code: 'user.forbidden' });
  });
});
