/** Progress lines on the terminal, stamped with the seconds since the run began. */
const t0 = Date.now()

export function log(msg: string): void {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`)
}
