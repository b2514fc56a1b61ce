import { createECDH } from 'node:crypto'
import t from 'tap'
import { isP256Point } from './p256.ts'

t.test('points on P-256 pass, others do not', async (t) => {
  for (let i = 0; i < 20; i++) t.ok(isP256Point(createECDH('prime256v1').generateKeys()), `random key ${i}`)
  const good = createECDH('prime256v1').generateKeys()
  const offCurve = Buffer.from(good)
  offCurve[64] = offCurve[64]! ^ 1
  t.notOk(isP256Point(offCurve), 'y changed by one bit')
  t.notOk(isP256Point(Buffer.alloc(65, 1).fill(4, 0, 1)), 'arbitrary bytes')
  t.notOk(isP256Point(good.subarray(0, 64)), 'too short')
  const compressed = Buffer.from(good)
  compressed[0] = 2
  t.notOk(isP256Point(compressed), 'not uncompressed')
  const big = Buffer.alloc(65, 0xff)
  big[0] = 4
  t.notOk(isP256Point(big), 'coordinates past p')
})
