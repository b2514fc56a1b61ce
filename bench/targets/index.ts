/** All targets, in report order: guildhall first, then the peers it is compared with. */
import { baselineDenoTarget, denoWsTarget, guildhallDenoTarget } from './deno.ts'
import { baselineTarget, guildhallTarget } from './guildhall.ts'
import { durableObjectTarget, socketioSameFlagsTarget, socketioTarget, wsSameFlagsTarget, wsTarget } from './peers.ts'
import type { Target } from './types.ts'

/** What a run without `--systems` runs. */
export const targets: Target[] = [guildhallTarget, wsTarget, socketioTarget, durableObjectTarget]

/** Run only when named in `--systems` (the busy scenario's runtime comparison, a baseline checkout, peers under guildhall's Node flags). */
export const namedOnlyTargets: Target[] = [
  guildhallDenoTarget,
  denoWsTarget,
  baselineTarget,
  baselineDenoTarget,
  wsSameFlagsTarget,
  socketioSameFlagsTarget,
]
