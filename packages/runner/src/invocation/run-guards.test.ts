import { describe, expect, it } from 'vitest';
import { createEvent, resolveRunConfig, type FerriteError } from '@ferrite/core';
import { RunGuards } from './run-guards.js';
import { userEvent } from './user-event.js';

const text = (value: string) =>
  createEvent({ author: 'agent', content: { role: 'model', parts: [{ text: value }] } });

describe('RunGuards.of', () => {
  it('shares one stateless instance between runs without limits', () => {
    const trips: FerriteError[] = [];
    const run = { trip: (error: FerriteError) => trips.push(error) };
    const first = RunGuards.of(resolveRunConfig({}), run);
    const second = RunGuards.of(resolveRunConfig({}), run);
    expect(first).toBe(second);
    first.start();
    expect(first.admit(text('x'.repeat(1_000_000)))).toBe(true);
    first.dispose();
    expect(trips).toEqual([]);
  });

  it('gives a run with a limit its own count, tripping only that run', () => {
    const tripped: string[] = [];
    const config = resolveRunConfig({ outputCharLimit: 5 });
    const a = RunGuards.of(config, { trip: () => tripped.push('a') });
    const b = RunGuards.of(config, { trip: () => tripped.push('b') });
    expect(a).not.toBe(b);
    expect(a.admit(text('abcd'))).toBe(true);
    expect(b.admit(text('abcd'))).toBe(true);
    expect(a.admit(text('ef'))).toBe(false);
    expect(tripped).toEqual(['a']);
  });
});

describe('userEvent', () => {
  it('stores a user-role message as it is and another role as a user-role copy', () => {
    const message = { role: 'user', parts: [{ text: 'hi' }] };
    expect(userEvent('inv', message, undefined).content).toBe(message);
    const other = { role: 'model', parts: [{ text: 'hi' }] };
    const event = userEvent('inv', other, { k: 1 });
    expect(event.content).toEqual({ role: 'user', parts: other.parts });
    expect(other.role).toBe('model');
    expect(event).toMatchObject({ author: 'user', invocationId: 'inv' });
    expect(event.actions).toEqual({ stateDelta: { k: 1 }, artifactDelta: {} });
  });

  it('shares one frozen empty delta when the run has none', () => {
    const message = { role: 'user', parts: [{ text: 'hi' }] };
    const first = userEvent('a', message, undefined);
    const second = userEvent('b', message, undefined);
    expect(first.actions.stateDelta).toBe(second.actions.artifactDelta);
    expect(Object.isFrozen(first.actions.stateDelta)).toBe(true);
    expect(first.id).not.toBe(second.id);
  });
});
