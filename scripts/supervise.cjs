// Keeps one child process running for npm start: a child that dies is started again after a pause
// that doubles (1 s, 2 s, … 30 s) while it keeps dying, and is back to 1 s once it has stayed up 60 s.
// CommonJS so that start.mjs and the jest test (CommonJS) both load it.
'use strict';
const { spawn } = require('node:child_process');

/**
 * @typedef {object} SuperviseOptions
 * @property {string} name what the console calls the child
 * @property {string} command
 * @property {string[]} args
 * @property {import('node:child_process').SpawnOptions} [spawnOptions]
 * @property {(child: import('node:child_process').ChildProcess) => void} [onStart] e.g. pipe its output to its log
 * @property {string} [logPath] named in the console line when it exits
 * @property {(line: string) => void} [report] where the console lines go (console.error)
 * @property {number} [initialDelayMs] first pause before a restart (1,000)
 * @property {number} [maxDelayMs] longest pause (30,000)
 * @property {number} [resetAfterMs] a child up this long starts the doubling again (60,000)
 * @property {number} [stopGraceMs] after SIGTERM, how long before SIGKILL (15,000)
 */

/**
 * Starts the child and restarts it whenever it exits, until stop().
 * @param {SuperviseOptions} options
 */
function supervise(options) {
  const { name, command, args, spawnOptions = {}, onStart, logPath, report = console.error } = options;
  const initialDelayMs = options.initialDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  const stopGraceMs = options.stopGraceMs ?? 15_000;
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  let stopping = false;
  let restarts = 0;
  let delayMs = initialDelayMs;

  const start = () => {
    timer = undefined;
    const startedAt = Date.now();
    const current = spawn(command, args, spawnOptions);
    child = current;
    onStart?.(current);
    current.on('error', (error) => report(`${name} could not start: ${error.message}`));
    current.on('exit', (code, signal) => {
      if (stopping) return;
      // a child that stayed up a while had recovered: its next crash is a new story
      if (Date.now() - startedAt >= resetAfterMs) delayMs = initialDelayMs;
      restarts += 1;
      report(`${name} exited (code ${code}, signal ${signal}); restarting in ${delayMs / 1000} s (restart ${restarts})${logPath ? `; log: ${logPath}` : ''}`);
      timer = setTimeout(start, delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    });
  };
  start();

  return {
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    /** Stops restarting, sends SIGTERM (SIGKILL after the grace), and resolves once the child is gone. */
    stop() {
      stopping = true;
      clearTimeout(timer);
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const kill = setTimeout(() => current.kill('SIGKILL'), stopGraceMs);
        current.once('exit', () => {
          clearTimeout(kill);
          resolve(undefined);
        });
        current.kill('SIGTERM');
      });
    },
  };
}

module.exports = { supervise };
