/**
 * Violations the simulator has found in the cluster and that are diagnosed but not yet fixed
 * (docs/cluster.md "The simulator"). A seed whose violations are all of these kinds is
 * reported as a TODO (it shows in the output, it does not fail the run); any other violation
 * fails. Remove an entry with its fix: from then on the kind fails the run again.
 */
export const knownBugs: Record<string, string> = {}
