/** Node identity from the ECS task metadata endpoint v4, served here by a local HTTP server. */
import t from 'tap'
import type { Test } from 'tap'
import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import { matchAll } from '../../test/support/match-all.ts'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import { resolveNodeIdentity, randomNodeId } from './ecs-metadata.ts'

/** A Fargate task's `${ECS_CONTAINER_METADATA_URI_V4}/task`, shortened (the shape AWS documents). */
const fargateTask = {
  Cluster: 'arn:aws:ecs:us-west-2:111122223333:cluster/default',
  TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3',
  Family: 'guildhall',
  Revision: '3',
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  Limits: { CPU: 0.25, Memory: 512 },
  PullStartedAt: '2020-10-08T20:47:16.053330955Z',
  AvailabilityZone: 'us-west-2b',
  LaunchType: 'FARGATE',
  Containers: [
    {
      DockerId: 'e9028f8d5d8e4f258373e7b93ce9a3c3-3693182383',
      Name: 'guildhall',
      Image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/guildhall:latest',
      Labels: {
        'com.amazonaws.ecs.task-arn':
          'arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3',
      },
      DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING',
      Type: 'NORMAL',
      Networks: [
        {
          NetworkMode: 'awsvpc',
          IPv4Addresses: ['10.0.2.106'],
          AttachmentIndex: 0,
          MACAddress: '0a:de:f6:10:51:e5',
          IPv4SubnetCIDRBlock: '10.0.2.0/24',
          PrivateDNSName: 'ip-10-0-2-106.us-west-2.compute.internal',
          SubnetGatewayIpv4Address: '10.0.2.1/24',
        },
      ],
    },
  ],
}

async function metadataServer(t: Test, answer: (path: string, res: ServerResponse) => void) {
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    answer(req.url ?? '', res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as { port: number }
  return { uri: `http://127.0.0.1:${port}/v4/7f1c0a2b-metadata`, paths }
}

const json = (body: unknown) => (_path: string, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))

t.test('on Fargate: the task id and the task private IPv4 address', async (t) => {
  const meta = await metadataServer(t, json(fargateTask))
  const logger = createMemoryLogger()
  const identity = await resolveNodeIdentity({}, { ECS_CONTAINER_METADATA_URI_V4: meta.uri }, { logger })
  t.same(identity, { nodeId: 'e9028f8d5d8e4f258373e7b93ce9a3c3', advertiseHost: '10.0.2.106' })
  t.same(meta.paths, ['/v4/7f1c0a2b-metadata/task'])
  matchAll(t, logger.lines, [
    { event: 'node_identity', node: identity.nodeId, advertiseHost: '10.0.2.106', nodeFrom: 'ecs', hostFrom: 'ecs' },
  ])
})

t.test('NODE_ID and ADVERTISE_HOST win; the endpoint fills only what they leave unset', async (t) => {
  const meta = await metadataServer(t, json(fargateTask))
  const env = { ECS_CONTAINER_METADATA_URI_V4: meta.uri }
  const logger = createMemoryLogger()
  t.same(await resolveNodeIdentity({ nodeId: 'mine' }, env, { logger }), {
    nodeId: 'mine',
    advertiseHost: '10.0.2.106',
  })
  t.same(await resolveNodeIdentity({ advertiseHost: '192.168.1.9' }, env, { logger }), {
    nodeId: 'e9028f8d5d8e4f258373e7b93ce9a3c3',
    advertiseHost: '192.168.1.9',
  })
  t.equal(meta.paths.length, 2)
  t.same(await resolveNodeIdentity({ nodeId: 'n', advertiseHost: 'h' }, env, { logger }), {
    nodeId: 'n',
    advertiseHost: 'h',
  })
  t.equal(meta.paths.length, 2, 'not asked when both are set')
})

t.test('without ECS: a random id and 127.0.0.1, quietly', async (t) => {
  const logger = createMemoryLogger()
  t.same(await resolveNodeIdentity({}, {}, { logger, randomId: () => 'node-r' }), {
    nodeId: 'node-r',
    advertiseHost: '127.0.0.1',
  })
  matchAll(t, logger.lines, [{ event: 'node_identity', level: 'info', nodeFrom: 'random', hostFrom: 'default' }])
  t.match(randomNodeId(), /^node-[0-9a-f]{12}$/)
  t.not(randomNodeId(), randomNodeId())
})

t.test('a failing endpoint falls back with a warning', async (t) => {
  const cases: [string, (path: string, res: ServerResponse) => void, RegExp][] = [
    ['500', (_p, res) => res.writeHead(500).end(), /answered 500/],
    ['not JSON', (_p, res) => res.writeHead(200).end('<html>'), /JSON/],
    ['no TaskARN', json({ Cluster: 'c' }), /TaskARN/],
    [
      'a task id that is no node id',
      json({ ...fargateTask, TaskARN: 'arn:aws:ecs:r:1:task/c/has space' }),
      /not a valid node id/,
    ],
    [
      'an address that is no IPv4 address',
      json({ ...fargateTask, Containers: [{ Networks: [{ IPv4Addresses: ['x/y'] }] }] }),
      /not an IPv4/,
    ],
    ['hangs', () => {}, /abort|timeout/i],
  ]
  for (const [name, answer, error] of cases) {
    const meta = await metadataServer(t, answer)
    const logger = createMemoryLogger()
    const identity = await resolveNodeIdentity(
      {},
      { ECS_CONTAINER_METADATA_URI_V4: meta.uri },
      { logger, timeoutMs: 200, randomId: () => 'node-r' },
    )
    t.same(identity, { nodeId: 'node-r', advertiseHost: '127.0.0.1' }, name)
    matchAll(
      t,
      logger.lines,
      [{ event: 'ecs_metadata_failed', level: 'warn', error }, { event: 'node_identity' }],
      name,
    )
  }
})

t.test('a task without a network address keeps its task id and warns about the address', async (t) => {
  const meta = await metadataServer(t, json({ ...fargateTask, Containers: [{ Name: 'x' }, { Networks: [] }] }))
  const logger = createMemoryLogger()
  const identity = await resolveNodeIdentity({}, { ECS_CONTAINER_METADATA_URI_V4: meta.uri }, { logger })
  t.same(identity, { nodeId: 'e9028f8d5d8e4f258373e7b93ce9a3c3', advertiseHost: '127.0.0.1' })
  matchAll(t, logger.lines, [
    { event: 'ecs_metadata_failed', error: /no IPv4 address/ },
    { event: 'node_identity', nodeFrom: 'ecs', hostFrom: 'default' },
  ])
})

t.test('the first container with an address is used (a sidecar without one comes first)', async (t) => {
  const meta = await metadataServer(
    t,
    json({ ...fargateTask, Containers: [{ Name: 'log-router' }, ...fargateTask.Containers] }),
  )
  const identity = await resolveNodeIdentity(
    {},
    { ECS_CONTAINER_METADATA_URI_V4: `${meta.uri}/` },
    { logger: createMemoryLogger() },
  )
  t.equal(identity.advertiseHost, '10.0.2.106')
  t.same(meta.paths, ['/v4/7f1c0a2b-metadata/task'], 'a trailing slash in the variable is fine')
})
