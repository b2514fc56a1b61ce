/** valibot parsing that refuses with the HTTP error factory's codes. */
import * as v from 'valibot'
import { HttpError, type HttpErrorCode } from './errors.ts'
import { firstIssue } from './inputs.ts'

export function parseOr<const S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  code: HttpErrorCode = 'invalid_request',
): v.InferOutput<S> {
  const result = v.safeParse(schema, input)
  if (result.success) return result.output
  throw new HttpError(code, firstIssue(result.issues))
}
