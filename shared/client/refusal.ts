// A server's refusal as one sentence a player understands.
import type { ErrorCode } from "../wire/protocol.ts";

export function refusal(code: ErrorCode, name: string): string {
  switch (code) {
    case "NAME_TAKEN":
      return `the name ${name} is already taken on this server: choose another with --name`;
    case "NAME_INVALID":
      return `the server does not accept the name ${name}`;
    case "SERVER_FULL":
      return "the server is full: try again later";
    case "NOT_CONNECTED":
      return `the server does not know ${name} (any more): kicked, or silent for too long`;
    case "NOT_YOURS":
      return `the server says ${name} was connected from another address`;
    case "MALFORMED":
      return "the server did not understand this client (another version of the game?)";
    case "TOO_LONG":
      return "the server refused a message as too long";
    case "RATE_LIMITED":
      return "the server says this client sends too much";
    case "GAME_RUNNING":
      return "a game is running: players may join only in the lobby";
    case "TOKEN_INVALID":
      return "this room wants a seat from the matchmaker: ask it again (--matchmaker URL)";
  }
}
