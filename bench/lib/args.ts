/** Command line: `--quick`, `--only=fanout,rooms`, `--systems=guildhall,ws`, `--workers=2`. */
export interface Options {
  quick: boolean;
  only?: string[];
  systems?: string[];
  workers: number;
}

export function parseArgs(argv: string[]): Options {
  const opts: Options = { quick: false, workers: 2 };
  for (const arg of argv) {
    const [key, value = ""] = arg.split("=", 2) as [string, string?];
    if (key === "--quick") opts.quick = true;
    else if (key === "--only") opts.only = value.split(",").filter(Boolean);
    else if (key === "--systems") opts.systems = value.split(",").filter(Boolean);
    else if (key === "--workers") opts.workers = Math.max(1, Number(value) || 2);
    else throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}
