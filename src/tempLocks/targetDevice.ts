// The device a temp-lock request names, as the temp-lock use cases need it. It is found by the devices
// capability's one device lookup (findCallerDevice): under the tenant the request names, that tenant's own first;
// another tenant's device is 404 like a missing one.
export interface TargetDevice {
  id: number;
  uid: string;
  tenantId: string;
  serviceTypeId: number;
  /** The gateway groups commands by it (null: the gateway's default). */
  provisionType: string | null;
}
