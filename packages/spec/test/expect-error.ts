import { expect } from 'vitest';
import { type ErrorCode, ResblocksError } from '../src/index.js';

/** Asserts `caught` is a ResblocksError with `code` and returns it for further checks. */
function expectCode(caught: unknown, code: ErrorCode): ResblocksError {
  expect(caught, `expected ResblocksError ${code}`).toBeInstanceOf(ResblocksError);
  const err = caught as ResblocksError;
  expect(err.code, err.message).toBe(code);
  return err;
}

/** Runs `fn`, asserts it throws a ResblocksError with `code`, and returns the error for further checks. */
export function expectError(fn: () => unknown, code: ErrorCode): ResblocksError {
  try {
    fn();
  } catch (e) {
    return expectCode(e, code);
  }
  return expectCode(undefined, code);
}

/** Async form of expectError. */
export function expectRejection(p: Promise<unknown>, code: ErrorCode): Promise<ResblocksError> {
  return p.then(
    () => expectCode(undefined, code),
    (e) => expectCode(e, code),
  );
}
