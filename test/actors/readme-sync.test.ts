// The README's harness example must be the code that readme-example.test.ts runs.
import t from 'tap'
import { readFileSync } from 'node:fs'

t.test('README example and its test are the same code', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  const start = readme.indexOf("```ts\nimport t from 'tap'") + 6
  const example = readme.slice(start, readme.indexOf('```', start))
  const test = readFileSync('test/actors/readme-example.test.ts', 'utf8')
  const body = test
    .slice(test.indexOf('\n') + 1)
    .replace("from '../../actors/testing.ts'", "from './actors/testing.ts'")
  t.equal(body, example)
})
