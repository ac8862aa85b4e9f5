// The server's console: commands typed on its standard input while it serves. The article ran
// it as a third thread; in Bun it is one more async loop on the same event loop.
import kleur from "kleur";

export interface ConsoleCommand {
  readonly help: string;
  /** `args` are the words after the command. Returns lines to print. */
  run(args: readonly string[]): string[] | Promise<string[]>;
}

/** `onEnd`: called when standard input closes (step 11's rooms stop then: their agent is gone). */
export function startConsole(commands: Record<string, ConsoleCommand>, onEnd?: () => void): void {
  const all: Record<string, ConsoleCommand> = {
    help: { help: "list the commands", run: () => Object.entries(all).map(([n, c]) => `${n.padEnd(6)} ${c.help}`) },
    ...commands,
  };
  (async () => {
    for await (const line of console) {
      const [name = "", ...args] = line.trim().split(/\s+/);
      if (name === "") continue;
      const command = all[name];
      const lines = command ? await command.run(args) : [`unknown command ${JSON.stringify(name)} (try help)`];
      for (const l of lines) console.log(kleur.cyan(l));
    }
    onEnd?.();
  })();
}
