// One line per event, coloured by kind, with the peer's address: an operator reading the server's
// terminal can see who connected, who was refused and why.
import kleur from "kleur";

const time = (): string => new Date().toISOString().slice(11, 23);

export const log = {
  info: (text: string): void => console.log(`${kleur.gray(time())} ${text}`),
  join: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.green("+")} ${text}`),
  leave: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.yellow("-")} ${text}`),
  refuse: (text: string): void => console.log(`${kleur.gray(time())} ${kleur.red("!")} ${text}`),
  error: (text: string): void => console.error(`${kleur.gray(time())} ${kleur.red().bold("error")} ${text}`),
};

/** `127.0.0.1:5001` */
export const addressOf = (host: string, port: number): string => `${host}:${port}`;

/** Quote text that came from a stranger, cut short and with control characters made visible. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
