// The ordered list of schema migrations. Append new ones; never edit one that has shipped.
import * as m001 from './001_foundation';
import * as m003 from './003_working_hours';

export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [m001, m003];
