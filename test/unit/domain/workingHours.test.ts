import {
  WeeklyWindow,
  WorkingHoursCalendar,
  describeCalendar,
  isWorkingInstant,
  nextWorkingInstant,
  nextWorkingSpan,
  validateCalendar,
} from '../../../src/tenants/workingHours';

// Builds calendars through the validator, so every example also exercises the accepted input shape.
function calendar(timeZone: string, windows: WeeklyWindow[], holidays: string[] = []): WorkingHoursCalendar {
  const result = validateCalendar({ timeZone, windows, holidays });
  if (!result.ok) throw new Error(`test calendar is invalid: ${JSON.stringify(result.errors)}`);
  return result.calendar;
}

const mondayToFriday = (start: string, end: string): WeeklyWindow[] =>
  (['MON', 'TUE', 'WED', 'THU', 'FRI'] as const).map((day) => ({ day, start, end }));

/** nextWorkingInstant as an ISO string (or null), so expectations read as exact UTC instants. */
const next = (cal: WorkingHoursCalendar, iso: string): string | null => nextWorkingInstant(cal, new Date(iso))?.toISOString() ?? null;
const working = (cal: WorkingHoursCalendar, iso: string): boolean => isWorkingInstant(cal, new Date(iso));

function errorsOf(input: unknown): { field: string; message: string }[] {
  const result = validateCalendar(input);
  if (result.ok) throw new Error('expected the calendar to be rejected');
  return result.errors;
}

const validInput = () => ({ timeZone: 'Europe/Berlin', windows: mondayToFriday('08:00', '17:30'), holidays: [] as unknown[] });

// Europe/Berlin is UTC+1 in winter (CET), UTC+2 in summer (CEST).
const berlin = calendar('Europe/Berlin', [...mondayToFriday('08:00', '17:30'), { day: 'SAT', start: '08:00', end: '12:00' }]);

describe('nextWorkingInstant / isWorkingInstant: weekly windows', () => {
  it('moves a Saturday afternoon instant to Monday morning', () => {
    expect(next(berlin, '2026-01-10T12:00:00.000Z')).toBe('2026-01-12T07:00:00.000Z'); // Sat 13:00 -> Mon 08:00 CET
    expect(working(berlin, '2026-01-11T10:00:00.000Z')).toBe(false); // Sunday 11:00
  });

  it('uses the short Saturday window', () => {
    expect(next(berlin, '2026-01-09T16:30:00.000Z')).toBe('2026-01-10T07:00:00.000Z'); // Fri 17:30 -> Sat 08:00
    expect(working(berlin, '2026-01-10T09:00:00.000Z')).toBe(true); // Sat 10:00
    expect(working(berlin, '2026-01-10T11:00:00.000Z')).toBe(false); // Sat 12:00, the window has closed
    expect(next(berlin, '2026-01-10T11:00:00.000Z')).toBe('2026-01-12T07:00:00.000Z');
  });

  it('treats the window start as inside', () => {
    expect(working(berlin, '2026-01-12T07:00:00.000Z')).toBe(true); // Mon 08:00:00.000
    expect(next(berlin, '2026-01-12T07:00:00.000Z')).toBe('2026-01-12T07:00:00.000Z');
    expect(working(berlin, '2026-01-12T06:59:59.999Z')).toBe(false);
    expect(next(berlin, '2026-01-12T06:59:59.999Z')).toBe('2026-01-12T07:00:00.000Z');
  });

  it('treats the window end as outside and moves on to the next window', () => {
    expect(working(berlin, '2026-01-12T16:29:59.999Z')).toBe(true); // Mon 17:29:59.999
    expect(working(berlin, '2026-01-12T16:30:00.000Z')).toBe(false); // Mon 17:30
    expect(next(berlin, '2026-01-12T16:30:00.000Z')).toBe('2026-01-13T07:00:00.000Z'); // Tue 08:00
  });

  it('returns the instant itself, to the millisecond, when it is inside a window', () => {
    expect(next(berlin, '2026-01-14T10:17:42.123Z')).toBe('2026-01-14T10:17:42.123Z');
  });

  it('decides the weekday from the local date, not the UTC date', () => {
    const saigon = calendar('Asia/Ho_Chi_Minh', mondayToFriday('08:00', '17:00'));
    // Sunday 23:30 UTC is already Monday 06:30 in Ho Chi Minh City.
    expect(next(saigon, '2026-03-08T23:30:00.000Z')).toBe('2026-03-09T01:00:00.000Z');
    // Saturday 02:00 UTC is still Friday 21:00 in New York.
    const newYorkEvenings = calendar('America/New_York', [{ day: 'FRI', start: '18:00', end: '22:00' }]);
    expect(working(newYorkEvenings, '2026-01-10T02:00:00.000Z')).toBe(true);
  });
});

describe('nextWorkingSpan: the window a batch may start devices in', () => {
  const span = (iso: string) => {
    const found = nextWorkingSpan(berlin, new Date(iso));
    return found && { from: new Date(found.from).toISOString(), until: new Date(found.until).toISOString() };
  };

  it('runs from the instant until the window closes while open', () => {
    expect(span('2026-01-12T10:00:00.000Z')).toEqual({ from: '2026-01-12T10:00:00.000Z', until: '2026-01-12T16:30:00.000Z' }); // Mon 11:00 -> 17:30 CET
  });

  it('is the next window, whole, while closed', () => {
    expect(span('2026-01-10T12:00:00.000Z')).toEqual({ from: '2026-01-12T07:00:00.000Z', until: '2026-01-12T16:30:00.000Z' }); // Sat 13:00 -> Mon
  });

  it('at the closing instant, is the next window', () => {
    expect(span('2026-01-12T16:30:00.000Z')).toEqual({ from: '2026-01-13T07:00:00.000Z', until: '2026-01-13T16:30:00.000Z' });
  });
});

describe('holidays', () => {
  const withEasterMonday = calendar('Europe/Berlin', mondayToFriday('08:00', '17:30'), ['2026-04-06']);

  it('moves a holiday Monday to Tuesday morning', () => {
    expect(next(withEasterMonday, '2026-04-05T10:00:00.000Z')).toBe('2026-04-07T06:00:00.000Z'); // Sun -> Tue 08:00 CEST
    expect(working(withEasterMonday, '2026-04-06T08:00:00.000Z')).toBe(false); // Mon 10:00 on the holiday
    expect(working(withEasterMonday, '2026-04-13T08:00:00.000Z')).toBe(true); // the Monday after is normal
  });

  it('matches holidays against the local date', () => {
    const saigon = calendar('Asia/Ho_Chi_Minh', mondayToFriday('08:00', '17:00'), ['2026-01-01']);
    // Thu 2026-01-01 08:30 local is still 2026-01-01 in UTC, but 2025-12-31 23:30 UTC is the holiday's 06:30.
    expect(working(saigon, '2026-01-01T01:30:00.000Z')).toBe(false);
    expect(next(saigon, '2025-12-31T23:30:00.000Z')).toBe('2026-01-02T01:00:00.000Z'); // Fri 08:00 local
  });
});

describe('windows ending at midnight', () => {
  const evening = { day: 'FRI', start: '18:00', end: '24:00' } as const;

  it('runs until local midnight and continues into a following-day window that starts at 00:00', () => {
    const cal = calendar('Europe/Berlin', [evening, { day: 'SAT', start: '00:00', end: '06:00' }]);
    expect(next(cal, '2026-01-09T16:00:00.000Z')).toBe('2026-01-09T17:00:00.000Z'); // Fri 17:00 -> Fri 18:00 CET
    expect(working(cal, '2026-01-09T22:59:59.999Z')).toBe(true); // Fri 23:59:59.999
    expect(working(cal, '2026-01-09T23:00:00.000Z')).toBe(true); // Sat 00:00, Saturday's window
    expect(working(cal, '2026-01-10T05:00:00.000Z')).toBe(false); // Sat 06:00
  });

  it('closes at midnight when the following day starts later', () => {
    const cal = calendar('Europe/Berlin', [evening, { day: 'SAT', start: '08:00', end: '12:00' }]);
    expect(working(cal, '2026-01-09T23:00:00.000Z')).toBe(false); // Sat 00:00
    expect(next(cal, '2026-01-09T23:00:00.000Z')).toBe('2026-01-10T07:00:00.000Z'); // Sat 08:00 CET
  });
});

describe('daylight saving time', () => {
  const newYork = calendar('America/New_York', mondayToFriday('08:00', '17:30'));
  const berlinWeekdays = calendar('Europe/Berlin', mondayToFriday('08:00', '17:30'));

  it('New York spring forward (2026-03-08): Friday 17:30 EST -> Monday 08:00 EDT', () => {
    expect(next(newYork, '2026-03-06T22:30:00.000Z')).toBe('2026-03-09T12:00:00.000Z');
  });

  it('New York fall back (2026-11-01): Friday 17:30 EDT -> Monday 08:00 EST', () => {
    expect(next(newYork, '2026-10-30T21:30:00.000Z')).toBe('2026-11-02T13:00:00.000Z');
  });

  it('Berlin spring forward (2026-03-29): Friday 17:30 CET -> Monday 08:00 CEST', () => {
    expect(next(berlinWeekdays, '2026-03-27T16:30:00.000Z')).toBe('2026-03-30T06:00:00.000Z');
  });

  it('Berlin fall back (2026-10-25): Friday 17:30 CEST -> Monday 08:00 CET', () => {
    expect(next(berlinWeekdays, '2026-10-23T15:30:00.000Z')).toBe('2026-10-26T07:00:00.000Z');
  });

  it('a window starting at 02:30 on the spring-forward day opens when the gap ends (03:00 EDT)', () => {
    const cal = calendar('America/New_York', [{ day: 'SUN', start: '02:30', end: '06:00' }]);
    expect(next(cal, '2026-03-07T12:00:00.000Z')).toBe('2026-03-08T07:00:00.000Z');
    expect(working(cal, '2026-03-08T06:59:59.000Z')).toBe(false); // 01:59:59 EST
    expect(working(cal, '2026-03-08T07:00:00.000Z')).toBe(true); // 03:00 EDT
    expect(working(cal, '2026-03-08T10:00:00.000Z')).toBe(false); // 06:00 EDT
    // A week later 02:30 exists again.
    expect(next(cal, '2026-03-08T10:00:00.000Z')).toBe('2026-03-15T06:30:00.000Z');
  });

  it('the same rule applies in Berlin (02:30 does not exist on 2026-03-29)', () => {
    const cal = calendar('Europe/Berlin', [{ day: 'SUN', start: '02:30', end: '04:00' }]);
    expect(next(cal, '2026-03-28T12:00:00.000Z')).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
  });

  it('skips a window lying wholly inside the spring-forward gap', () => {
    const cal = calendar('America/New_York', [
      { day: 'SUN', start: '02:00', end: '02:45' },
      { day: 'MON', start: '08:00', end: '09:00' },
    ]);
    expect(next(cal, '2026-03-07T12:00:00.000Z')).toBe('2026-03-09T12:00:00.000Z');
  });

  it('an ambiguous fall-back start means its first occurrence, and the repeated hour does not close the window', () => {
    const cal = calendar('America/New_York', [{ day: 'SUN', start: '01:30', end: '03:00' }]);
    expect(next(cal, '2026-10-31T12:00:00.000Z')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(working(cal, '2026-11-01T06:15:00.000Z')).toBe(true); // 01:15 EST, after the clocks went back
    expect(working(cal, '2026-11-01T08:00:00.000Z')).toBe(false); // 03:00 EST
  });

  it('Asia/Ho_Chi_Minh has no DST: always UTC+7, including on the American and European switch weekends', () => {
    const saigon = calendar('Asia/Ho_Chi_Minh', mondayToFriday('08:00', '17:00'));
    expect(next(saigon, '2026-03-06T10:00:00.000Z')).toBe('2026-03-09T01:00:00.000Z');
    expect(next(saigon, '2026-03-27T10:00:00.000Z')).toBe('2026-03-30T01:00:00.000Z');
    expect(next(saigon, '2026-10-23T10:00:00.000Z')).toBe('2026-10-26T01:00:00.000Z');
  });
});

describe('calendars that never open', () => {
  it('returns null for a calendar without windows', () => {
    const closed = calendar('Europe/Berlin', []);
    expect(nextWorkingInstant(closed, new Date('2026-01-12T07:00:00.000Z'))).toBeNull();
    expect(working(closed, '2026-01-12T07:00:00.000Z')).toBe(false);
  });

  const everyDay = (['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const).map((day) => ({ day, start: '00:00', end: '24:00' }));
  const consecutiveDates = (first: string, count: number): string[] =>
    Array.from({ length: count }, (_, i) => new Date(Date.parse(first) + i * 86_400_000).toISOString().slice(0, 10));

  it('returns null when every day of the 400-day search horizon is a holiday', () => {
    const allHolidays = calendar('Europe/Berlin', everyDay, consecutiveDates('2026-01-01', 401));
    expect(nextWorkingInstant(allHolidays, new Date('2025-12-31T23:00:00.000Z'))).toBeNull(); // 2026-01-01 00:00 CET
  });

  it('still finds the first free day at the edge of the horizon', () => {
    const lastDayFree = calendar('Europe/Berlin', everyDay, consecutiveDates('2026-01-01', 400));
    expect(next(lastDayFree, '2025-12-31T23:00:00.000Z')).toBe('2027-02-04T23:00:00.000Z'); // 2027-02-05 00:00 CET
  });

  it('rejects an invalid Date', () => {
    expect(() => nextWorkingInstant(berlin, new Date('not a date'))).toThrow(RangeError);
  });
});

describe('describeCalendar', () => {
  it('groups consecutive days with the same hours', () => {
    const cal = calendar('Europe/Berlin', berlin.windows, ['2026-04-03', '2026-04-06', '2026-12-25']);
    expect(describeCalendar(cal)).toBe('Europe/Berlin: MON-FRI 08:00-17:30, SAT 08:00-12:00; 3 holidays');
  });

  it('lists split days and a single holiday', () => {
    const cal = calendar(
      'Asia/Ho_Chi_Minh',
      [
        { day: 'MON', start: '13:00', end: '17:00' },
        { day: 'MON', start: '08:00', end: '12:00' },
        { day: 'WED', start: '08:00', end: '12:00' },
      ],
      ['2026-09-02'],
    );
    expect(describeCalendar(cal)).toBe('Asia/Ho_Chi_Minh: MON 08:00-12:00 & 13:00-17:00, WED 08:00-12:00; 1 holiday');
  });

  it('says so when there are no working hours', () => {
    expect(describeCalendar(calendar('UTC', []))).toBe('UTC: no working hours; 0 holidays');
  });
});

describe('validateCalendar', () => {
  it('accepts a valid calendar, sorts windows by day then start and keeps holidays as given', () => {
    const result = validateCalendar({
      timeZone: 'Europe/Berlin',
      windows: [
        { day: 'SAT', start: '08:00', end: '12:00' },
        { day: 'MON', start: '13:00', end: '17:00', note: 'ignored' },
        { day: 'MON', start: '08:00', end: '12:00' },
      ],
      holidays: ['2026-12-25', '2026-01-01'],
    });
    expect(result).toEqual({
      ok: true,
      calendar: {
        timeZone: 'Europe/Berlin',
        windows: [
          { day: 'MON', start: '08:00', end: '12:00' },
          { day: 'MON', start: '13:00', end: '17:00' },
          { day: 'SAT', start: '08:00', end: '12:00' },
        ],
        holidays: ['2026-12-25', '2026-01-01'],
      },
    });
  });

  it.each([null, 'Europe/Berlin', 42, []])('rejects the non-object %p', (input) => {
    expect(errorsOf(input)).toEqual([{ field: 'calendar', message: expect.stringContaining('must be an object') }]);
  });

  it('rejects missing or non-array windows and holidays', () => {
    expect(errorsOf({ timeZone: 'UTC' })).toEqual([
      { field: 'windows', message: 'windows must be an array, got undefined' },
      { field: 'holidays', message: 'holidays must be an array of "YYYY-MM-DD" dates, got undefined' },
    ]);
  });

  it.each(['Mars/Olympus', 'Europe/Berlinn', ''])('rejects the unknown time zone %p', (timeZone) => {
    expect(errorsOf({ ...validInput(), timeZone })).toEqual([{ field: 'timeZone', message: expect.stringMatching(/time zone/) }]);
  });

  it('names the unknown time zone in the message', () => {
    expect(errorsOf({ ...validInput(), timeZone: 'Mars/Olympus' })).toEqual([
      { field: 'timeZone', message: 'unknown time zone "Mars/Olympus"' },
    ]);
  });

  it('rejects a non-string time zone', () => {
    expect(errorsOf({ ...validInput(), timeZone: 1 })[0]).toMatchObject({ field: 'timeZone' });
  });

  it.each(['Mon', 'MONDAY', 'XYZ', 1])('rejects the day name %p', (day) => {
    expect(errorsOf({ ...validInput(), windows: [{ day, start: '08:00', end: '12:00' }] })).toEqual([
      { field: 'windows[0].day', message: expect.stringContaining('is not one of MON, TUE, WED, THU, FRI, SAT, SUN') },
    ]);
  });

  it.each(['8:00', '08:0', '23:60', '25:00', '0800', '', 800])('rejects the start time %p', (start) => {
    expect(errorsOf({ ...validInput(), windows: [{ day: 'MON', start, end: '12:00' }] })).toEqual([
      { field: 'windows[0].start', message: expect.stringContaining('is not a time in HH:MM') },
    ]);
  });

  it.each(['8:00', '23:60', '24:01', '25:00', '24:00:00'])('rejects the end time %p', (end) => {
    expect(errorsOf({ ...validInput(), windows: [{ day: 'MON', start: '08:00', end }] })).toEqual([
      { field: 'windows[0].end', message: expect.stringContaining('is not a time in HH:MM') },
    ]);
  });

  it('allows 24:00 only as an end', () => {
    expect(validateCalendar({ ...validInput(), windows: [{ day: 'MON', start: '23:00', end: '24:00' }] }).ok).toBe(true);
    expect(errorsOf({ ...validInput(), windows: [{ day: 'MON', start: '24:00', end: '24:00' }] })).toEqual([
      { field: 'windows[0].start', message: 'start 24:00 is not allowed: 24:00 may only be used as an end' },
    ]);
  });

  it('rejects a window that is not an object', () => {
    expect(errorsOf({ ...validInput(), windows: ['MON 08:00-12:00'] })).toEqual([
      { field: 'windows[0]', message: 'a window must be an object with day, start and end, got "MON 08:00-12:00"' },
    ]);
  });

  it('rejects inverted windows, naming the exact field', () => {
    const windows = [
      { day: 'MON', start: '08:00', end: '12:00' },
      { day: 'TUE', start: '08:00', end: '12:00' },
      { day: 'WED', start: '08:00', end: '07:00' },
    ];
    expect(errorsOf({ ...validInput(), windows })).toEqual([{ field: 'windows[2].end', message: 'end 07:00 is not after start 08:00' }]);
  });

  it('rejects empty windows', () => {
    expect(errorsOf({ ...validInput(), windows: [{ day: 'MON', start: '08:00', end: '08:00' }] })).toEqual([
      { field: 'windows[0].end', message: 'end 08:00 is not after start 08:00' },
    ]);
  });

  it('rejects overlapping windows on the same day', () => {
    const windows = [
      { day: 'MON', start: '11:00', end: '13:00' },
      { day: 'MON', start: '08:00', end: '12:00' },
    ];
    expect(errorsOf({ ...validInput(), windows })).toEqual([
      { field: 'windows[0]', message: 'MON 11:00-13:00 overlaps windows[1] MON 08:00-12:00' },
    ]);
  });

  it('detects overlaps with a long window that spans several shorter ones', () => {
    const windows = [
      { day: 'TUE', start: '08:00', end: '18:00' },
      { day: 'TUE', start: '09:00', end: '10:00' },
      { day: 'TUE', start: '11:00', end: '12:00' },
    ];
    expect(errorsOf({ ...validInput(), windows }).map((e) => e.field)).toEqual(['windows[1]', 'windows[2]']);
  });

  it('rejects identical windows', () => {
    const window = { day: 'FRI', start: '08:00', end: '12:00' };
    expect(errorsOf({ ...validInput(), windows: [window, { ...window }] })).toEqual([
      { field: 'windows[1]', message: 'FRI 08:00-12:00 overlaps windows[0] FRI 08:00-12:00' },
    ]);
  });

  it('accepts touching windows and the same hours on different days', () => {
    const windows = [
      { day: 'MON', start: '08:00', end: '12:00' },
      { day: 'MON', start: '12:00', end: '13:00' },
      { day: 'TUE', start: '08:00', end: '12:00' },
    ];
    expect(validateCalendar({ ...validInput(), windows }).ok).toBe(true);
  });

  it.each([
    ['2026-02-30', '2026-02-30 is not a real calendar date'],
    ['2026-02-29', '2026-02-29 is not a real calendar date'],
    ['2026-13-01', '2026-13-01 is not a real calendar date'],
    ['2026-04-31', '2026-04-31 is not a real calendar date'],
    ['2026-01-00', '2026-01-00 is not a real calendar date'],
    ['2026-1-5', '"2026-1-5" is not a date in YYYY-MM-DD format'],
    ['2026-01-05T00:00', '"2026-01-05T00:00" is not a date in YYYY-MM-DD format'],
    [20260105, 'number 20260105 is not a date in YYYY-MM-DD format'],
  ])('rejects the holiday %p', (holiday, message) => {
    expect(errorsOf({ ...validInput(), holidays: ['2026-01-01', holiday] })).toEqual([{ field: 'holidays[1]', message }]);
  });

  it('accepts 29 February in a leap year', () => {
    expect(validateCalendar({ ...validInput(), holidays: ['2028-02-29', '2000-02-29'] }).ok).toBe(true);
    expect(errorsOf({ ...validInput(), holidays: ['2100-02-29'] })[0]?.field).toBe('holidays[0]');
  });

  it('rejects duplicate holidays instead of silently dropping them', () => {
    expect(errorsOf({ ...validInput(), holidays: ['2026-12-25', '2026-12-26', '2026-12-25'] })).toEqual([
      { field: 'holidays[2]', message: '2026-12-25 duplicates holidays[0]' },
    ]);
  });

  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const minuteWindows = (count: number) => Array.from({ length: count }, (_, i) => ({ day: 'MON', start: hhmm(i), end: hhmm(i + 1) }));

  it('accepts 100 windows but not 101', () => {
    expect(validateCalendar({ ...validInput(), windows: minuteWindows(100) }).ok).toBe(true);
    expect(errorsOf({ ...validInput(), windows: minuteWindows(101) })).toEqual([
      { field: 'windows', message: 'at most 100 windows are allowed, got 101' },
    ]);
  });

  const distinctDates = (count: number) =>
    Array.from({ length: count }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));

  it('accepts 1000 holidays but not 1001', () => {
    expect(validateCalendar({ ...validInput(), holidays: distinctDates(1000) }).ok).toBe(true);
    expect(errorsOf({ ...validInput(), holidays: distinctDates(1001) })).toEqual([
      { field: 'holidays', message: 'at most 1000 holidays are allowed, got 1001' },
    ]);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf({
      timeZone: 'Nowhere/Special',
      windows: [
        { day: 'SUNDAY', start: '08:00', end: '12:00' },
        { day: 'MON', start: '12:00', end: '11:00' },
      ],
      holidays: ['2026-02-30'],
    });
    expect(errors.map((e) => e.field)).toEqual(['timeZone', 'windows[0].day', 'windows[1].end', 'holidays[0]']);
  });
});
