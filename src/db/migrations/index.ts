// The ordered list of schema migrations. Append new ones; never edit one that has shipped.
import * as m001 from './001_foundation';

export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [m001];
