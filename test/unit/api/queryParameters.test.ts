// instantOf reads ISO 8601 instants strictly: an offset is required, every field in range; what Date's own parser
// would take besides (`0`, years past 9999 or below 1, a 30th of February, local times) is a 400 naming the parameter.
import { instantOf } from '../../../src/platform/http/queryParameters';
import { ProblemError } from '../../../src/platform/http/problem';

describe('instantOf', () => {
  it('takes instants with Z or an offset, with or without seconds and fractions', () => {
    expect(instantOf('2026-12-24T10:00:00Z', 'at')!.toISOString()).toBe('2026-12-24T10:00:00.000Z');
    expect(instantOf('2026-12-24T11:00+01:00', 'at')!.toISOString()).toBe('2026-12-24T10:00:00.000Z');
    expect(instantOf('2026-12-24T04:30:00.123456789-05:30', 'at')!.toISOString()).toBe('2026-12-24T10:00:00.123Z');
    expect(instantOf('2028-02-29T00:00:00Z', 'at')!.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(instantOf('0001-01-01T00:00:00Z', 'at')!.getUTCFullYear()).toBe(1);
    expect(instantOf(undefined, 'at')).toBeNull();
  });

  it.each([
    '0',
    '1764000000000',
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-24T24:00:00Z',
    '2026-12-24T10:60:00Z',
    '2026-12-24T10:00:60Z',
    '2026-12-24T10:00:00',
    '2026-12-24',
    '2026-12-24T10:00:00+24:00',
    '2026-12-24 10:00:00Z',
    'Thu, 24 Dec 2026 10:00:00 GMT',
  ])('refuses %s with a 400 naming the parameter', (text) => {
    let thrown: unknown;
    try {
      instantOf(text, 'createdFrom');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: expect.stringMatching(/^createdFrom must be an ISO 8601/),
    });
  });
});
