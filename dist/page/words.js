export function statusText(s, t) {
    switch (s.status) {
        case 'idle':
            return t('statusIdle');
        case 'connecting':
            return t('statusConnecting');
        case 'open':
            return t('statusOpen');
        case 'reconnecting':
            return s.delayMs !== undefined && s.delayMs >= 1000
                ? t('statusReconnecting', { seconds: Math.ceil(s.delayMs / 1000), attempt: s.attempt ?? 1 })
                : t('statusReconnectingNow');
        case 'unauthorized':
            return t('statusUnauthorized');
        case 'closed':
            return t('statusClosed');
    }
}
export function errorText(err, t, room) {
    const e = err;
    const where = { room: e.room ?? room ?? '' };
    switch (e.code) {
        case 'invalid_room':
            return t('errorInvalidRoom');
        case 'forbidden':
            return t('errorForbidden', where);
        case 'not_found':
            return t('errorNotFound', where);
        case 'too_long':
            return t('errorTooLong');
        case 'rate_limited':
            return t('errorRateLimited');
        case 'unavailable':
            return t('errorUnavailable');
        case 'unauthorized':
            return t('errorTokenRefused');
        case 'network':
            return t('errorNetwork');
        case 'left':
            return e.reason === 'revoked' ? t('errorRevoked', where) : t('errorOther', { reason: e.message ?? 'left' });
        default:
            return t('errorOther', { reason: e.message ?? String(err) });
    }
}
