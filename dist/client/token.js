/** What the client reads from a JWT without verifying it: when it expires (`exp`), if it says. */
/** The token's `exp` in epoch milliseconds, or undefined when it is not a JWT with a numeric `exp`. */
export function tokenExpiry(token) {
    const payload = token.split('.')[1];
    if (payload === undefined)
        return undefined;
    try {
        const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
        const json = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)));
        return typeof json.exp === 'number' ? json.exp * 1000 : undefined;
    }
    catch {
        return undefined;
    }
}
