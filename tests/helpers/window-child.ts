// A windowed stand-in for a client, for tests under Xvfb: opens the raylib window screen, shows
// the demo frame and prints `MOVE <move>` whenever the held keys change, `DONE <why>` at the end.
import { demoFrame } from "../../scripts/screenshot.ts";
import { openWindowScreen } from "../../shared/render/window-screen.ts";

const opened = openWindowScreen({ title: "haunted-net test window", width: 480, height: 270 });
if (!opened.ok) {
  console.log(`FAIL ${opened.reason}`);
  process.exit(2);
}
const screen = opened.screen;
screen.show(demoFrame());
console.log("READY");
let last = "";
const poll = setInterval(() => {
  if (screen.current() !== last) console.log(`MOVE ${(last = screen.current())}`);
}, 10);
const deadline = setTimeout(() => screen.stop(), 20_000); // never outlive a forgotten test
const why = await screen.done;
clearTimeout(deadline);
clearInterval(poll);
screen.close();
console.log(`DONE ${why} fps ${screen.fps()}`);
