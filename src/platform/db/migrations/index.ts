// The ordered list of schema migrations. Append new ones; never edit one that has shipped.
import * as m001 from './001_foundation';
import * as m003 from './003_working_hours';
import * as m004 from './004_api_key_admin';
import * as m005 from './005_batch_listing';
import * as m006 from './006_idempotency_keys';
import * as m007 from './007_device_temp_lock';
import * as m008 from './008_history_actor';
import * as m009 from './009_batch_previews';
import * as m011 from './011_webhooks';
import * as m012 from './012_device_finding';
import * as m013 from './013_batch_rows_for_upload';
import * as m015 from './015_webhook_retention';

export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [m001, m003, m004, m005, m006, m007, m008, m009, m011, m012, m013, m015];
