import type {
  Content,
  GenerateOptions,
  Model,
  ModelRequest,
  ModelResponse,
  Part,
} from '@ferrite/core';

/**
 * A deterministic stand-in for a language model, so the quickstart runs offline with no key.
 * It is not intelligent: it picks a transfer or a tool call from the user's words with simple
 * rules, and phrases its answer from the tool's result. It streams its text word by word.
 */
export class DemoModel implements Model {
  /** Says what it is wherever a model name is shown. */
  readonly name = 'demo-model (deterministic rules, offline)';
  readonly #delayMs: number;

  constructor(options: { delayMs?: number } = {}) {
    this.#delayMs = options.delayMs ?? 12;
  }

  /** Answers with a transfer, a tool call or text chosen by fixed rules from the request. */
  async *generate(request: ModelRequest, options: GenerateOptions): AsyncGenerator<ModelResponse> {
    const reply = decide(request);
    if (options.stream && reply.text !== undefined) {
      for (const word of reply.text.match(/\S+\s*/g) ?? []) {
        await pause(this.#delayMs, options.signal);
        yield { partial: true, content: { role: 'model', parts: [{ text: word }] } };
      }
    }
    await pause(this.#delayMs, options.signal);
    const parts: Part[] = reply.call
      ? [{ functionCall: { id: `call-${Date.now().toString(36)}`, ...reply.call } }]
      : [{ text: reply.text ?? '' }];
    yield { content: { role: 'model', parts }, finishReason: reply.call ? 'tool_calls' : 'stop' };
  }
}

interface Reply {
  text?: string;
  call?: { name: string; args: Record<string, unknown> };
}

function decide(request: ModelRequest): Reply {
  const tools = new Set(request.tools.map((tool) => tool.name));
  const last = request.contents.at(-1);
  const result = last?.parts.find((part) => part.functionResponse)?.functionResponse;
  if (result) return { text: describeResult(result.name, result.response) };
  const said = lastUserText(request.contents);
  const wantsNotes = /\b(note|notes|remember|jot|write down)\b/i.test(said);
  const conversion = parseConversion(said);
  const arithmetic = parseArithmetic(said);
  if (tools.has('calculate') && arithmetic) {
    return { call: { name: 'calculate', args: { expression: arithmetic } } };
  }
  if (tools.has('calculator') && arithmetic) {
    return { call: { name: 'calculator', args: { expression: arithmetic } } };
  }
  if (tools.has('add_note') && wantsNotes) {
    const text = said
      .replace(/^.*?\b(remember|note|jot down|write down)\b[:\s-]*(that\s+|to\s+)?/i, '')
      .trim();
    if (/\b(list|show|what)\b/i.test(said) && !/\bremember\b/i.test(said)) {
      return { call: { name: 'list_notes', args: {} } };
    }
    return { call: { name: 'add_note', args: { text: text || said } } };
  }
  if (tools.has('convert_units') && conversion) {
    return { call: { name: 'convert_units', args: conversion } };
  }
  if (tools.has('transfer_to_agent')) {
    if (wantsNotes)
      return { call: { name: 'transfer_to_agent', args: { agent_name: 'notes_clerk' } } };
    if (conversion)
      return { call: { name: 'transfer_to_agent', args: { agent_name: 'converter' } } };
    if (arithmetic)
      return { call: { name: 'transfer_to_agent', args: { agent_name: 'front_desk' } } };
  }
  return {
    text:
      'I am the demo model (simple rules, no AI). Try "remember to buy oat milk", ' +
      '"show my notes", "convert 10 km to miles" or "what is 12 * (3 + 4)".',
  };
}

function lastUserText(contents: Content[]): string {
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i]!;
    if (content.role !== 'user') continue;
    const text = content.parts.map((part) => part.text ?? '').join('');
    if (text !== '' && !text.startsWith('For context:')) return text;
  }
  return '';
}

const UNITS: Record<string, string> = {
  km: 'km',
  kilometer: 'km',
  kilometers: 'km',
  kilometre: 'km',
  kilometres: 'km',
  mi: 'mi',
  mile: 'mi',
  miles: 'mi',
  kg: 'kg',
  kilo: 'kg',
  kilos: 'kg',
  kilogram: 'kg',
  kilograms: 'kg',
  lb: 'lb',
  lbs: 'lb',
  pound: 'lb',
  pounds: 'lb',
  c: 'C',
  celsius: 'C',
  f: 'F',
  fahrenheit: 'F',
};

function parseConversion(text: string): { value: number; from: string; to?: string } | undefined {
  const match = /(-?\d+(?:\.\d+)?)\s*°?\s*([a-z]+)(?:\s+(?:to|in|into)\s+°?([a-z]+))?/i.exec(text);
  if (!match) return undefined;
  const from = UNITS[match[2]!.toLowerCase()];
  if (!from) return undefined;
  const to = match[3] ? UNITS[match[3].toLowerCase()] : undefined;
  return { value: Number(match[1]), from, ...(to ? { to } : {}) };
}

/**
 * The arithmetic expression in a message (numbers joined by + - * / with parentheses), or in the
 * `expression` of a JSON message (what an agent used as a tool receives); undefined when none.
 */
function parseArithmetic(text: string): string | undefined {
  let source = text;
  if (text.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { expression?: unknown };
      if (typeof parsed.expression === 'string') source = parsed.expression;
    } catch {
      // Not JSON: read the text itself.
    }
  }
  const match = /[-(\d][\d\s.()+\-*/×x]*\d[\s)]*/.exec(source);
  const expression = match?.[0].trim();
  if (!expression || !/\d\s*[-+*/×x]\s*[-(\d]/.test(expression)) return undefined;
  return expression;
}

function describeResult(name: string, response: Record<string, unknown>): string {
  if (typeof response.error === 'string') return `That did not work: ${response.error}`;
  switch (name) {
    case 'add_note':
      return `Noted "${String(response.note)}". You have ${String(response.count)} note(s); they are saved as the artifact ${String(response.artifact)} (version ${String(response.version)}).`;
    case 'list_notes': {
      const notes = Array.isArray(response.notes) ? (response.notes as unknown[]) : [];
      return notes.length === 0
        ? 'You have no notes yet.'
        : `Your notes: ${notes.map((note, i) => `${i + 1}. ${String(note)}`).join('; ')}.`;
    }
    case 'convert_units':
      return `${String(response.value)} ${String(response.from)} is ${String(response.result)} ${String(response.to)}.`;
    case 'calculate':
      return `${String(response.expression)} = ${String(response.result)}.`;
    case 'calculator':
      return `The calculator says: ${String(response.result)}`;
    default:
      return `The tool ${name} answered ${JSON.stringify(response)}.`;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
