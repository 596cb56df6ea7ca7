import { LlmAgent, FunctionTool } from '@ferrite/agents';
import type { Agent, Model } from '@ferrite/core';
import { calculatorTool } from './calculator.js';

const NOTES_KEY = 'user:notes';
const NOTES_ARTIFACT = 'notes.md';

const UNIT_PAIRS: Record<string, { to: string; convert: (value: number) => number }> = {
  km: { to: 'mi', convert: (v) => v / 1.609344 },
  mi: { to: 'km', convert: (v) => v * 1.609344 },
  kg: { to: 'lb', convert: (v) => v / 0.45359237 },
  lb: { to: 'kg', convert: (v) => v * 0.45359237 },
  C: { to: 'F', convert: (v) => (v * 9) / 5 + 32 },
  F: { to: 'C', convert: (v) => ((v - 32) * 5) / 9 },
};

/** Saves a note in the user's state and rewrites the `notes.md` artifact. */
const addNote = new FunctionTool({
  name: 'add_note',
  description: "Saves a short note for the user (kept across the user's sessions).",
  parameters: {
    type: 'object',
    properties: { text: { type: 'string', description: 'The note to keep' } },
    required: ['text'],
  },
  execute: async (args, context) => {
    const note = String(args.text).trim();
    const notes = [...(context.state.get<string[]>(NOTES_KEY) ?? []), note];
    context.state.set(NOTES_KEY, notes);
    const markdown = `# Notes\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
    const version = context.artifacts
      ? await context.artifacts.save(NOTES_ARTIFACT, { text: markdown })
      : undefined;
    return { note, count: notes.length, artifact: NOTES_ARTIFACT, version };
  },
});

/** Reads the user's notes from state. */
const listNotes = new FunctionTool({
  name: 'list_notes',
  description: 'Lists the notes the user saved.',
  parameters: { type: 'object', properties: {} },
  execute: async (_args, context) => ({ notes: context.state.get<string[]>(NOTES_KEY) ?? [] }),
});

/** Converts between km/mi, kg/lb and °C/°F and remembers the last conversion in the session. */
const convertUnits = new FunctionTool({
  name: 'convert_units',
  description: 'Converts a value between km and mi, kg and lb, or C and F.',
  parameters: {
    type: 'object',
    properties: {
      value: { type: 'number' },
      from: { type: 'string', enum: Object.keys(UNIT_PAIRS) },
      to: { type: 'string', enum: Object.keys(UNIT_PAIRS) },
    },
    required: ['value', 'from'],
  },
  execute: async (args, context) => {
    const from = typeof args.from === 'string' ? args.from : '';
    const pair = UNIT_PAIRS[from];
    if (!pair) return { error: `unknown unit ${from}` };
    const to = typeof args.to === 'string' ? args.to : pair.to;
    if (to !== pair.to) return { error: `cannot convert ${from} to ${to}` };
    const value = Number(args.value);
    const result = Math.round(pair.convert(value) * 100) / 100;
    context.state.set('last_conversion', { value, from, to, result });
    return { value, from, to, result };
  },
});

/**
 * The quickstart's help desk: a `front_desk` router that hands notes to `notes_clerk` and
 * unit conversions to `converter`, and asks the `calculator` specialist (an agent used as a
 * tool) for arithmetic, all driven by `model`.
 */
export function createDesk(model: Model): Agent {
  const notesClerk = new LlmAgent({
    name: 'notes_clerk',
    description: "Keeps the user's notes: adds a note, lists the notes.",
    model,
    instruction:
      'You keep short notes for the user. Use add_note to save one and list_notes to read them. ' +
      'Answer in one sentence. For anything else, transfer back to front_desk.',
    tools: [addNote, listNotes],
  });
  const converter = new LlmAgent({
    name: 'converter',
    description: 'Converts values between km/mi, kg/lb and C/F.',
    model,
    instruction:
      'You convert units with convert_units and answer with the result in one sentence. ' +
      'For anything else, transfer back to front_desk.',
    tools: [convertUnits],
  });
  return new LlmAgent({
    name: 'front_desk',
    description: 'Greets the user and routes each request to the right specialist.',
    model,
    instruction:
      'You are the front desk. Transfer note-taking requests to notes_clerk and unit conversions ' +
      'to converter. For arithmetic, call calculator and pass on its answer. Otherwise answer ' +
      'briefly and say what the desk can do.',
    tools: [calculatorTool(model)],
    subAgents: [notesClerk, converter],
  });
}
