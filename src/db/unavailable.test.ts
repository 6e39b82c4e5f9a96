import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { isDatabaseUnavailable } from './unavailable.js';

/** A server error as pg's protocol parser builds it (a DatabaseError with the SQLSTATE in `code`). */
function serverError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

const CASES: [string, unknown, boolean][] = [
  ['server stopping (57P01)', serverError('57P01', 'terminating connection due to administrator command'), true],
  ['crash shutdown (57P02)', serverError('57P02', 'terminating connection because of crash of another server process'), true],
  ['shutting down (57P03)', serverError('57P03', 'the database system is shutting down'), true],
  ['starting up (57P03)', serverError('57P03', 'the database system is starting up'), true],
  ['no connection slots (53300)', serverError('53300', 'sorry, too many clients already'), true],
  ['connection failure (08006)', serverError('08006', 'connection failure'), true],
  ['connection does not exist (08003)', serverError('08003', 'connection does not exist'), true],
  ['refused', systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), true],
  ['reset', systemError('ECONNRESET', 'read ECONNRESET'), true],
  ['timed out', systemError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:5432'), true],
  ['DNS lookup failing', systemError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal'), true],
  ['every address refused', Object.assign(new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432'), systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')], ''), { code: 'ECONNREFUSED' }), true],
  ['every address refused (no code on the aggregate)', new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')], ''), true],
  ['connection lost', new Error('Connection terminated unexpectedly'), true],
  ['connect timeout', new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }), true],
  ['pool wait timeout', new Error('timeout exceeded when trying to connect'), true],
  ['checked-out client lost its server', new Error('Client has encountered a connection error and is not queryable'), true],
  ['wrapped in a cause', new Error('could not load the session', { cause: systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432') }), true],
  // Query and data errors are bugs or conflicts: they stay 500s (or are handled where they happen).
  ['unique violation (23505)', serverError('23505', 'duplicate key value violates unique constraint'), false],
  ['syntax error (42601)', serverError('42601', 'syntax error at or near "selec"'), false],
  ['undefined table (42P01)', serverError('42P01', 'relation "nope" does not exist'), false],
  ['serialization failure (40001)', serverError('40001', 'could not serialize access'), false],
  ['query cancelled (57014)', serverError('57014', 'canceling statement due to statement timeout'), false],
  ['database dropped (57P04)', serverError('57P04', 'terminating connection due to dropped database'), false],
  ['a code that merely starts with 08', serverError('0800', 'not a SQLSTATE'), false],
  ['a plain error', new Error('Something else'), false],
  ['a message mentioning a connection', new Error('Could not find the connection settings'), false],
  ['a string', 'ECONNREFUSED', false],
  ['an object with a code', { code: 'ECONNREFUSED', message: 'not an Error' }, false],
  ['undefined', undefined, false],
  ['null', null, false],
];

for (const [name, error, expected] of CASES) {
  test(`${name}: ${expected ? 'database unavailable' : 'not an outage'}`, () => {
    assert.equal(isDatabaseUnavailable(error), expected);
  });
}

test('a cycle of causes ends', () => {
  const first = new Error('first');
  const second = new Error('second', { cause: first });
  first.cause = second;
  assert.equal(isDatabaseUnavailable(first), false);
});
