/** What the run ran on, recorded beside the numbers. */
import os from 'node:os'
import { readFileSync } from 'node:fs'

function openFilesLimit(): string {
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))
  return m ? `${m[1]}/${m[2]}` : 'unknown'
}

export function machineInfo(): Record<string, unknown> {
  return {
    cores: os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    os: `${os.type()} ${os.release()}`,
    openFiles: openFilesLimit(),
    /** Other work on the machine competes with both the servers and the generator. */
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  }
}
