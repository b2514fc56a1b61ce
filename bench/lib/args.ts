/** Command line: `--quick`, `--only=fanout,rooms`, `--systems=guildhall,ws`, `--workers=2`, `--cpu-prof[=dir]`, `--diag`, `--window-prof[=dir]`, `--data-dir=<dir>`, `--save=<name>`. */
export interface Options {
  quick: boolean
  only?: string[]
  systems?: string[]
  workers: number
  /** Load lib/diagnostics.ts into the Node servers (event-loop delay, GC, memory each second in their logs). */
  diag?: boolean
  /** With --diag: a CPU profile of each measured window of the Node servers, in this directory. */
  windowProf?: string
  /** Write guildhall CPU profiles (node --cpu-prof) to this directory. */
  cpuProf?: string
  /** Where guildhall's DATA_DIRs go; default bench/.data. Never tmpfs (lib/filesystem.ts). */
  dataDir?: string
  /** Also keep this run as bench/results/runs/<name>.json and .md, to be committed and cited. */
  save?: string
}

/** A saved run's name: it becomes a file name under bench/results/runs/. */
export function saveName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(value))
    throw new Error(`--save=${value}: letters, digits, '.', '_' and '-' only`)
  return value
}

export function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, workers: 2 }
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--quick') opts.quick = true
    else if (key === '--only') opts.only = value.split(',').filter(Boolean)
    else if (key === '--systems') opts.systems = value.split(',').filter(Boolean)
    else if (key === '--diag') opts.diag = true
    else if (key === '--window-prof') opts.windowProf = value || 'bench/results/profiles'
    else if (key === '--cpu-prof') opts.cpuProf = value || 'bench/results/profiles'
    else if (key === '--data-dir' && value) opts.dataDir = value
    else if (key === '--save') opts.save = saveName(value)
    else if (key === '--workers') opts.workers = Math.max(1, Number(value) || 2)
    else throw new Error(`unknown argument ${arg}`)
  }
  return opts
}
