// botctl's side of a declared command (src/command-declaration.ts): the handler module main.ts loads lazily, whose
// parameter types are inferred from the declaration, and main.ts pairs each declaration with its handler under a
// type that checks one against the other.
import type { ArgumentsOf, CommandDeclaration, OptionsOf } from '../command-declaration.js';
import type { CommandContext } from './context.js';

/** A command's handler module, as main.ts loads it. */
export interface CommandModule<D extends CommandDeclaration> {
  // A property, not a method: its parameters are then checked contravariantly, so the handler must accept exactly
  // what the declaration makes commander pass.
  run: (context: CommandContext, args: ArgumentsOf<D>, options: OptionsOf<D>) => Promise<unknown>;
  /** Human output; without it the result prints as JSON. */
  render?(result: unknown): string;
  /** Exit code for a result that was printed but is not a success (e.g. `botctl run` of a failing bot). */
  exitCode?(result: unknown): number;
}

/** Any command's handler, as main.ts runs it once `handlers` has checked it against its declaration. */
export type LoadedCommand = Omit<CommandModule<CommandDeclaration>, 'run'> & { run: (context: CommandContext, args: never, options: never) => Promise<unknown> };
