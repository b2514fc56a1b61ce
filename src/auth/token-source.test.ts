import t from 'tap'
import { tokenFromRequest } from './token-source.ts'

t.test('Bearer header', async (t) => {
  t.equal(tokenFromRequest('Bearer abc.def.ghi', undefined), 'abc.def.ghi')
  t.equal(tokenFromRequest('bearer abc', undefined), 'abc')
  t.equal(tokenFromRequest('Basic abc', undefined), undefined, 'a non-bearer header is not a token')
  t.equal(tokenFromRequest('Basic abc', 'q'), 'q', "another scheme (a proxy's) leaves the query parameter in charge")
  t.equal(tokenFromRequest('Bearer', 'q'), undefined, 'an empty Bearer header is refused, not replaced')
})

t.test('query parameter, and the header wins over it', async (t) => {
  t.equal(tokenFromRequest(undefined, 'q'), 'q')
  t.equal(tokenFromRequest('Bearer h', 'q'), 'h')
  t.equal(tokenFromRequest(undefined, ''), undefined)
  t.equal(tokenFromRequest(undefined, undefined), undefined)
})
