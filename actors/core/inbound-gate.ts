/**
 * Inbound flow control of one connection, decided on injected time with no I/O: the frame
 * rate (a client flooding frames the server answers is cut), and what to do with a frame read
 * while the connection's replies are not being drained (a client that does not read is not
 * read either; where reading cannot pause, it is cut after a few more frames).
 */
import type { Limits } from '../limits.ts'
import { TokenBucket } from './token-bucket.ts'

export type InboundDecision =
  /** Handle the frame. */
  | 'read'
  /** Handle the frame, then stop reading until the replies drain. */
  | 'pause'
  /** Drop the frame and close with 1008. */
  | { close: 'frame_flood' | 'backlog_flood'; reason: string }

type GateLimits = Pick<Limits, 'frameBurst' | 'framesPerSecond' | 'readPauseBytes' | 'maxFramesWhileBacklogged'>

export class InboundGate {
  private readonly frames: TokenBucket
  /** Frames read in a row while over `readPauseBytes` on a socket that cannot pause. */
  private backlogged = 0

  private readonly limits: GateLimits
  constructor(limits: GateLimits, now: number) {
    this.limits = limits
    this.frames = new TokenBucket(limits.frameBurst, limits.framesPerSecond, now)
  }

  /** A frame arrived with `buffered` bytes queued to the client. */
  frame(now: number, buffered: number, canPause: boolean): InboundDecision {
    if (!this.frames.take(now).ok) return { close: 'frame_flood', reason: 'too many frames' }
    if (buffered <= this.limits.readPauseBytes) {
      this.backlogged = 0
      return 'read'
    }
    if (canPause) return 'pause'
    if (++this.backlogged > this.limits.maxFramesWhileBacklogged) {
      return { close: 'backlog_flood', reason: 'too many frames while replies are unread' }
    }
    return 'read'
  }
}
