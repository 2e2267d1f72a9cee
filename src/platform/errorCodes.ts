// The one catalogue of error codes: per-device result codes (SPEC §2) and API problem codes.

/** Result codes stored in t_batch_action_device.result.code. */
export const DeviceResultCodes = [
  'OK',
  'INVALID_DEVICE_UID',
  'DUPLICATE_IN_FILE',
  'INVALID_DEVICE_TYPE',
  'DEVICE_NOT_FOUND',
  'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW',
  'WRONG_STATE_DEVICE',
  'INVALID_SERVICE_TYPE',
  'DEVICE_ALREADY_HAS_WORKFLOW',
  'DEVICE_HAS_NO_WORKFLOW',
  'WORKFLOW_NOT_FOUND',
  'REGISTER_FAILED',
  'INVALID_TRANSITION',
  'TEMP_LOCK_RUNNING',
  'CANCELLED',
  'INTERNAL_ERROR',
] as const;
export type DeviceResultCode = (typeof DeviceResultCodes)[number];

/** Codes of application/problem+json answers that are not per-device results. */
export const ApiErrorCodes = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_TRANSITION',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'INVALID_WEBHOOK_URL',
  'INVALID_WEBHOOK_EVENTS',
  'RATE_LIMITED',
  'TOO_MANY_FAILED_AUTHENTICATIONS',
  'TOO_MANY_STREAMS',
  'STREAM_EXPIRED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;
export type ApiErrorCode = (typeof ApiErrorCodes)[number];
