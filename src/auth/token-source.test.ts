import t from 'tap'
import { tokenFromRequest } from './token-source.ts'

const url = (q = '') => new URL(`http://x/ws${q}`)

t.test('Bearer header', async (t) => {
  t.equal(tokenFromRequest(new Headers({ authorization: 'Bearer abc.def.ghi' }), url()), 'abc.def.ghi')
  t.equal(tokenFromRequest(new Headers({ authorization: 'bearer abc' }), url()), 'abc')
  t.equal(
    tokenFromRequest(new Headers({ authorization: 'Basic abc' }), url()),
    undefined,
    'a non-bearer header is not a token',
  )
  t.equal(
    tokenFromRequest(new Headers({ authorization: 'Basic abc' }), url('?token=q')),
    'q',
    "another scheme (a proxy's) leaves the query parameter in charge",
  )
  t.equal(
    tokenFromRequest(new Headers({ authorization: 'Bearer' }), url('?token=q')),
    undefined,
    'an empty Bearer header is refused, not replaced',
  )
})

t.test('query parameter, and the header wins over it', async (t) => {
  t.equal(tokenFromRequest(new Headers(), url('?token=q')), 'q')
  t.equal(tokenFromRequest(new Headers({ authorization: 'Bearer h' }), url('?token=q')), 'h')
  t.equal(tokenFromRequest(new Headers(), url('?token=')), undefined)
  t.equal(tokenFromRequest(new Headers(), url()), undefined)
})
