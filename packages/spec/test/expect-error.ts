import { expect } from 'vitest';
import { type ErrorCode, ResblocksError } from '../src/index.js';

/** Runs `fn`, asserts it throws a ResblocksError with `code`, and returns the error for further checks. */
export function expectError(fn: () => unknown, code: ErrorCode): ResblocksError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ResblocksError ${code}`).toBeInstanceOf(ResblocksError);
  const err = caught as ResblocksError;
  expect(err.code, err.message).toBe(code);
  return err;
}

/** Async form of expectError. */
export async function expectRejection(p: Promise<unknown>, code: ErrorCode): Promise<ResblocksError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ResblocksError ${code}`).toBeInstanceOf(ResblocksError);
  const err = caught as ResblocksError;
  expect(err.code, err.message).toBe(code);
  return err;
}
