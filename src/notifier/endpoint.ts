/**
 * Which Web Push endpoints are accepted: `https:` always; `http:` only on this machine
 * (`localhost`, 127.0.0.0/8, `[::1]`), for local development and the tests' receiver. A push
 * service is never on loopback, and the worker sends nothing there but an encrypted body.
 */

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]') return true
  return /^127(\.\d{1,3}){3}$/.test(host)
}

/** Why `endpoint` is not a Web Push endpoint this server accepts, or `undefined` when it is. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'subscription.endpoint must be a URL'
  }
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined
  return 'subscription.endpoint must be https (http only on localhost)'
}
