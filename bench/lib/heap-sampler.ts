/**
 * Loaded into a server under test with `--import` (bench/connect-alloc.ts): SIGUSR2 starts V8's
 * sampling heap profiler counting every allocation, collected or not (so it shows what a
 * connect allocates, not only what stays), and the next SIGUSR2 writes the profile to
 * `HEAP_PROF_FILE`. It reads the process from outside: nothing in src/ knows of it.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const file = process.env.HEAP_PROF_FILE
if (file) {
  const inspector = new Session()
  inspector.connect()
  let running = false
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true
      inspector.post('HeapProfiler.enable', () =>
        inspector.post('HeapProfiler.startSampling', {
          samplingInterval: 256,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        }),
      )
      return
    }
    running = false
    inspector.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) writeFileSync(file, JSON.stringify(res.profile))
    })
  })
}
