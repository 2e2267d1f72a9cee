// A batch's preview (SPEC §9, bulk safety): what each device of a page of rows would end as if its work ran now,
// from the inventory as it stands, by the same rules the per-device activity applies (assignmentRules). One query
// per store for a page of devices, never one per device.
import type { Pool } from 'pg';
import { AssignmentRules, Verdict, needsCatalogueEntry, needsTempLockFact, predictDeviceOutcome } from './assignmentRules';
import { DeviceRecord, findDevicesByImei2InTree, findDevicesInTree } from './store';
import { findDeviceDocuments } from './documentStore';
import { findRunningTempLocks } from '../tempLocks/useCases';
import { findActiveWorkflow } from '../catalogue/useCases';
import type { MongoStores } from '../platform/db/mongo';

export interface OutcomePredictionRequest {
  rules: Omit<AssignmentRules, 'deviceUid'>;
  /** The caller's tenant: devices are looked up in its tree, and nowhere else. */
  callerTenantId: string;
  /** Tenants whose catalogue may hold the workflow. */
  catalogueTenantIds: string[];
}

/** Predicts the outcome of pages of devices for one request; the catalogue entry is read once. */
export async function createOutcomePredictor(
  deps: { pool: Pool; mongo: MongoStores },
  request: OutcomePredictionRequest,
): Promise<(uids: readonly string[]) => Promise<Map<string, Verdict>>> {
  const { rules } = request;
  const catalogueEntry =
    needsCatalogueEntry(rules) && rules.catalogueWorkflowId
      ? await findActiveWorkflow(deps.mongo, rules.catalogueWorkflowId, request.catalogueTenantIds)
      : null;
  const readsDocuments = rules.mode === 'exit' || catalogueEntry !== null;
  return async (uids) => {
    const devices = await devicesByEitherImei(deps.pool, uids, request.callerTenantId, rules.targetWorkspaceId);
    const inWorkspace = [...devices.values()].filter((d) => d.tenantId === rules.targetWorkspaceId);
    const tempLocks = needsTempLockFact(rules)
      ? await findRunningTempLocks(
          deps.pool,
          inWorkspace.map((d) => d.id),
        )
      : new Map();
    const documentUids = rules.createMissing
      ? uids.flatMap((uid) => {
          const device = devices.get(uid);
          if (!device) return [uid];
          return device.tenantId === rules.targetWorkspaceId ? [device.uid] : [];
        })
      : inWorkspace.map((d) => d.uid);
    const documents = readsDocuments ? await findDeviceDocuments(deps.mongo, rules.targetWorkspaceId, documentUids) : new Map();
    const outcomes = new Map<string, Verdict>();
    for (const uid of uids) {
      const device = devices.get(uid) ?? null;
      const document = documents.get(device?.uid ?? uid);
      const heldWorkflowName = document?.workflow_version_id ? (document.workflow?.workflowName ?? document.workflow_version_id) : null;
      const tempLock = device ? (tempLocks.get(device.id) ?? null) : null;
      const deviceUid = device?.uid ?? uid;
      outcomes.set(uid, predictDeviceOutcome({ ...rules, deviceUid }, { device, catalogueEntry, tempLock, heldWorkflowName }));
    }
    return outcomes;
  };
}

/** Each row's device, by its UID or else by its second IMEI (as the per-device workflow finds it), keyed by the row's UID. */
async function devicesByEitherImei(
  pool: Pool,
  uids: readonly string[],
  treeRootTenantId: string,
  preferTenantId: string,
): Promise<Map<string, DeviceRecord>> {
  const devices = await findDevicesInTree(pool, uids, treeRootTenantId, preferTenantId);
  const byImei2 = await findDevicesByImei2InTree(
    pool,
    uids.filter((uid) => !devices.has(uid)),
    treeRootTenantId,
    preferTenantId,
  );
  for (const [imei2, device] of byImei2) devices.set(imei2, device);
  return devices;
}
