import type { Agent } from '@ferrite/core';

/** An agent as ADK's `build_graph` route describes it. */
export interface AgentInfo {
  name: string;
  type: 'agent';
  description?: string;
  model?: string;
  tools?: { name: string; type: 'tool' }[];
  sub_agents?: AgentInfo[];
}

/** How agents of a workflow kind are drawn (by class name; other agents draw parent → child). */
type Kind = 'sequential' | 'loop' | 'parallel' | 'agent';

const PALETTES = {
  light: {
    background: '#F8FAFC',
    fill: '#FFFFFF',
    border: '#94A3B8',
    text: '#0F172A',
    edge: '#64748B',
  },
  dark: {
    background: '#0F172A',
    fill: '#1E293B',
    border: '#475569',
    text: '#F8FAFC',
    edge: '#94A3B8',
  },
} as const;
const HIGHLIGHT = { fill: '#0F5223', border: '#0F5223', text: '#FFFFFF', edge: '#69CB87' };

/** The tools an agent offers, read from a `tools` array of named objects (as `LlmAgent` has). */
function toolNamesOf(agent: Agent): string[] {
  const tools = (agent as { tools?: unknown }).tools;
  if (!Array.isArray(tools)) return [];
  return tools
    .map((tool: unknown) => (tool as { name?: unknown } | null)?.name)
    .filter((name): name is string => typeof name === 'string' && name !== '');
}

function modelNameOf(agent: Agent): string | undefined {
  const model = (agent as { model?: unknown }).model;
  if (typeof model === 'string') return model || undefined;
  const name = (model as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function kindOf(agent: Agent): Kind {
  switch (agent.constructor.name) {
    case 'SequentialAgent':
      return 'sequential';
    case 'LoopAgent':
      return 'loop';
    case 'ParallelAgent':
      return 'parallel';
    default:
      return 'agent';
  }
}

/** The agent tree in the shape of ADK's `GET /dev/apps/{app}/build_graph` answer. */
export function describeAgent(agent: Agent): AgentInfo {
  const info: AgentInfo = { name: agent.name, type: 'agent' };
  if (agent.description) info.description = agent.description;
  const model = modelNameOf(agent);
  if (model) info.model = model;
  const tools = toolNamesOf(agent);
  if (tools.length > 0) info.tools = tools.map((name) => ({ name, type: 'tool' }));
  if (agent.subAgents.length > 0) info.sub_agents = agent.subAgents.map(describeAgent);
  return info;
}

/** Finds the agent at a `/`-separated path of names (the root's own name may lead). */
export function agentAtPath(root: Agent, path: string): Agent | undefined {
  const names = path.split('/').filter((name) => name !== '');
  let current: Agent | undefined = root;
  for (const [index, name] of names.entries()) {
    if (index === 0 && name === root.name) continue;
    current = current.subAgents.find((agent) => agent.name === name);
    if (!current) return undefined;
  }
  return current;
}

/** Options of {@link agentGraphDot}. */
export interface AgentGraphOptions {
  /** Colours for a dark page. */
  darkMode?: boolean;
  /** Pairs of node names to highlight (the nodes, and the edge between them when there is one). */
  highlights?: readonly (readonly [string, string])[];
}

/**
 * The agent tree as Graphviz DOT source: agents as boxes, tools as dashed boxes, edges from
 * parent to sub-agent (a chain for a SequentialAgent, a cycle for a LoopAgent, a fan-out for a
 * ParallelAgent). The Dev UI renders the DOT itself.
 */
export function agentGraphDot(root: Agent, options: AgentGraphOptions = {}): string {
  const palette = options.darkMode ? PALETTES.dark : PALETTES.light;
  const highlights = options.highlights ?? [];
  const lit = new Set(highlights.flat().filter((name) => name !== ''));
  const lines: string[] = [
    `digraph ${quote(root.name)} {`,
    `  graph [bgcolor=${quote(palette.background)}, pad=0.5, nodesep=0.5, ranksep=0.8, fontname="Helvetica"];`,
    `  node [shape=rect, style="rounded,filled", fillcolor=${quote(palette.fill)}, color=${quote(palette.border)}, fontcolor=${quote(palette.text)}, fontname="Helvetica", fontsize=12];`,
    `  edge [color=${quote(palette.edge)}, arrowhead=vee, arrowsize=0.7];`,
  ];
  const seen = new Set<string>();
  const node = (name: string, tool: boolean): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const style = tool ? 'rounded,filled,dashed' : 'rounded,filled';
    const label = `${tool ? '\u{1F527}' : '\u2726'} ${name}`;
    const colours = lit.has(name)
      ? `, fillcolor=${quote(HIGHLIGHT.fill)}, color=${quote(HIGHLIGHT.border)}, fontcolor=${quote(HIGHLIGHT.text)}`
      : '';
    lines.push(`  ${quote(name)} [label=${quote(label)}, style=${quote(style)}${colours}];`);
  };
  const edge = (from: string, to: string, dashed = false): void => {
    const isLit = highlights.some(([a, b]) => (a === from && b === to) || (a === to && b === from));
    const attributes = [
      ...(dashed ? ['style=dashed'] : []),
      ...(isLit ? [`color=${quote(HIGHLIGHT.edge)}`, 'penwidth=2'] : []),
    ];
    lines.push(
      `  ${quote(from)} -> ${quote(to)}${attributes.length > 0 ? ` [${attributes.join(', ')}]` : ''};`,
    );
  };
  const walk = (agent: Agent): void => {
    node(agent.name, false);
    for (const tool of toolNamesOf(agent)) {
      node(tool, true);
      edge(agent.name, tool, true);
    }
    const children = agent.subAgents;
    for (const child of children) walk(child);
    const kind = kindOf(agent);
    if ((kind === 'sequential' || kind === 'loop') && children.length > 0) {
      edge(agent.name, children[0]!.name);
      for (let i = 1; i < children.length; i++) edge(children[i - 1]!.name, children[i]!.name);
      if (kind === 'loop' && children.length > 1) edge(children.at(-1)!.name, children[0]!.name);
    } else {
      for (const child of children) edge(agent.name, child.name);
    }
  };
  walk(root);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT identifier in double quotes. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
