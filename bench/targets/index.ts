/** All targets, in report order: guildhall first, then the peers it is compared with. */
import { guildhallTarget } from './guildhall.ts'
import { durableObjectTarget, socketioTarget, wsTarget } from './peers.ts'
import type { Target } from './types.ts'

export const targets: Target[] = [guildhallTarget, wsTarget, socketioTarget, durableObjectTarget]
