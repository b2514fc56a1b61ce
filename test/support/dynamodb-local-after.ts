/**
 * tap's `after` script (package.json "tap.after"): stops the run's shared DynamoDB Local, if a
 * test file started one (test/support/dynamodb-local.ts). tap runs it as a child of the runner,
 * so the runner's pid, which names the run's state file, is this process's parent.
 */
import { stopShared } from './dynamodb-local.ts'

stopShared(process.ppid)
