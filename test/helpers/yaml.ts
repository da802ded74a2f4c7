import { readFileSync } from 'node:fs';
import { requireTool } from './paths';

const yaml = requireTool('yaml') as {
  parse(text: string, options?: object): unknown;
  stringify(value: unknown, options?: object): string;
};

export function readYaml<T = any>(path: string): T {
  return yaml.parse(readFileSync(path, 'utf8')) as T;
}

export function toYaml(value: unknown): string {
  return yaml.stringify(value, { lineWidth: 0 });
}

export function parseYaml<T = any>(text: string): T {
  return yaml.parse(text) as T;
}
