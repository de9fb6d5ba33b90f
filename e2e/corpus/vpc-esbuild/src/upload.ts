export interface Upload {
  municipality: string;
  features: unknown[];
}

export function parse(body: string | undefined): Upload {
  const value = JSON.parse(body || '{}');
  return { municipality: String(value.municipality || ''), features: Array.isArray(value.features) ? value.features : [] };
}
