import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface ResultTable {
  caption: string;
  columns: string[];
  rows: string[][];
}

/** What one benchmark hands back: tables for people, raw figures for the JSON file. */
export interface BenchmarkResult {
  name: string;
  title: string;
  tables: ResultTable[];
  /** One-line readings and caveats, printed under the tables. */
  notes: string[];
  figures: Record<string, unknown>;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  /** 1-minute load average when the run started: others' work on a shared machine shows here. */
  loadAverage: number;
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0,
  };
}

function escapeCell(cell: string): string {
  return cell.replaceAll('|', '\\|');
}

export function tableToMarkdown(table: ResultTable): string {
  const lines = [
    `**${table.caption}**`,
    '',
    `| ${table.columns.map(escapeCell).join(' | ')} |`,
    `| ${table.columns.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function resultToMarkdown(result: BenchmarkResult): string {
  return [
    `## ${result.name}: ${result.title}`,
    '',
    ...result.tables.flatMap((table) => [tableToMarkdown(table), '']),
    ...result.notes.map((note) => `- ${note}`),
  ].join('\n');
}
