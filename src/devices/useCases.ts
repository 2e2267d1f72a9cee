// What other capabilities call on devices: find a device (its inventory row and its document), and apply a
// lifecycle action inside the caller's transaction (a temporary lock locks and resumes the device).
export { findDeviceDocument } from './documentStore';
export { findDeviceInTree } from './store';
export { applyDeviceActionIn } from './lifecycleStore';
