// A botctl command is declared once (commands.ts): its arguments and options, as commander reads them. The
// handler's parameter types are inferred from that declaration, and main.ts pairs each declaration with its
// lazily loaded handler under a type that checks one against the other. So a handler that reads an option no flag
// declares, treats an optional one as always there, or is paired with another command's flags does not compile.
import { Command, Option } from 'commander';
import type { CommandContext } from './context.js';

export interface OptionDeclaration {
  /** commander's flags: `--name <value>` takes a string; `--name` alone is a switch (true when given). */
  flags: string;
  description: string;
  /**
   * Shown in --help and used when the option is absent. The handler's type still has the option optional: a
   * handler may run without commander (tests call it directly), so the layer below applies the same default.
   */
  default?: string;
  /** commander refuses the command without it; its help says `(required)` (main.ts, finishHelp). */
  required?: true;
}

export interface ArgumentDeclaration {
  /** `<name>` is required, `[name]` optional. */
  name: string;
  description: string;
}

export interface CommandDeclaration {
  description: string;
  arguments?: readonly ArgumentDeclaration[];
  options?: readonly OptionDeclaration[];
  /** Only groups subcommands (`botctl data …`): no handler of its own. */
  group?: true;
}

/** Keeps the declaration's literal types (flag strings, required) for the inference below. */
export function defineCommand<const D extends CommandDeclaration>(declaration: D): D {
  return declaration;
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
/** `--fail-fast` → failFast, `--pair <symbol>` → pair: commander's own key for the option. */
type OptionKey<Flags extends string> = Flags extends `--${infer Name} ${string}` ? CamelCase<Name> : Flags extends `--${infer Name}` ? CamelCase<Name> : never;
type OptionValue<Flags extends string> = Flags extends `${string} <${string}>` ? string : boolean;
type AlwaysThere<O extends OptionDeclaration> = O extends { required: true } ? true : false;
type Declared<D extends CommandDeclaration> = D['options'] extends readonly OptionDeclaration[] ? D['options'][number] : never;

/** The options a handler receives, as commander parses them for this declaration. */
export type OptionsOf<D extends CommandDeclaration> = {
  [O in Declared<D> as AlwaysThere<O> extends true ? OptionKey<O['flags']> : never]: OptionValue<O['flags']>;
} & {
  [O in Declared<D> as AlwaysThere<O> extends true ? never : OptionKey<O['flags']>]?: OptionValue<O['flags']>;
};

/** The positional arguments a handler receives: a string for each `<required>` one, maybe undefined for `[optional]`. */
export type ArgumentsOf<D extends CommandDeclaration> = D['arguments'] extends readonly ArgumentDeclaration[] ? ArgumentValues<D['arguments']> : [];
type ArgumentValues<A extends readonly ArgumentDeclaration[]> = { -readonly [I in keyof A]: A[I] extends { name: `<${string}>` } ? string : string | undefined };

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

/** Adds the declared command to `parent` as commander's `name` subcommand. */
export function addCommand(parent: Command, name: string, declaration: CommandDeclaration): Command {
  const command = parent.command(name).description(declaration.description);
  for (const argument of declaration.arguments ?? []) command.argument(argument.name, argument.description);
  for (const declared of declaration.options ?? []) {
    const option = new Option(declared.flags, declared.description);
    if (declared.default !== undefined) option.default(declared.default);
    if (declared.required) option.makeOptionMandatory();
    command.addOption(option);
  }
  return command;
}
