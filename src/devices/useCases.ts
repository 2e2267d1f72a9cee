// What other capabilities call on devices: the one lookup of a device a request names (findCallerDevice), a
// device's document, and a lifecycle action applied inside the caller's transaction (a temporary lock locks and
// resumes the device).
export { findCallerDevice } from './callerDevice';
export { findDeviceDocument } from './documentStore';
export { applyDeviceActionIn } from './lifecycleStore';
export { createOutcomePredictor } from './predictOutcomes';
