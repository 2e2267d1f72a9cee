// The devices of the caller's tree (GET /v1/devices) in UID order: searched by the start of a UID or second
// IMEI, filtered by state and catalogue workflow, in cursor pages; each opens its device page.
import { useState } from 'react';
import { DeviceListFilters, useDeviceList } from '../api/devices';
import type { DeviceList as DeviceListAnswer, DeviceListEntry, DeviceStateName } from '../api/types';
import { useCatalogueWorkflows } from '../api/workflows';
import { useFilterDraft } from '../filterDraft';
import { href } from '../router';
import { CursorPager, useCursorPages } from './CursorPager';
import { ProblemBox } from './ProblemBox';
import { Table } from './Table';
import { Time } from './Time';

const STATES: DeviceStateName[] = ['IDLE', 'READY_FOR_USE', 'ACTIVE', 'LOCKED', 'ENROLLED', 'RELEASED'];
const NO_FILTERS: DeviceListFilters = { uidPrefix: '', state: '', workflowId: '' };

export function DeviceList() {
  const [filters, setFilters] = useState<DeviceListFilters>(NO_FILTERS);
  const pages = useCursorPages();
  const list = useDeviceList(filters, pages.cursor);

  function apply(next: DeviceListFilters) {
    setFilters(next);
    pages.restart();
  }

  return (
    <section aria-labelledby="device-list-heading">
      <h2 id="device-list-heading">All devices</h2>
      <ListFilters onApply={apply} />
      <ProblemBox problem={list.error} />
      <DevicesTable answer={list.data} filtered={filters !== NO_FILTERS} />
      <CursorPager pages={pages} nextCursor={list.data?.nextCursor} labels={['← Previous', 'Next →']} />
    </section>
  );
}

function ListFilters({ onApply }: { onApply: (filters: DeviceListFilters) => void }) {
  const workflows = useCatalogueWorkflows();
  const { field, submit } = useFilterDraft(NO_FILTERS, onApply);

  return (
    <form className="filters" onSubmit={submit} role="search" aria-label="Search devices">
      <label>
        UID or IMEI starts with
        <input {...field('uidPrefix')} placeholder="e.g. 3530" pattern="[A-Za-z0-9\-]{1,32}" />
      </label>
      <label>
        State
        <select {...field('state')}>
          <option value="">any</option>
          {STATES.map((state) => (
            <option key={state}>{state}</option>
          ))}
        </select>
      </label>
      <label>
        Workflow
        <select {...field('workflowId')}>
          <option value="">any</option>
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

function DevicesTable({ answer, filtered }: { answer: DeviceListAnswer | undefined; filtered: boolean }) {
  return (
    <Table
      label="Devices"
      testId="device-list"
      columns={['UID', 'second IMEI', 'state', 'workflow', 'workspace', 'changed']}
      empty={answer?.devices.length === 0 ? `No devices${filtered ? ' match this search' : ' yet'}.` : null}
    >
      {answer?.devices.map((device) => (
        <DeviceRow key={`${device.tenantId}/${device.uid}`} device={device} />
      ))}
    </Table>
  );
}

function DeviceRow({ device }: { device: DeviceListEntry }) {
  return (
    <tr>
      <td>
        <a href={href({ page: 'device', uid: device.uid, tenantId: device.tenantId })}>
          <code>{device.uid}</code>
        </a>
      </td>
      <td>{device.imei2 ? <code>{device.imei2}</code> : <span className="muted">—</span>}</td>
      <td>
        <span className="badge badge-state">{device.state}</span>
      </td>
      <td>{device.workflow ? (device.workflow.workflowName ?? device.workflow.workflowId) : <span className="muted">none</span>}</td>
      <td>{device.tenantId}</td>
      <td>
        <Time iso={device.updatedAt} />
      </td>
    </tr>
  );
}
