/**
 * TypeScript → JavaScript for the browser with the runtime's own type stripping
 * (`stripTypeScriptTypes` of `node:module`, in Node 22.13+ and Deno): the same erasure Node
 * runs the server's own .ts with, so whatever the server can run, the browser gets. Every
 * file in the repository is erasable syntax only (tsconfig `erasableSyntaxOnly`).
 *
 * Node flags the function experimental and says so once on stderr; that warning, and only
 * it, is kept out of the start banner.
 */
import * as nodeModule from 'node:module'
import process from 'node:process'
import type { ToJs } from './page-assets.ts'

type Strip = (code: string, options?: { mode?: 'strip' }) => string

export function typeStripper(): ToJs {
  const strip = (nodeModule as { stripTypeScriptTypes?: Strip }).stripTypeScriptTypes
  if (!strip) throw new Error('this runtime cannot strip TypeScript types for the page (Node 22.13+): set UI=false')
  return (source) => withoutStripWarning(() => strip(source, { mode: 'strip' }))
}

function withoutStripWarning<T>(fn: () => T): T {
  const emitWarning = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message
    if (text.includes('stripTypeScriptTypes')) return
    ;(emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    return fn()
  } finally {
    process.emitWarning = emitWarning
  }
}
