/**
 * Every frame the server sends, as types (docs/protocol.md "Frames" is the wire contract these
 * describe; nothing here changes it). The room core builds them, the shell encodes them once,
 * and `frameInfo` tells a connection what it may need to know of one without parsing it.
 */
import type { FrameInfo } from '../room-handle.ts'
import type { WireMessage } from '../host-api.ts'
import type { ErrorFrame } from './errors.ts'

export type { ErrorFrame } from './errors.ts'

export interface WelcomeFrame {
  type: 'welcome'
  room: string
  user: string
  seq: number
  lastRead: number
  presence: string[]
  typing: string[]
  /** Only when the client gave `since`: `false` when too far behind to replay. */
  recovered?: boolean
}

export interface MessageFrame {
  type: 'message'
  room: string
  message: WireMessage
}

export interface AckFrame {
  type: 'ack'
  room: string
  id: string
  seq: number
  messageId: string
}

export interface TypingFrame {
  type: 'typing'
  room: string
  userId: string
  active: boolean
}

export interface PresenceFrame {
  type: 'presence'
  room: string
  userId: string
  online: boolean
}

export interface ReadFrame {
  type: 'read'
  room: string
  userId: string
  seq: number
}

export interface HistoryFrame {
  type: 'history'
  room: string
  messages: WireMessage[]
  more: boolean
}

export interface PongFrame {
  type: 'pong'
}

export interface LeftFrame {
  type: 'left'
  room: string
  /** Absent for an answer to `leave`. */
  reason?: 'revoked' | 'closed' | 'unavailable'
}

export type ServerFrame =
  | WelcomeFrame
  | MessageFrame
  | AckFrame
  | TypingFrame
  | PresenceFrame
  | ReadFrame
  | HistoryFrame
  | PongFrame
  | LeftFrame
  | ErrorFrame

/** What a connection learns of a frame without parsing it (see FrameInfo). */
export function frameInfo(frame: ServerFrame): FrameInfo {
  switch (frame.type) {
    case 'typing':
    case 'presence':
      return droppable
    case 'message':
      return { seq: frame.message.seq }
    case 'ack':
      return { answers: frame.id }
    case 'error':
      return frame.ref === undefined ? none : { answers: frame.ref }
    case 'welcome':
      return {
        welcome: frame.recovered === undefined ? { seq: frame.seq } : { seq: frame.seq, recovered: frame.recovered },
      }
    default:
      return none
  }
}

// Shared and frozen: the two infos most frames get cost no allocation.
const droppable: FrameInfo = Object.freeze({ droppable: true })
const none: FrameInfo = Object.freeze({})
