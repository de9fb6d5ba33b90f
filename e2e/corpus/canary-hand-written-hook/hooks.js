'use strict';

// Stubs of the hand-written hooks: the real ones call the new version and report to CodeDeploy
// with PutLifecycleEventHookExecutionStatus.
exports.pre = async () => ({ status: 'Succeeded' });
exports.post = async () => ({ status: 'Succeeded' });
