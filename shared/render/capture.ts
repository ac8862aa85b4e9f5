// A hook for tests and the README's screenshot: a windowed client started with HAUNTED_CAPTURE=<path>
// saves what its window shows whenever it gets SIGUSR2: <path>.png, <path>.rgba (raw pixels, top row
// first) and, last, <path>.json with the pixels' size and the view they were drawn from (tick,
// players as this client knew them). A reader waits for the .json: it appears only when all is written.
import { renameSync, writeFileSync } from "node:fs";
import type { ClientView } from "./scene.ts";
import type { WindowScreen } from "./window-screen.ts";

export const CAPTURE_ENV = "HAUNTED_CAPTURE";
export const CAPTURE_SIGNAL = "SIGUSR2";

export interface CaptureInfo {
  readonly width: number;
  readonly height: number;
  /** The view the captured frame was drawn from; undefined before the first one. */
  readonly view?: ClientView;
}

/** Installs the hook when HAUNTED_CAPTURE is set (never otherwise: a player's client has no such signal handler). */
export function captureOnSignal(screen: WindowScreen, shown: () => ClientView | undefined): void {
  const path = process.env[CAPTURE_ENV];
  if (!path) return;
  process.on(CAPTURE_SIGNAL, () => {
    const view = shown(); // read together with the pixels: both are the newest frame
    const pixels = screen.capture(`${path}.png`);
    writeFileSync(`${path}.rgba`, pixels.rgba);
    const info: CaptureInfo = { width: pixels.width, height: pixels.height, ...(view ? { view } : {}) };
    writeFileSync(`${path}.json.partial`, JSON.stringify(info));
    renameSync(`${path}.json.partial`, `${path}.json`);
  });
}
