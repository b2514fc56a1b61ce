import t from 'tap'
import { TypingThrottle } from './typing-throttle.ts'

t.test('one active:true per throttleMs while typing, active:false after idleMs or on stop', async (t) => {
  const typing = new TypingThrottle({ throttleMs: 2000, idleMs: 5000 })
  t.same(
    [0, 500, 1999, 2000, 3000, 4100].map((now) => typing.input(now)),
    [true, false, false, true, false, true],
  )
  t.equal(typing.idleAt(), 9100)
  t.equal(typing.idle(9000), false, 'not idle yet')
  t.equal(typing.idle(9100), true, 'idle: active:false')
  t.equal(typing.idleAt(), undefined)
  t.equal(typing.input(9200), true, 'typing again goes out at once')
  t.equal(typing.stop(), true)
  t.equal(typing.stop(), false, 'one active:false')
  typing.input(9300)
  typing.reset()
  t.equal(typing.active, false)
  t.equal(typing.input(9400), true, 'after a reconnect the server knows nothing: tell it again')
})
