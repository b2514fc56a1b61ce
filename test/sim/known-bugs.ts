/**
 * Violations the simulator has found in the cluster and that are diagnosed but not yet fixed
 * (docs/cluster.md "The simulator"). A seed whose violations are all of these kinds is
 * reported as a TODO (it shows in the output, it does not fail the run); any other violation
 * fails. Remove an entry with its fix: from then on the kind fails the run again.
 */
export const knownBugs: Record<string, string> = {
  // Seeds 114, 448, 490 (of 1..500 at commit 941f7a5 + simulator 2026-11-30 13:50): an admin
  // revokes a member on one node while the node where the member's session lives is out of
  // that node's view (paused past its lease, cut off from the store) or unreachable over the
  // link. `announceRevoke` tells only the nodes in the announcer's view, once, and nothing
  // retries it; when the other node comes back, its session re-enters the room after the
  // move (host.enter checks only the in-memory revocation list, not the store's membership)
  // and the revoked member stays in the private room for good, receiving its messages.
  revoked_still_in: 'a revocation made while the member\'s node is out of view or unreachable never reaches it (announce once, no retry; re-entry after a move does not re-check membership)',
  revocation_not_seen: 'same cause as revoked_still_in: the member is never told (no left revoked, no 4403)',
  // Seeds 199, 424: a /ws client sends `leave` while its membership is moving (re-entering
  // after its owner became unreachable); the session answers `left` and forgets the
  // membership, but the re-entry already under way still completes and its backlog (and
  // live messages until it is left) reach the socket after `left`. RoomMembership.deliver
  // does not know the membership was left (the `retire` added for replaced memberships is
  // not applied on leave, on a failed entry, nor when the session ends).
  message_before_welcome: 'frames of a room reach a /ws socket after its `left` when the leave came while the membership was re-entering the room',
}
