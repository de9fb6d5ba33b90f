// Stub: the model writes the delta to the database inside the VPC.
export const main = async () => ({ applied: 0 });
