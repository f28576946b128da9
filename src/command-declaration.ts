// A command is declared once: its arguments and options, as commander reads them. The handler's parameter types
// are inferred from that declaration (OptionsOf, ArgumentsOf), so a handler that reads an option no flag declares,
// treats an optional one as always there, or expects another type than the option's parser returns does not
// compile. botctl's commands (src/cli/commands.ts) and botd's (src/daemon/cli.ts) are both declared this way.
import { Command, Option } from 'commander';

export interface OptionDeclaration {
  /** commander's flags: `--name <value>` takes a string; `--name` alone is a switch (true when given). */
  flags: string;
  description: string;
  /**
   * Shown in --help and used when the option is absent. The handler's type still has the option optional: a
   * handler may run without commander (tests call it directly), so the layer below applies the same default.
   */
  default?: string | number;
  /** commander refuses the command without it; botctl's help says `(required)` (main.ts, finishHelp). */
  required?: true;
  /** The only values accepted (listed in --help); the handler's type is their union. */
  choices?: readonly string[];
  /** Turns the text into the handler's value, throwing commander's InvalidArgumentError on bad input. */
  parse?: (value: string) => unknown;
  /** An environment variable that gives the value when the flag is absent. */
  env?: string;
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

/** Keeps the declaration's literal types (flag strings, required, choices) for the inference below. */
export function defineCommand<const D extends CommandDeclaration>(declaration: D): D {
  return declaration;
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
/** `--fail-fast` → failFast, `--pair <symbol>` → pair: commander's own key for the option. */
type OptionKey<Flags extends string> = Flags extends `--${infer Name} ${string}` ? CamelCase<Name> : Flags extends `--${infer Name}` ? CamelCase<Name> : never;
type OptionValue<O extends OptionDeclaration> = O extends { parse: (value: string) => infer T }
  ? T
  : O extends { choices: readonly (infer C)[] }
    ? C
    : O['flags'] extends `${string} <${string}>`
      ? string
      : boolean;
type AlwaysThere<O extends OptionDeclaration> = O extends { required: true } ? true : false;
type Declared<D extends CommandDeclaration> = D['options'] extends readonly OptionDeclaration[] ? D['options'][number] : never;

/** The options a handler receives, as commander parses them for this declaration. */
export type OptionsOf<D extends CommandDeclaration> = {
  [O in Declared<D> as AlwaysThere<O> extends true ? OptionKey<O['flags']> : never]: OptionValue<O>;
} & {
  [O in Declared<D> as AlwaysThere<O> extends true ? never : OptionKey<O['flags']>]?: OptionValue<O>;
};

/** The positional arguments a handler receives: a string for each `<required>` one, maybe undefined for `[optional]`. */
export type ArgumentsOf<D extends CommandDeclaration> = D['arguments'] extends readonly ArgumentDeclaration[] ? ArgumentValues<D['arguments']> : [];
type ArgumentValues<A extends readonly ArgumentDeclaration[]> = { -readonly [I in keyof A]: A[I] extends { name: `<${string}>` } ? string : string | undefined };

/** Adds the declared options to `command`. */
export function addOptions(command: Command, options: readonly OptionDeclaration[]): Command {
  for (const declared of options) {
    const option = new Option(declared.flags, declared.description);
    if (declared.parse) option.argParser(declared.parse);
    if (declared.choices) option.choices(declared.choices);
    if (declared.default !== undefined) option.default(declared.default);
    if (declared.env) option.env(declared.env);
    if (declared.required) option.makeOptionMandatory();
    command.addOption(option);
  }
  return command;
}

/** Adds the declared command to `parent` as commander's `name` subcommand. */
export function addCommand(parent: Command, name: string, declaration: CommandDeclaration): Command {
  const command = parent.command(name).description(declaration.description);
  for (const argument of declaration.arguments ?? []) command.argument(argument.name, argument.description);
  return addOptions(command, declaration.options ?? []);
}
