/** The shapes of the server's answers (docs/protocol.md), as the client reads them. */
export {};
