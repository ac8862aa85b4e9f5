// Step 01: a TCP client that sends one message and prints the answer.
import { cli, flag, hostFlag, portFlag } from "../../shared/plumbing/cli.ts";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";

const options = cli({
  usage: "bun steps/01-echo-tcp/client.ts [--host H] [--port P] [--message TEXT]",
  summary: "Sends one message to the step 01 server and prints its answer.",
  flags: { host: hostFlag, port: portFlag(9998), message: flag("string", "Hello server!", "the message to send") },
});

try {
  const connection = await MessageConnection.open(options.host, options.port, "utf-16");
  connection.send(`${options.message} END`);
  const answer = await connection.next();
  connection.close();
  if (answer === null) throw new Error("the server closed the connection without answering");
  console.log(answer.slice(0, -"END".length).trim());
} catch (e) {
  console.error(`cannot talk to ${options.host}:${options.port}: ${(e as Error).message}`);
  process.exit(1);
}
