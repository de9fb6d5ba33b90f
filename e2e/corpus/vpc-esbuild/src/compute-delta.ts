// Stub: the model compares the upload with the previous one and invokes applyDelta.
export const main = async (event: { municipality?: string } = {}) => ({ municipality: event.municipality || null, changes: 0 });
