/**
 * The embedded store (`STORE=embedded`, the default): one node, data under `DATA_DIR`.
 * `await openEmbeddedStore({ dir })`; see docs/storage.md.
 */
import { EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.ts'

export { DB_FILE } from './database.ts'
export {
  DEFAULT_CACHE_KIB,
  DEFAULT_HEAD_CACHE_ROOMS,
  DEFAULT_ROTATE_LOG_BYTES,
  EmbeddedStore,
  type EmbeddedStoreOptions,
} from './embedded-store.ts'
export { DataDirLockedError } from './lock.ts'
export { IMPORTED_LOG, LEGACY_LOG, logName } from './log-files.ts'

export function openEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  return EmbeddedStore.open(opts)
}
