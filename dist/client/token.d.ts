/** What the client reads from a JWT without verifying it: when it expires (`exp`), if it says. */
/** The token's `exp` in epoch milliseconds, or undefined when it is not a JWT with a numeric `exp`. */
export declare function tokenExpiry(token: string): number | undefined;
