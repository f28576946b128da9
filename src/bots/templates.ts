import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../errors.js';
import { botFilesDir } from '../package-root.js';

export interface TemplateFile {
  name: string;
  /** As stored in bots.code_path: relative to the package root, shared by every bot of this template. */
  codePath: string;
  absolutePath: string;
  bytes: number;
}

/**
 * The template folder: the package's bot_files/, unless BOTCTL_BOT_FILES names another one (tests, and
 * operators who keep their templates outside the installed package). Every command and botd read it here.
 */
export function templateDir(): string {
  return process.env.BOTCTL_BOT_FILES || botFilesDir;
}

// Templates are discovered, not registered: every bot_files/*.ts is one. Adding a file adds a template.
export function listTemplateFiles(dir = templateDir()): TemplateFile[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('.'))
    .sort()
    .map((file) => templateFile(file.slice(0, -3), dir));
}

function templateFile(name: string, dir: string): TemplateFile {
  const absolutePath = join(dir, `${name}.ts`);
  return { name, codePath: `bot_files/${name}.ts`, absolutePath, bytes: statSync(absolutePath).size };
}

export function findTemplate(name: string, dir = templateDir()): TemplateFile {
  // Names come from the operator: a path separator or dot-dot must never reach the file system.
  if (/^[A-Za-z0-9_-]+$/.test(name)) {
    try {
      return templateFile(name, dir);
    } catch {
      // fall through to the helpful error
    }
  }
  const available = listTemplateFiles(dir).map((t) => t.name);
  throw invalid(
    `Unknown template ${JSON.stringify(name)}. Available templates: ${available.join(', ')}.`,
    'botctl templates',
  );
}
