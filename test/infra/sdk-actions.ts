/**
 * The IAM actions a process's code can send: from its entry file, follow every relative import
 * (static and dynamic) and collect each `new XxxCommand(` whose Xxx is imported from an AWS SDK
 * package, mapped to the IAM action it needs. A TransactWriteCommand needs the item actions of
 * what it writes (Put, Update, Delete, ConditionCheck keys in the same file). Used by
 * test/infra/iam-drift.test.ts to compare the code with the task roles.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'

/** One SDK command per IAM action; anything else found in the code fails the drift test by name. */
const ACTIONS: Record<string, Record<string, string>> = {
  '@aws-sdk/lib-dynamodb': {
    GetCommand: 'dynamodb:GetItem',
    PutCommand: 'dynamodb:PutItem',
    UpdateCommand: 'dynamodb:UpdateItem',
    DeleteCommand: 'dynamodb:DeleteItem',
    QueryCommand: 'dynamodb:Query',
    ScanCommand: 'dynamodb:Scan',
    BatchGetCommand: 'dynamodb:BatchGetItem',
    BatchWriteCommand: 'dynamodb:BatchWriteItem',
    TransactGetCommand: 'dynamodb:GetItem',
  },
  '@aws-sdk/client-dynamodb': {
    GetItemCommand: 'dynamodb:GetItem',
    PutItemCommand: 'dynamodb:PutItem',
    UpdateItemCommand: 'dynamodb:UpdateItem',
    DeleteItemCommand: 'dynamodb:DeleteItem',
    QueryCommand: 'dynamodb:Query',
    ScanCommand: 'dynamodb:Scan',
    BatchGetItemCommand: 'dynamodb:BatchGetItem',
    BatchWriteItemCommand: 'dynamodb:BatchWriteItem',
    CreateTableCommand: 'dynamodb:CreateTable',
    DescribeTableCommand: 'dynamodb:DescribeTable',
    UpdateTimeToLiveCommand: 'dynamodb:UpdateTimeToLive',
  },
  '@aws-sdk/client-sqs': {
    SendMessageCommand: 'sqs:SendMessage',
    SendMessageBatchCommand: 'sqs:SendMessage',
    ReceiveMessageCommand: 'sqs:ReceiveMessage',
    DeleteMessageCommand: 'sqs:DeleteMessage',
    DeleteMessageBatchCommand: 'sqs:DeleteMessage',
    ChangeMessageVisibilityCommand: 'sqs:ChangeMessageVisibility',
    ChangeMessageVisibilityBatchCommand: 'sqs:ChangeMessageVisibility',
    GetQueueAttributesCommand: 'sqs:GetQueueAttributes',
    GetQueueUrlCommand: 'sqs:GetQueueUrl',
  },
  '@aws-sdk/client-xray': {
    PutTraceSegmentsCommand: 'xray:PutTraceSegments',
    GetTraceSummariesCommand: 'xray:GetTraceSummaries',
    BatchGetTracesCommand: 'xray:BatchGetTraces',
  },
}

const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
}

/** Where each action is sent from (file:line), so a failure names the code. */
export type SentActions = Map<string, string[]>

function imports(source: string): { specifier: string; names: string[] }[] {
  const found: { specifier: string; names: string[] }[] = []
  const staticImport =
    /import\s+(type\s+)?(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\})?\s*(?:\*\s+as\s+[\w$]+\s*)?from\s+['"]([^'"]+)['"]/g
  for (const m of source.matchAll(staticImport)) {
    if (m[1]) continue // import type: nothing at run time
    const names = (m[3] ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '' && !n.startsWith('type '))
      .map((n) => n.split(/\s+as\s+/).pop()!)
    found.push({ specifier: m[4]!, names })
  }
  for (const m of source.matchAll(/export\s+(?:\*|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g)) {
    found.push({ specifier: m[1]!, names: [] })
  }
  for (const m of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1]!, names: [] })
  return found
}

/** Every file reachable from `entry` by relative imports, and the AWS actions they send. */
export function actionsSentFrom(root: string, entry: string): { files: string[]; actions: SentActions } {
  const seen = new Set<string>()
  const queue = [resolve(root, entry)]
  const actions: SentActions = new Map()
  const add = (action: string, where: string) => actions.set(action, [...(actions.get(action) ?? []), where])
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    const sdkNames = new Map<string, string>() // local name -> package
    for (const { specifier, names } of imports(source)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier)
        if (existsSync(target)) queue.push(target)
        else throw new Error(`${relative(root, file)} imports ${specifier}, which does not exist`)
      } else if (specifier.startsWith('@aws-sdk/')) {
        for (const name of names) sdkNames.set(name, specifier)
      }
    }
    const lines = source.split('\n')
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/new\s+([A-Za-z]+Command)\s*\(/g)) {
        const name = m[1]!
        const pkg = sdkNames.get(name)
        if (pkg === undefined) continue
        const where = `${relative(root, file)}:${i + 1}`
        if (name === 'TransactWriteCommand' || name === 'TransactWriteItemsCommand') {
          const kinds = [...source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map((k) => k[1]!)
          if (kinds.length === 0) throw new Error(`${where}: a transaction whose item kinds cannot be read`)
          for (const kind of new Set(kinds)) add(TRANSACT_ITEM_ACTIONS[kind]!, where)
          continue
        }
        const action = ACTIONS[pkg]?.[name]
        if (action === undefined) throw new Error(`${where}: ${name} from ${pkg} has no IAM action in sdk-actions.ts`)
        add(action, where)
      }
    })
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), actions }
}
