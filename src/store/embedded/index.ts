/**
 * The embedded store (`STORE=embedded`, the default): one node, data under `DATA_DIR`.
 * `await openEmbeddedStore({ dir })`; see docs/storage.md.
 */
import { EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.ts'

export { EmbeddedStore, LOG_FILE, type EmbeddedStoreOptions } from './embedded-store.ts'
export { DataDirLockedError } from './lock.ts'

export function openEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  return EmbeddedStore.open(opts)
}
